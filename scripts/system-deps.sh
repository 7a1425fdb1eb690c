#!/usr/bin/env bash
# Installs the Debian packages the tests drive as system software: Chromium (the browser for the
# JupyterLab, Notebook 7 and widget tests), PostgreSQL and Redis (a private server per test run), skipping
# any already present. Needs root (apt-get). Everything Python (Optuna, scikit-learn, PyTorch,
# Jupyter) comes from the pinned environment of scripts/python-env.sh instead.
set -euo pipefail
packages=(chromium postgresql redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]}" >&2
  echo "system-deps: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
