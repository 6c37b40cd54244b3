# frontier.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot frontier.gp
# Data: frontier.dat (its header names the columns). Edit `formats` to choose outputs.
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
    set output "frontier.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set title "Top-1 accuracy against coded size\n(points: tANS-coded runs — seed means, 95 % intervals; lines: non-dominated frontiers)" font medium
    set xlabel "bits per weight (bits/weight)"
    set ylabel "top-1 accuracy (%)"
    set key outside right top vertical Left reverse box lc rgb "#bbbbbb" samplen 2 spacing 1.15 title "bin policy"
    set format x "%g"
    set format y "%g"
    set mxtics default
    set arrow 1 from first 1, graph 0 to first 1, graph 1 nohead dt 2 lw 1.5 lc rgb "#555555" back
    set label 1 "1 bit/weight" at first 1, graph 0.02 left rotate by 90 offset char -1.6,0 font small tc rgb "#555555"
    set logscale x 2
    set xrange [0.175092:3.52602]
    set xtics ("1/4" 0.25, "1/2" 0.5, "1" 1.0, "2" 2.0)
    set mxtics default
    unset logscale y
    set yrange [98.3562:99.6089]
    set arrow 2 from graph 0, first 99.15999999999998 to graph 1, first 99.15999999999998 nohead dt 3 lw 1.5 lc rgb "#555555" back
    set label 2 "float baseline 99.2 %" at graph 0.01, first 99.15999999999998 left offset 0,0.6 font small tc rgb "#555555"
    unset label 99
    plot "frontier.dat" index 0 using 1:2:6:7 with xyerrorbars pt 7 ps 0.8 lc rgb "#0072B2" title "learned", \
         "frontier.dat" index 1 using 1:2:6:7 with xyerrorbars pt 5 ps 0.8 lc rgb "#D55E00" title "fixed-3", \
         "frontier.dat" index 2 using 1:2:6:7 with xyerrorbars pt 9 ps 0.8 lc rgb "#009E73" title "fixed-7", \
         "frontier.dat" index 3 using 1:2 with linespoints dt 2 lw 1.5 pt 4 ps 0.9 lc rgb "#555555" title "Huffman frontier", \
         "frontier.dat" index 4 using 1:2 with linespoints dt 4 lw 1.5 pt 8 ps 0.9 lc rgb "#999999" title "fixed-width frontier", \
         "frontier.dat" index 5 using 1:2 with lines lw 2 lc rgb "#000000" title "tANS frontier", \
         "frontier.dat" index 5 using 1:2:4 with labels left offset char 0.5,0.7 font small tc rgb "#000000" notitle, \
         "frontier.dat" index 5 using 1:2:5 with labels right offset char -0.5,0.7 font small tc rgb "#000000" notitle

    unset output
}
