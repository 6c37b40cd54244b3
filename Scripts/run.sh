#!/usr/bin/env bash
# The README's main command: installs, data, release build, then the default experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
Scripts/fetch-data.sh
swift build -c release --product subbit
bin="$(swift build -c release --show-bin-path)/subbit"
"$bin" bench codec "$@"
