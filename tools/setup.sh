#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv: a CPU build of PyTorch, then the
# project itself, editable, with its development extras (nbdev, Jupyter, the comparison packages).
#   bash tools/setup.sh            the environment (quick when nothing changed)
#   bash tools/setup.sh --browser  also installs Debian's chromium (apt-get), for `tools/docs.sh --check`
# Torch comes from PyTorch's CPU wheel index when that index is reachable, else from the default index
# (pip's own configuration: a local wheel directory, a mirror or PyPI). JACNET_TORCH_VERSION picks another
# torch release (CI tests the oldest and the newest that the requirements admit).
# The installs are skipped while the packaging files are unchanged since the last successful run and the
# environment still imports.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

browser=0
for a in "$@"; do
  case $a in
    --browser) browser=1 ;;
    *) echo "usage: bash tools/setup.sh [--browser]" >&2; exit 2 ;;
  esac
done

if [[ $browser == 1 ]] && ! command -v chromium >/dev/null; then
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
  echo "installing Debian's chromium: $SUDO apt-get install -y chromium"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

TORCH_VERSION=${JACNET_TORCH_VERSION:-2.13.0}
TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu
PY=.venv/bin/python
STAMP=.venv/.jacnet-setup
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# What the environment depends on: the pinned torch and the packaging files.
want=$({ echo "torch==$TORCH_VERSION"; cat setup.py settings.ini pyproject.toml 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)

up_to_date() {
  [[ -x $PY && -f $STAMP && "$(cat "$STAMP")" == "$want" ]] || return 1
  "$PY" - "$TORCH_VERSION" >/dev/null 2>&1 <<'PYEOF' || return 1
import sys
import jacnet, torch, nbdev
sys.exit(0 if torch.__version__.split('+')[0] == sys.argv[1] else 1)
PYEOF
  pip_check >/dev/null 2>&1
}

# `pip check`, except for pzflow: installed without its dependencies (jax) only for the data files it ships
pip_check() {
  local out rc=0
  out=$("$PY" -m pip check 2>&1) || rc=$?
  (( rc == 0 )) && return 0
  out=$(grep -v '^pzflow ' <<<"$out" | grep -v '^No broken requirements' || true)
  [[ -z $out ]] && return 0
  echo "$out"; return 1
}

if up_to_date; then exit 0; fi

# Run a command quietly; show everything it printed if it fails.
quiet() {
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "setup failed: $*" >&2
    exit 1
  fi
  rm -f "$log"
}

# Is PyTorch's CPU index reachable? (5 s at most; offline or behind a mirror-only network it is not.)
cpu_index_reachable() {
  "$PY" - "$TORCH_CPU_INDEX/torch/" >/dev/null 2>&1 <<'PYEOF'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='HEAD'), timeout=5)
PYEOF
}

if [[ ! -x $PY ]]; then
  echo "creating .venv"
  quiet python3 -m venv .venv
fi
rm -f "$STAMP"
quiet "$PY" -m pip install -q --upgrade pip
# torch first, pinned and CPU-only: the default Linux wheel on PyPI is the multi-GB CUDA build, and an
# unpinned torch could be replaced later by a newer release.
if cpu_index_reachable; then
  echo "installing torch==$TORCH_VERSION (CPU build, from PyTorch's CPU index) into .venv"
  quiet "$PY" -m pip install -q "torch==$TORCH_VERSION" --index-url "$TORCH_CPU_INDEX" --extra-index-url https://pypi.org/simple
else
  echo "installing torch==$TORCH_VERSION (PyTorch's CPU index not reachable: default index) into .venv"
  quiet "$PY" -m pip install -q "torch==$TORCH_VERSION"
fi
echo "installing jacnet[dev] into .venv"
torch_before=$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null)
quiet "$PY" -m pip install -q -e ".[dev]"
# pzflow ships the galaxy and city tables the Flows chapter fits; it needs jax to import, which the chapter never does
quiet "$PY" -m pip install -q --no-deps "pzflow==4.0.0"
quiet pip_check
# nbdev's hooks: Jupyter cleans a notebook when it saves it (settings.ini: jupyter_hooks), git merges notebooks with nbdev_merge
quiet .venv/bin/nbdev_install_hooks
torch_after=$("$PY" -c 'import torch; print(torch.__version__)')
if [[ $torch_after != "$torch_before" ]]; then
  echo "setup failed: installing jacnet[dev] replaced torch $torch_before by $torch_after" >&2; exit 1
fi
echo "environment ready: torch $("$PY" -c "import jacnet, torch, nbdev; print(torch.__version__)")"
echo "$want" > "$STAMP"
