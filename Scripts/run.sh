#!/usr/bin/env bash
# The README's main command: installs what is missing, fetches the data, builds (release) and
# runs the default experiment end to end — sweep, results CSVs and plots.
# Extra arguments go to `subbit run` (e.g. --jobs 2, --fresh).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
Scripts/fetch-data.sh
swift build -c release --product subbit
bin="$(swift build -c release --show-bin-path)/subbit"
"$bin" run Experiments/quick.yaml "$@"
