#!/usr/bin/env bash
# Installs the Debian packages the tests compare against or drive (Jupyter, Chromium, PostgreSQL,
# Optuna, scikit-learn, PyTorch), skipping any already present. Needs root (apt-get).
set -euo pipefail
packages=(
  python3-optuna python3-sklearn python3-torch
  jupyter-notebook python3-nbclient jupyter-nbconvert python3-ipykernel
  chromium postgresql python3-psycopg2
)
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
