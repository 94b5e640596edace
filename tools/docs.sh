#!/usr/bin/env bash
# Build the documentation site offline: `bash tools/docs.sh [--check]`.
#  1. sets up .venv (tools/setup.sh);
#  2. writes one HTML page per notebook, from the notebooks' stored outputs, and an API reference page into
#     _docs/, with sidebar, table of contents, previous/next links, search and math rendered by KaTeX
#     (tools/build_docs.py: nbdev's notebook processing, then nbconvert's HTMLExporter with the Jinja2
#     templates in tools/docs_template/; KaTeX is installed from the npm registry into .cache/docs/ first, once);
#  3. checks every page without a browser: no raw math, a sidebar, figures that load, no broken local link,
#     code blocks that scroll rather than being cut off
#     (tools/docs_check.py);
#  4. with --check: also opens every page in headless Chromium and runs the same checks on the DOM it
#     rendered, leaving a screenshot of each page in _docs/_check/. Chromium is never installed here: when
#     it is missing this fails with the command to run (`bash tools/setup.sh --browser`).
# The published site is rendered by Quarto in the GitHub deploy workflow; never run nbdev_docs here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=0
for a in "$@"; do
  case $a in
    --check) check=1 ;;
    *) echo "usage: bash tools/docs.sh [--check]" >&2; exit 2 ;;
  esac
done

if [[ $check == 1 ]] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  echo "docs check: headless Chromium is needed and is not installed. Install it with" >&2
  echo "    bash tools/setup.sh --browser      (runs: apt-get install -y --no-install-recommends chromium)" >&2
  exit 2
fi

bash tools/setup.sh
if [[ ! -f .cache/docs/node_modules/katex/dist/katex.min.css ]]; then  # KaTeX, once, for the math
  if ! command -v npm >/dev/null; then
    echo "docs: math needs KaTeX from npm, and npm is not installed: run \`apt-get install -y nodejs npm\`" >&2; exit 2
  fi
  npm install --prefix .cache/docs katex@0.16 --no-audit --no-fund --silent --no-save
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MPLBACKEND=${MPLBACKEND:-Agg}
.venv/bin/python tools/build_docs.py
if [[ $check == 1 ]]; then
  .venv/bin/python tools/docs_check.py --browser _docs
else
  .venv/bin/python tools/docs_check.py _docs
fi
