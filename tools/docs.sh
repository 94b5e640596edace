#!/usr/bin/env bash
# Build the documentation site offline: `bash tools/docs.sh [--check] [NOTEBOOK ...]`.
#  1. sets up .venv (tools/setup.sh);
#  2. executes and processes the notebooks with nbdev's Python API and writes one HTML page per notebook,
#     figures and API reference included, into _docs/ (tools/build_docs.py; Quarto is not needed);
#  3. with --check: installs Debian's chromium if missing, screenshots the index page and the training API page
#     in headless Chromium, and fails unless each screenshot shows a rendered page (not blank) and each page
#     embeds a figure (JACNET_DOCS_CHECK_PAGES overrides the pages). The screenshots are left in _docs/_check/.
# Fails if any notebook failed to build or the check fails.
# The published site is rendered by Quarto in the GitHub deploy workflow; never run nbdev_docs here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=0; args=()
for a in "$@"; do if [[ $a == --check ]]; then check=1; else args+=("$a"); fi; done

bash tools/setup.sh
built=0
.venv/bin/python tools/build_docs.py "${args[@]+"${args[@]}"}" || built=$?
[[ $check == 1 ]] || exit $built

if ! command -v chromium >/dev/null; then
  echo "installing chromium"
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

out=_docs/_check; mkdir -p "$out"
read -r -a pages <<< "${JACNET_DOCS_CHECK_PAGES:-index 05_train}"  # pages to screenshot
for p in "${pages[@]}"; do
  [[ -f _docs/$p.html ]] || { echo "missing page _docs/$p.html"; exit 1; }
  profile=$(mktemp -d)
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=1200,4000 \
    --screenshot="$out/$p.png" "file://$PWD/_docs/$p.html" >/dev/null 2>&1 || true
  rm -rf "$profile"
done
.venv/bin/python - "$out" "${pages[@]}" <<'PYEOF'
import sys, re
import numpy as np, matplotlib.image as mpimg
out, pages = sys.argv[1], sys.argv[2:]
bad = []
for p in pages:
    html = open(f'_docs/{p}.html').read()
    figs = len(re.findall(r'<img[^>]+src="data:image/png;base64,', html))
    try: img = mpimg.imread(f'{out}/{p}.png')[..., :3]
    except FileNotFoundError: bad.append(f'{p}: no screenshot'); continue
    px = (img * 255).astype(np.uint8).reshape(-1, 3)
    colours = len(np.unique(px, axis=0)); ink = (px.min(1) < 200).mean()
    print(f'{p}: screenshot {img.shape[1]}x{img.shape[0]}, {colours} distinct colours, {ink:.1%} non-white pixels, {figs} embedded figures')
    if colours < 50 or ink < 0.01: bad.append(f'{p}: the screenshot is blank')
    if figs < 1: bad.append(f'{p}: no embedded figure')
if bad: sys.exit('docs check failed: ' + '; '.join(bad))
print('docs check passed')
PYEOF
exit $built
