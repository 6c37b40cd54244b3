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
    set multiplot title "Per-layer weight memory: resnet20 on fashion-mnist, bins learned, λ = 0.4, tans R = 10, point p3"
    set style data boxes
    set boxwidth 0.7 absolute
    set lmargin at screen 0.09
    set rmargin at screen 0.97
    unset key
    set ylabel "memory (KiB)"
    set format y "%g"
    set xrange [-0.6:19.6]
    set tmargin at screen 0.86
    set bmargin at screen 0.5836764705882354
    set title "quantized, fixed-width packing: 67.7 KiB in total" font medium
    set xtics format "" 1
    unset logscale y
    set yrange [-0.720293:9.72396]
    plot "layer-memory.dat" index 0 using 1:3 lc rgb "#0072B2" notitle
    set tmargin at screen 0.5236764705882353
    set bmargin at screen 0.2073529411764706
    set title "tANS coded: 8.1 KiB in total (8.4× smaller)" font medium
    set xtics format "%g" rotate by 90 right font small 1
    unset xlabel
    set label 20 "layer" at screen 0.53, screen 0.02 center
    unset logscale y
    set yrange [-0.0531348:0.717319]
    plot "layer-memory.dat" index 0 using 1:4:xtic(2) lc rgb "#D55E00" notitle
    unset multiplot

    unset output
}
