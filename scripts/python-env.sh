#!/usr/bin/env bash
# Creates (or reuses) the one pinned Python environment that tests and benchmarks compare against:
# Optuna 5.0, optuna-dashboard, scikit-learn 1.9, PyTorch 2.13 (CPU), JupyterLab 4.6, Notebook 7.6,
# ipywidgets 8, nbclient, nbconvert, papermill, jupyter_kernel_test (python/requirements.txt), and
# python/papermill-tunelab (papermill's TypeScript parameters).
#
# Where: $TUNELAB_PYTHON_ENV if set, else ~/.cache/tunelab/python-<hash of requirements.txt and the plugin>, so a
# fresh clone on the same machine reuses it and a changed pin builds a new one. No root needed.
# Prints the environment's directory on stdout (its interpreter is <dir>/bin/python).
# With --if-exists it only prints an environment already complete, and exits 1 otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/python/requirements.txt"
# python/papermill-tunelab is installed from the repository, so its sources are part of the key.
plugin="$root/python/papermill-tunelab"
hash="$(cat "$req" "$plugin/pyproject.toml" "$plugin"/papermill_tunelab/*.py | sha256sum | cut -c1-12)"
dir="${TUNELAB_PYTHON_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tunelab/python-$hash}"
if [ -f "$dir/.complete" ]; then
  echo "$dir"
  exit 0
fi
# --if-exists: report an existing environment only, never create one (npm run build uses it).
if [ "${1:-}" = "--if-exists" ]; then
  exit 1
fi
# Two test files (or a test and a benchmark) may ask at once: one creates, the others wait for it.
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.complete" ]; then
  echo "$dir"
  exit 0
fi
base="${TUNELAB_BASE_PYTHON:-}"
if [ -z "$base" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      base="$(command -v "$candidate")"
      break
    fi
  done
fi
if [ -z "$base" ]; then
  echo "python-env: need Python >= 3.10 with venv and ensurepip (Debian: apt-get install python3-venv)." >&2
  exit 1
fi
echo "python-env: creating $dir with $base (pinned in python/requirements.txt; a few minutes, once)" >&2
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
"$base" -m venv "$dir"
# pip warns once per package that the machine's local wheel mirrors lack: noise, filtered out.
log="$(mktemp)"
# From the repository's root: requirements.txt names the local plugin as ./python/papermill-tunelab.
if ! (cd "$root" && "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req") >"$log" 2>&1; then
  grep -v "is ignored: it is neither a file nor a directory" "$log" >&2 || true
  rm -f "$log"
  echo "python-env: pip could not install python/requirements.txt (above)." >&2
  exit 1
fi
rm -f "$log"
"$dir/bin/python" -m pip check >&2
# Jupyter's widget manager must be there, or JupyterLab shows no widgets: fail here, not in a test.
"$dir/bin/python" -c 'import optuna, optuna_dashboard, sklearn, torch, jupyterlab, notebook, ipywidgets, jupyterlab_widgets, nbclient, papermill, papermill_tunelab' >&2
touch "$dir/.complete"
echo "$dir"
