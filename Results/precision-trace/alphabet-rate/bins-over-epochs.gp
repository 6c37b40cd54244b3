# bins-over-epochs.gp: written by SubBit's Plotting module (`subbit plot`).
# Re-render from this folder with: gnuplot bins-over-epochs.gp
# Data: bins-over-epochs.dat (its header names the columns). Edit `formats` to choose outputs.
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
    set output "bins-over-epochs.".fmt
    set encoding utf8
    set datafile missing NaN
    set style fill solid 0.85 border -1
    set grid back lc rgb "#dddddd" lw 1
    set border 3 lw 1
    set tics nomirror out
    set title "Learned precision over training: mnist lenet5, λ 0.1, seed 1"
    set xlabel "epoch"
    set ylabel "bins (count)"
    set key outside right top
    set xrange [0.0:10.0]
    unset logscale y
    set yrange [0:21.1042]
    unset label 99
    plot "bins-over-epochs.dat" index 0 using 1:2 with lines lw 2 lc rgb "#0072B2" title "conv1 2k+1", \
         "bins-over-epochs.dat" index 0 using 1:3 with steps dt 2 lw 1.5 lc rgb "#0072B2" title "conv1 used", \
         "bins-over-epochs.dat" index 1 using 1:2 with lines lw 2 lc rgb "#D55E00" title "conv2 2k+1", \
         "bins-over-epochs.dat" index 1 using 1:3 with steps dt 2 lw 1.5 lc rgb "#D55E00" title "conv2 used", \
         "bins-over-epochs.dat" index 2 using 1:2 with lines lw 2 lc rgb "#009E73" title "fc1 2k+1", \
         "bins-over-epochs.dat" index 2 using 1:3 with steps dt 2 lw 1.5 lc rgb "#009E73" title "fc1 used", \
         "bins-over-epochs.dat" index 3 using 1:2 with lines lw 2 lc rgb "#E69F00" title "fc2 2k+1", \
         "bins-over-epochs.dat" index 3 using 1:3 with steps dt 2 lw 1.5 lc rgb "#E69F00" title "fc2 used", \
         "bins-over-epochs.dat" index 4 using 1:2 with lines lw 2 lc rgb "#CC79A7" title "fc3 2k+1", \
         "bins-over-epochs.dat" index 4 using 1:3 with steps dt 2 lw 1.5 lc rgb "#CC79A7" title "fc3 used"

    unset output
}
