# rate-sqnr.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot rate-sqnr.gp
# Data: rate-sqnr.dat (its header names the columns). Edit `formats` to choose outputs.
formats = "svg png"
do for [fmt in formats] {
    reset
    if (fmt eq "svg") {
        set terminal svg size 900,600 fixed noenhanced font "DejaVu Sans,14" background "#ffffff"
        tiny = ",11"; small = ",12"; medium = ",13"
    } else {
        set terminal pngcairo size 900,600 noenhanced font "DejaVu Sans,11" background "#ffffff"
        tiny = ",8"; small = ",9"; medium = ",10"
    }
    set output "rate-sqnr.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set title "Rate vs weight SQNR — mobilenet_v2, tANS R = 11, 1 lane(s)"
    set xlabel "weight SQNR (dB, all quantized weights)"
    set ylabel "coded bits per quantized weight (SubBit: tANS; NNCodec: its bitstream)"
    set key top left box opaque
    set format y "%g"
    unset logscale x
    set xrange [-1:54]
    unset logscale y
    set yrange [-0.443635:9.31634]
    unset label 99
    plot "rate-sqnr.dat" index 0 using 1:2 with linespoints lw 1.5 dt 2 pt 6 ps 0.9 lc rgb "#0072B2" title "bins", \
         "rate-sqnr.dat" index 1 using 1:2 with linespoints lw 1.5 dt 2 pt 4 ps 0.9 lc rgb "#D55E00" title "mu", \
         "rate-sqnr.dat" index 2 using 1:2 with linespoints lw 1.5 dt 2 pt 8 ps 0.9 lc rgb "#009E73" title "rmu", \
         "rate-sqnr.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.9 lc rgb "#0072B2" title "bins+rdoq", \
         "rate-sqnr.dat" index 4 using 1:2 with linespoints lw 2 pt 5 ps 0.9 lc rgb "#D55E00" title "mu+rdoq", \
         "rate-sqnr.dat" index 5 using 1:2 with linespoints lw 2 pt 9 ps 0.9 lc rgb "#009E73" title "rmu+rdoq", \
         "rate-sqnr.dat" index 6 using 1:2 with linespoints lw 1.5 dt 2 pt 10 ps 0.9 lc rgb "#E69F00" title "bins+dq", \
         "rate-sqnr.dat" index 7 using 1:2 with linespoints lw 1.5 dt 2 pt 12 ps 0.9 lc rgb "#CC79A7" title "mu+dq", \
         "rate-sqnr.dat" index 8 using 1:2 with linespoints lw 1.5 dt 2 pt 14 ps 0.9 lc rgb "#56B4E9" title "rmu+dq", \
         "rate-sqnr.dat" index 9 using 1:2 with linespoints lw 1.5 dt 2 pt 6 ps 0.9 lc rgb "#F0E442" title "bins+pc", \
         "rate-sqnr.dat" index 10 using 1:2 with linespoints lw 1.5 dt 2 pt 4 ps 0.9 lc rgb "#000000" title "mu+pc", \
         "rate-sqnr.dat" index 11 using 1:2 with linespoints lw 1.5 dt 2 pt 8 ps 0.9 lc rgb "#0072B2" title "rmu+pc", \
         "rate-sqnr.dat" index 12 using 1:2 with linespoints lw 2 pt 11 ps 0.9 lc rgb "#000000" title "nncodec", \
         "rate-sqnr.dat" index 13 using 1:2 with linespoints lw 2 pt 13 ps 0.9 lc rgb "#000000" title "nncodec-rd1"

    unset output
}
