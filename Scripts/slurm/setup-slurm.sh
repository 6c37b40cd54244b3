#!/usr/bin/env bash
# Installs Slurm and munge from Debian's packages, only when missing (idempotent): what the local
# test cluster (Scripts/slurm/local-cluster.sh) and a login node need. `apt-get update` runs only
# when something must be installed.
# Usage: Scripts/slurm/setup-slurm.sh      (as root, or with sudo)
set -euo pipefail

packages=(slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-slurm: slurm-wlm and munge present."
  exit 0
fi

echo "setup-slurm: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup-slurm: error: missing packages (${missing[*]}) and not root. Fix: run 'sudo Scripts/slurm/setup-slurm.sh'." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Debian's packages start their daemons on install where a service manager runs; the local
# cluster starts its own, so keep the package scripts from starting any (policy-rc.d 101).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-slurm: done."
