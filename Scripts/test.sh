#!/usr/bin/env bash
# The README's test command: system packages, data, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
Scripts/fetch-data.sh
swift build -c release --build-tests -Xswiftc -enable-testing
swift test -c release -Xswiftc -enable-testing --skip-build --disable-swift-testing
