# layer-memory.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot layer-memory.gp
# Data: layer-memory.dat (its header names the columns). Edit `formats` to choose outputs.
formats = "svg png"
do for [fmt in formats] {
    reset
    if (fmt eq "svg") {
        set terminal svg size 960,680 fixed noenhanced font "DejaVu Sans,14" background "#ffffff"
        tiny = ",11"; small = ",12"; medium = ",13"
    } else {
        set terminal pngcairo size 960,680 noenhanced font "DejaVu Sans,11" background "#ffffff"
        tiny = ",8"; small = ",9"; medium = ",10"
    }
    set output "layer-memory.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set multiplot title "Per-layer weight memory: lenet5 on fashion-mnist, bins learned, λ = 0.1, tans R = 8, point p06"
    set style data boxes
    set boxwidth 0.7 absolute
    set lmargin at screen 0.09
    set rmargin at screen 0.97
    unset key
    set ylabel "memory (KiB)"
    set format y "%g"
    set xrange [-0.6:4.6]
    set tmargin at screen 0.86
    set bmargin at screen 0.545
    set title "quantized, fixed-width packing: 23.0 KiB in total" font medium
    set xtics format "" 1
    unset logscale y
    set yrange [-1.40654:18.9883]
    plot "layer-memory.dat" index 0 using 1:3 lc rgb "#0072B2" notitle
    set tmargin at screen 0.485
    set bmargin at screen 0.13
    set title "tANS coded: 4.4 KiB in total (5.2× smaller)" font medium
    set xtics format "%g" rotate by 45 right font small 1
    unset xlabel
    set label 20 "layer" at screen 0.53, screen 0.02 center
    unset logscale y
    set yrange [-0.183447:2.47654]
    plot "layer-memory.dat" index 0 using 1:4:xtic(2) lc rgb "#D55E00" notitle
    unset multiplot

    unset output
}
