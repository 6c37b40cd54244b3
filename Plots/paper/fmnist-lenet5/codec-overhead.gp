# codec-overhead.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot codec-overhead.gp
# Data: codec-overhead.dat (its header names the columns). Edit `formats` to choose outputs.
formats = "svg png"
do for [fmt in formats] {
    reset
    if (fmt eq "svg") {
        set terminal svg size 900,560 fixed noenhanced font "DejaVu Sans,14" background "#ffffff"
        tiny = ",11"; small = ",12"; medium = ",13"
    } else {
        set terminal pngcairo size 900,560 noenhanced font "DejaVu Sans,11" background "#ffffff"
        tiny = ",8"; small = ",9"; medium = ",10"
    }
    set output "codec-overhead.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set title "Codec overhead over the entropy of the quantized weights"
    set xlabel "table log R (table size L = 2^R entries)"
    set ylabel "coded − entropy (bits/weight)"
    # gnuplot's own "key below" placement overlaps the x label: place it explicitly.
    set key at screen 0.5, screen 0.015 center bottom horizontal Left reverse box lc rgb "#bbbbbb" samplen 2.5 spacing 1.2 maxrows 2
    set bmargin 7.5
    set format y "%g"
    set xtics 1
    set mytics default
    unset logscale x
    set xrange [7.5:10.5]
    set logscale y 10
    set yrange [0.00528422:2.37651]
    unset label 99
    plot "codec-overhead.dat" index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 1 lc rgb "#0072B2" title "tANS (mean, min–max)", \
         "codec-overhead.dat" index 1 using 1:2 with lines dt 2 lw 2 lc rgb "#D55E00" title "Huffman (mean 0.388 bits/weight)", \
         "codec-overhead.dat" index 2 using 1:2 with lines dt 4 lw 2 lc rgb "#009E73" title "fixed width (mean 1.713 bits/weight)"

    unset output
}
