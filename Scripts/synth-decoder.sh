#!/usr/bin/env bash
# Synthesizes the blocks of a generated decoder (`subbit rtl … -o OUT`, folder OUT/<config>/rtl)
# with Yosys + ABC against the OSU 0.18 um standard cells (Debian qflow-tech-osu018), reports
# cells, area and gate equivalents (NAND2X1 = 1 GE) per block beside the model's GE per block
# (model_ge.csv, written when `subbit rtl` was given --tech), and times the whole decoder with
# OpenSTA: the decode-table SRAMs are replaced by a timing stand-in (an address register and a
# data register), so the reported path is the lane loop's logic from the table's data output to
# its address register, without the SRAM's access time.
#
# ABC maps for delay with a 10 ns target (-D 10000), which also buffers high-fanout nets.
#
# Usage: Scripts/synth-decoder.sh RTL_FOLDER [--no-timing]
# Writes RTL_FOLDER/../synthesis.csv (block,module,cells,area_um2,ge,model_ge,ratio,
# model_ge_calibrated,ratio_calibrated; the last row sums port_arbiter and control, the model's
# "control") and
# RTL_FOLDER/../timing.txt; prints both.
set -euo pipefail
rtl="${1:?usage: Scripts/synth-decoder.sh RTL_FOLDER [--no-timing]}"
timing=1
[ "${2:-}" = "--no-timing" ] && timing=0
for tool in yosys:yosys sta:opensta; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || { echo "synth-decoder: '${tool%%:*}' is not installed; install the Debian package ${tool##*:} (Scripts/setup.sh does it)" >&2; exit 1; }
done
lib="$(dpkg -L qflow-tech-osu018 2>/dev/null | grep 'osu018_stdcells.lib$' | head -1 || true)"
[ -n "$lib" ] && [ -f "$lib" ] || { echo "synth-decoder: the OSU 0.18 um Liberty is missing; install the Debian package qflow-tech-osu018 (Scripts/setup.sh does it)" >&2; exit 1; }
[ -f "$rtl/blocks.txt" ] || { echo "synth-decoder: $rtl/blocks.txt not found; pass the rtl folder written by 'subbit rtl'" >&2; exit 1; }
out="$(cd "$rtl/.." && pwd)"
nand2=$(awk '/cell \(NAND2X1\)/ {f=1} f && /area/ {gsub(/[^0-9.]/, "", $3); print $3; exit}' "$lib")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sources=$(ls "$rtl"/sb_*.v | tr "\n" " ")

csv="$work/synthesis.csv"
echo "block,module,cells,area_um2,ge,model_ge,ratio,model_ge_calibrated,ratio_calibrated" > "$csv"
row() {  # block module cells area
  local model="" calibrated="" ge ratio="" ratio2=""
  if [ -f "$rtl/model_ge.csv" ]; then
    model=$(awk -F, -v b="$1" '$1 == b {print $2}' "$rtl/model_ge.csv")
    calibrated=$(awk -F, -v b="$1" '$1 == b {print $3}' "$rtl/model_ge.csv")
  fi
  ge=$(awk -v a="$4" -v n="$nand2" 'BEGIN {printf "%.1f", a / n}')
  [ -n "$model" ] && ratio=$(awk -v g="$ge" -v m="$model" 'BEGIN {if (m > 0) printf "%.3f", g / m}')
  [ -n "$calibrated" ] && ratio2=$(awk -v g="$ge" -v m="$calibrated" 'BEGIN {if (m > 0) printf "%.3f", g / m}')
  echo "$1,$2,$3,$4,$ge,$model,$ratio,$calibrated,$ratio2" >> "$csv"
}
arbiter_cells=0; arbiter_area=0
while read -r block module params; do
  case "$block" in ''|'#'*|top) continue ;; esac
  chparams="chparam"
  for kv in $params; do chparams="$chparams -set ${kv%%=*} ${kv#*=}"; done
  chparams="$chparams $module;"
  yosys -q -l "$work/$block.log" -p "read_verilog $sources; $chparams hierarchy -top $module; synth -top $module -flatten; dfflibmap -liberty $lib; abc -D 10000 -liberty $lib; opt_clean; stat -liberty $lib" >/dev/null 2>"$work/$block.err"
  area=$(awk '/Chip area for/ {a=$NF} END {print a}' "$work/$block.log")
  cells=$(awk '/Number of cells:/ {c=$NF} END {print c}' "$work/$block.log")
  row "$block" "$module" "$cells" "$area"
  if [ "$block" = port_arbiter ] || [ "$block" = control ]; then
    arbiter_cells=$((arbiter_cells + cells))
    arbiter_area=$(awk -v a="$arbiter_area" -v b="$area" 'BEGIN {print a + b}')
  fi
done < "$rtl/blocks.txt"
# The model's control (counters, arbiter, escape FIFO) is the RTL's port_arbiter + control.
row "arbiter+control" "sb_port_arbiter+sb_control" "$arbiter_cells" "$arbiter_area"
cp "$csv" "$out/synthesis.csv"
echo "synthesis (Yosys $(yosys -V | awk '{print $2}') + ABC, $(basename "$lib"), NAND2X1 = $nand2 um^2 = 1 GE):"
column -s, -t "$out/synthesis.csv"

[ "$timing" = 1 ] || exit 0
# Timing: the whole decoder, flattened, with the table memory replaced by its stand-in.
top_params=$(awk '$1 == "top" {for (i = 3; i <= NF; i++) printf "%s ", $i}' "$rtl/blocks.txt")
chparams="chparam"
for kv in $top_params; do chparams="$chparams -set ${kv%%=*} ${kv#*=}"; done
chparams="$chparams sb_decoder;"
cat > "$work/sb_table_ram.v" <<'VERILOG'
// Timing stand-in of the decode-table SRAM, built from library flip-flops with fixed instance
// names: the address is registered at the clock edge as in a synchronous SRAM (address_q) and
// the data comes out of registers (data_q), so the lane loop is timed from the table's data
// output to its address register.
module sb_table_ram #(parameter AB = 8, parameter DW = 20, parameter PORTS = 1) (
    input  wire clk, input wire we, input wire [AB-1:0] waddr, input wire [DW-1:0] wdata,
    input  wire [PORTS*AB-1:0] raddr, output wire [PORTS*DW-1:0] rdata);
    wire [PORTS*AB-1:0] address;
    genvar i;
    generate
        for (i = 0; i < PORTS*AB; i = i + 1) begin : a
            DFFPOSX1 address_q (.CLK(clk), .D(raddr[i]), .Q(address[i]));
        end
        for (i = 0; i < PORTS*DW; i = i + 1) begin : d
            DFFPOSX1 data_q (.CLK(clk), .D(address[i % (PORTS*AB)] ^ (we & wdata[i % DW]) ^ waddr[i % AB]), .Q(rdata[i]));
        end
    endgenerate
endmodule
VERILOG
logic_sources=$(ls "$rtl"/sb_*.v | grep -v sb_table_ram.v | tr "\n" " ")
shared=$(awk '$1 == "top" {for (i = 3; i <= NF; i++) if ($i == "SHARED=1") print 1}' "$rtl/blocks.txt")
ram="$work/sb_table_ram.v"
[ "$shared" = 1 ] && ram="$rtl/sb_table_ram.v"   # a shared table is logic: time it as such
yosys -q -l "$work/top.log" -p "read_liberty -lib $lib; read_verilog $logic_sources $ram; $chparams hierarchy -top sb_decoder; synth -top sb_decoder -flatten; dfflibmap -liberty $lib; abc -D 10000 -liberty $lib; opt_clean -purge; stat -liberty $lib; write_verilog -noattr $work/netlist.v" >/dev/null 2>"$work/top.err"
cat > "$work/sta.tcl" <<TCL
read_liberty $lib
read_verilog $work/netlist.v
link_design sb_decoder
create_clock -name clk -period 20 [get_ports clk]
report_checks -path_delay max -from [all_registers -clock_pins] -to [all_registers -data_pins] -digits 3 > $work/worst.rpt
if {"$shared" != "1"} {
  report_checks -path_delay max -from [get_cells {*data_q}] -to [get_cells {*address_q}] -digits 3 > $work/loop.rpt
}
TCL
sta -exit "$work/sta.tcl" > "$work/sta.log" 2>&1 || { cat "$work/sta.log" >&2; exit 1; }
field() { awk -v k="$2" 'index($0, k) {print $1; exit}' "$1"; }
loop="$work/loop.rpt"
[ "$shared" = 1 ] && loop="$work/worst.rpt"
loop_slack=$(field "$loop" slack); loop_arrival=$(field "$loop" "data arrival time")
worst_slack=$(field "$work/worst.rpt" slack); worst_arrival=$(field "$work/worst.rpt" "data arrival time")
period() { awk -v s="$1" 'BEGIN {printf "%.3f", 20 - s}'; }
mhz() { awk -v p="$1" 'BEGIN {printf "%.1f", 1000 / p}'; }
topArea=$(awk '/Chip area for/ {a=$NF} END {print a}' "$work/top.log")
{
  echo "OpenSTA $(sta -version) on the flattened decoder ($(basename "$lib"), typical corner 1.8 V, no wire load, no placement)"
  echo "lane loop (table data out -> bit extract -> add -> table address register): arrival $loop_arrival ns, slack $loop_slack ns at 20 ns"
  echo "  minimum period $(period "$loop_slack") ns -> lane-loop logic f_max $(mhz "$(period "$loop_slack")") MHz (the SRAM's access time comes on top)"
  echo "worst register-to-register path anywhere: arrival $worst_arrival ns -> $(mhz "$(period "$worst_slack")") MHz"
  echo "  (no fanout buffering or gate sizing after ABC in this flow: high-fanout control nets can dominate it)"
  echo "whole decoder logic area $topArea um^2 = $(awk -v a="$topArea" -v n="$nand2" 'BEGIN {printf "%.1f", a / n}') GE (table SRAMs replaced by stand-in registers$( [ "$shared" = 1 ] && echo '; the shared table is logic and included'))"
  echo
  echo "== lane loop"; sed -n '/^Startpoint/,/slack/p' "$loop"
  echo; echo "== worst path"; sed -n '/^Startpoint/,/slack/p' "$work/worst.rpt"
} > "$out/timing.txt"
cat "$out/timing.txt"
