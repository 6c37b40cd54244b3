# rtl-area.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot rtl-area.gp
# Data: rtl-area.dat (its header names the columns). Edit `formats` to choose outputs.
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
    set output "rtl-area.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set title "Decoder logic area vs decode rate — mobilenet_v2_rd1e-3, R = 10, W = 32, split replicated"
    set xlabel "decoded weights per cycle (decode phase)"
    set ylabel "logic area (gate equivalents, decode tables excluded)"
    set logscale xy
    set key top left box opaque
    unset label 99
    plot "rtl-area.dat" index 0 using 2:3 with linespoints lw 1 dt 2 pt 6 lc rgb "#999999" title "model, uncalibrated", \
         "rtl-area.dat" index 0 using 2:4 with linespoints lw 2 pt 4 lc rgb "#0072B2" title "model, calibrated to synthesis", \
         "rtl-area.dat" index 0 using 2:5 with points pt 7 ps 1.3 lc rgb "#D55E00" title "synthesized (Yosys + ABC, OSU 0.18 um)", \
         "rtl-area.dat" index 0 using 2:5:6 with labels offset 0,1.1 font small notitle

    unset output
}
