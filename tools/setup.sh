#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv: a CPU build of PyTorch, then the
# project itself, editable, with its development tools (nbdev and friends).
# Quick when nothing changed: the installs are skipped while the packaging files are unchanged since the
# last successful run and the environment still imports.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TORCH_VERSION=2.13.0
PY=.venv/bin/python
STAMP=.venv/.jacnet-setup

# What the environment depends on: the pinned torch and the packaging files.
want=$({ echo "torch==$TORCH_VERSION"; cat setup.py settings.ini pyproject.toml 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)

up_to_date() {
  [[ -x $PY && -f $STAMP && "$(cat "$STAMP")" == "$want" ]] || return 1
  "$PY" - "$TORCH_VERSION" >/dev/null 2>&1 <<'PYEOF' || return 1
import sys
import jacnet, torch, nbdev
sys.exit(0 if torch.__version__.split('+')[0] == sys.argv[1] else 1)
PYEOF
  "$PY" -m pip check >/dev/null 2>&1
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

if [[ ! -x $PY ]]; then
  echo "creating .venv"
  quiet python3 -m venv .venv
fi
rm -f "$STAMP"
echo "installing torch==$TORCH_VERSION and jacnet[dev] into .venv"
quiet "$PY" -m pip install -q --upgrade pip
# torch first, pinned: an unpinned torch could pull a multi-GB CUDA build.
quiet "$PY" -m pip install -q "torch==$TORCH_VERSION"
quiet "$PY" -m pip install -q -e ".[dev]"
quiet "$PY" -m pip check
echo "environment ready: torch $("$PY" -c "import jacnet, torch, nbdev; print(torch.__version__)")"
echo "$want" > "$STAMP"
