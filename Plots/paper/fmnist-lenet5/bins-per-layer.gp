# bins-per-layer.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot bins-per-layer.gp
# Data: bins-per-layer.dat (its header names the columns). Edit `formats` to choose outputs.
formats = "svg png"
do for [fmt in formats] {
    reset
    if (fmt eq "svg") {
        set terminal svg size 960,600 fixed noenhanced font "DejaVu Sans,14" background "#ffffff"
        tiny = ",11"; small = ",12"; medium = ",13"
    } else {
        set terminal pngcairo size 960,600 noenhanced font "DejaVu Sans,11" background "#ffffff"
        tiny = ",8"; small = ",9"; medium = ",10"
    }
    set output "bins-per-layer.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set multiplot title "Quantization bins per layer: lenet5 on fashion-mnist, bins learned, λ = 0.1, tans R = 8, point p06"
    set style data boxes
    set boxwidth 0.7 absolute
    unset key
    set tmargin at screen 0.86
    set bmargin at screen 0.13433333333333333
    set lmargin at screen 0.08
    set rmargin at screen 0.58
    set title "bins of each layer (N = 2K + 1)" font medium
    set ylabel "bins (count)"
    unset xlabel
    set label 20 "layer" at screen 0.32999999999999996, screen 0.02 center
    set xrange [-0.6:4.6]
    set xtics rotate by 45 right font small 1
    set ytics ("1" 1.0, "3" 3.0, "7" 7.0, "15" 15.0)
    set logscale y 2
    set yrange [0.8:23.8]
    plot "bins-per-layer.dat" index 0 using 1:3:($1-0.35):($1+0.35):(0.8):3:xtic(2) with boxxyerror lc rgb "#0072B2" notitle
    set lmargin at screen 0.67
    set rmargin at screen 0.97
    unset label 20
    set title "distribution across layers" font medium
    set ylabel "layers (count)"
    set xlabel "bins"
    set xtics norotate font small 1
    set ytics 1.0
    set format y "%g"
    set xrange [-0.6:3.6]
    unset logscale y
    set yrange [0:2.36]
    plot "bins-per-layer.dat" index 1 using 1:4:xtic(2) lc rgb "#009E73" notitle, \
         "bins-per-layer.dat" index 1 using 1:4:(sprintf("%d", $4)) with labels offset 0,0.7 font small notitle
    unset multiplot

    unset output
}
