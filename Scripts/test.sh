#!/usr/bin/env bash
# The README's test command: system packages, data, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
Scripts/fetch-data.sh
swift build --build-tests
swift test --skip-build --disable-swift-testing
