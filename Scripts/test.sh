#!/usr/bin/env bash
# The README's test command: system packages, data, a release build, real compressed models for
# the decoder-validation test, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
Scripts/fetch-data.sh
data="${SUBBIT_DATA:-$PWD/.data}"
export SUBBIT_DATA="$data"
# The test process trains in-process too: the same OpenBLAS kernel set the subbit binary pins.
if [ "$(uname -m)" = x86_64 ] && [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; else export OPENBLAS_CORETYPE=Prescott; fi
fi
swift build -c release --build-tests -Xswiftc -enable-testing
bin="$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/subbit"

# Real compressed models (idempotent): MobileNetV2 at two operating points and a LeNet-5 trained
# for one epoch, which the decoder tests validate the analytic model against.
out="$data/compressed"
mkdir -p "$out"
[ -f "$out/mobilenet_v2_bins15.sbw" ] ||
  "$bin" compress "$data/models/mobilenet_v2.safetensors" -o "$out/mobilenet_v2_bins15.sbw" --bins 15 --lanes 1 >/dev/null
[ -f "$out/mobilenet_v2_rd1e-3.sbw" ] ||
  "$bin" compress "$data/models/mobilenet_v2.safetensors" -o "$out/mobilenet_v2_rd1e-3.sbw" --rate-weight 1e-3 --lanes 1 >/dev/null
if [ ! -f "$out/lenet5_fmnist_rd1e-4.sbw" ]; then
  "$bin" train --dataset fashion-mnist --model lenet5 --epochs 1 -o "$out/lenet5_fmnist.safetensors" 2>/dev/null | tail -1
  "$bin" compress "$out/lenet5_fmnist.safetensors" -o "$out/lenet5_fmnist_rd1e-4.sbw" --rate-weight 1e-4 --lanes 1 >/dev/null
fi

swift test -c release -Xswiftc -enable-testing --skip-build --disable-swift-testing
