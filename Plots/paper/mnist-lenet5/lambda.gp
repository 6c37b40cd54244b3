# lambda.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot lambda.gp
# Data: lambda.dat (its header names the columns). Edit `formats` to choose outputs.
formats = "svg png"
do for [fmt in formats] {
    reset
    if (fmt eq "svg") {
        set terminal svg size 900,620 fixed noenhanced font "DejaVu Sans,14" background "#ffffff"
        tiny = ",11"; small = ",12"; medium = ",13"
    } else {
        set terminal pngcairo size 900,620 noenhanced font "DejaVu Sans,11" background "#ffffff"
        tiny = ",8"; small = ",9"; medium = ",10"
    }
    set output "lambda.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set title "Accuracy and coded size against the entropy weight λ (means over runs; error bars: 95 % intervals over seeds)"
    set xlabel "λ, weight of the entropy term in CE + λ·R (dimensionless)"
    set ylabel "top-1 accuracy (%), solid"
    set y2label "coded bits per weight (bits/weight), dashed"
    set border 11 lw 1
    set ytics nomirror
    set y2tics
    set format x "%g"
    set format y "%g"
    set format y2 "%g"
    # gnuplot's own "key below" placement overlaps the x label: place it explicitly.
    set key at screen 0.5, screen 0.015 center bottom horizontal Left reverse box lc rgb "#bbbbbb" samplen 2.5 spacing 1.1 maxrows 2
    set bmargin 10
    set logscale x 10
    set xrange [0.00249529:0.360679]
    unset logscale y
    set yrange [98.3561:99.6089]
    unset logscale y2
    set y2range [-0.133035:2.35029]
    set xtics add ("0" 0.003)
    unset mxtics
    set arrow 1 from graph 0, second 1 to graph 1, second 1 nohead dt 3 lw 1 lc rgb "#555555" back
    set label 1 "1 bit/weight" at graph 0.99, second 1 right offset 0,0.6 font small tc rgb "#555555"
    set arrow 2 from graph 0, first 99.16 to graph 1, first 99.16 nohead dt 4 lw 1 lc rgb "#555555" back
    set label 2 "float baseline 99.2 %" at graph 0.01, first 99.16 left offset 0,0.6 font small tc rgb "#555555"
    unset label 99
    plot "lambda.dat" index 0 using 1:3:6 axes x1y1 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb "#0072B2" title "learned: top-1", \
         "lambda.dat" index 0 using 1:4:7 axes x1y2 with yerrorlines dt 2 lw 2 pt 6 ps 0.9 lc rgb "#0072B2" title "learned: bits/weight", \
         "lambda.dat" index 1 using 1:3:6 axes x1y1 with yerrorlines lw 2 pt 5 ps 0.9 lc rgb "#D55E00" title "fixed-3: top-1", \
         "lambda.dat" index 1 using 1:4:7 axes x1y2 with yerrorlines dt 2 lw 2 pt 4 ps 0.9 lc rgb "#D55E00" title "fixed-3: bits/weight", \
         "lambda.dat" index 2 using 1:3:6 axes x1y1 with yerrorlines lw 2 pt 9 ps 0.9 lc rgb "#009E73" title "fixed-7: top-1", \
         "lambda.dat" index 2 using 1:4:7 axes x1y2 with yerrorlines dt 2 lw 2 pt 8 ps 0.9 lc rgb "#009E73" title "fixed-7: bits/weight"

    unset output
}
