# decoders.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot decoders.gp
# Data: decoders.dat (its header names the columns). Edit `formats` to choose outputs.
formats = "svg png"
do for [fmt in formats] {
    reset
    if (fmt eq "svg") {
        set terminal svg size 960,760 fixed noenhanced font "DejaVu Sans,14" background "#ffffff"
        tiny = ",11"; small = ",12"; medium = ",13"
    } else {
        set terminal pngcairo size 960,760 noenhanced font "DejaVu Sans,11" background "#ffffff"
        tiny = ",8"; small = ",9"; medium = ",10"
    }
    set output "decoders.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set multiplot title "Decoder configurations: lanes P × table log R (means over runs sharing a configuration)"
    set lmargin at screen 0.11
    set rmargin at screen 0.70
    set tmargin at screen 0.90
    set bmargin at screen 0.59
    set title "area against throughput" font medium
    set xlabel "throughput (weights/s)"
    set ylabel "decoder area (µm²)"
    set key at screen 0.72, screen 0.90 left top Left reverse box lc rgb "#bbbbbb" samplen 1.5 spacing 1.15 title "table log (table size)"
    unset logscale x
    set xrange [6.81358e+08:7.69032e+08]
    unset logscale y
    set yrange [3607.63:8300.67]
    set xtics autofreq
    set format x "%.0s%c"
    set ytics autofreq
    set format y "%.1s%c"
    unset label 99
    plot "decoders.dat" index 0 using 2:3 with lines lw 1 lc rgb "#0072B2" notitle, \
         NaN with linespoints lw 1 pt 7 ps 1.1 lc rgb "#0072B2" title "R = 8 (L = 256)", \
         "decoders.dat" index 0 using 2:($5 > 0 ? NaN : $3) with points pt 6 ps 1.1 lc rgb "#0072B2" notitle, \
         "decoders.dat" index 0 using 2:3:6 with labels left offset char 0.7,-0.3 font tiny tc rgb "#333333" notitle, \
         "decoders.dat" index 1 using 2:3 with lines lw 1 lc rgb "#D55E00" notitle, \
         NaN with linespoints lw 1 pt 5 ps 1.1 lc rgb "#D55E00" title "R = 10 (L = 1024)", \
         "decoders.dat" index 1 using 2:($5 > 0 ? NaN : $3) with points pt 4 ps 1.1 lc rgb "#D55E00" notitle, \
         "decoders.dat" index 1 using 2:3:6 with labels left offset char 0.7,-0.3 font tiny tc rgb "#333333" notitle, \
         NaN with points pt 7 ps 1.1 lc rgb "#000000" title "filled: keeps up", \
         NaN with points pt 6 ps 1.1 lc rgb "#000000" title "hollow: falls behind"
    set tmargin at screen 0.42
    set bmargin at screen 0.10
    set title "net area saved (weight memory saved minus decoder area; below 0: a loss)" font medium
    set xlabel "lanes P (weights decoded per cycle)"
    set ylabel "net area saved (µm²)"
    set format x "%g"
    unset key
    set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lw 1 lc rgb "#555555" back
    unset logscale x
    set xrange [0.5:1.5]
    unset logscale y
    set yrange [-1447.84:19545.8]
    set ytics autofreq
    set format y "%.0s%c"
    set xtics (1.0)
    unset mxtics
    unset label 99
    plot "decoders.dat" index 0 using 1:4 with linespoints lw 1.5 pt 7 ps 0.9 lc rgb "#0072B2" notitle, \
         "decoders.dat" index 1 using 1:4 with linespoints lw 1.5 pt 5 ps 0.9 lc rgb "#D55E00" notitle
    unset multiplot

    unset output
}
