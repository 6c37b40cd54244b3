#!/usr/bin/env bash
# Fetches the data SubBit uses into the data cache (${SUBBIT_DATA:-.data}). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${SUBBIT_DATA:-$PWD/.data}"
mkdir -p "$data"
echo "fetch-data: cache at $data (nothing to fetch yet)"
