#!/usr/bin/env bash
# Optional: installs NNCodec (Fraunhofer HHI's MPEG NNC implementation, PyPI `nncodec`) into its
# own virtual environment, so `subbit bench rd` can run it as a peer on the same weights. Never
# needed by the main job or the tests. Idempotent: an environment that already imports nncodec
# is left as it is. It pulls PyTorch (CPU) and compiles NNCodec's DeepCABAC extension (minutes).
#
#   Scripts/install-nncodec.sh [VENV]       default VENV: ${SUBBIT_NNCODEC_VENV:-~/.cache/subbit/nncodec-venv}
#   SUBBIT_PYTHON=VENV/bin/python subbit bench rd mobilenet_v2.safetensors …
set -euo pipefail

venv="${1:-${SUBBIT_NNCODEC_VENV:-$HOME/.cache/subbit/nncodec-venv}}"
say() { echo "install-nncodec: $*"; }

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import nncodec" 2>/dev/null; then
    say "nncodec is already installed in $venv"
else
    command -v python3 >/dev/null || { echo "install-nncodec: error: python3 not found; install it (apt-get install python3 python3-venv)" >&2; exit 1; }
    # A half-made environment (an interrupted run) fails the import check above and is rebuilt;
    # a failed install removes what it made.
    rm -rf "$venv"
    trap 'rm -rf "$venv"' ERR
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet nncodec
    "$venv/bin/python" -c "import nncodec"
    trap - ERR
    say "installed nncodec in $venv"
fi
say "run the peer with: SUBBIT_PYTHON=$venv/bin/python subbit bench rd MODEL.safetensors"
