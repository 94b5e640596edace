#!/usr/bin/env bash
# The project's test command: `bash tools/test.sh [options]`, e.g. `bash tools/test.sh --flags slow`.
#  1. sets up .venv (tools/setup.sh);
#  2. checks that the notebooks are clean (nbdev_clean changes nothing) and that the library is in sync with
#     them (nbdev_export changes nothing), the same checks as nbdev's CI;
#  3. runs every notebook as nbdev_test does (nbdev's test_nb, in tools/test_nbs.py), two at a time, passing along
#     any options given here (--flags);
#  4. ends with the line `N passed, M failed` (counts of notebooks) and fails if any notebook failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
JOBS=${JACNET_TEST_JOBS:-2}
# Share the cores between the notebooks running at once: oversubscribed torch threads run twice as slowly.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(( $(nproc) / JOBS > 0 ? $(nproc) / JOBS : 1 ))}

t_start=$(date +%s.%N)

bash tools/setup.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- notebook hygiene -------------------------------------------------------------------------------------
# Each step is compared with the state just before it (not with a clean tree), so uncommitted work that is
# already clean and exported passes.
state() {  # status and content of every non-ignored file under nbs/ and jacnet/, tracked or not
  git status --porcelain --untracked-files=all -- nbs jacnet
  git ls-files -z --cached --others --exclude-standard -- nbs jacnet | xargs -0 -r sha1sum 2>/dev/null || true
}
changed_paths() { diff <(echo "$1") <(echo "$2") | sed -n 's/^[<>] //p' | awk '{print "  " $NF}' | sort -u; }

hygiene_step() {  # hygiene_step COMMAND MESSAGE
  local before after
  before=$(state)
  if ! ".venv/bin/$1" >"$tmp/$1.log" 2>&1; then
    cat "$tmp/$1.log"; echo "$1 failed"; exit 1
  fi
  after=$(state)
  if [[ "$before" != "$after" ]]; then
    cat "$tmp/$1.log"
    echo "$2"
    changed_paths "$before" "$after"
    exit 1
  fi
}

if command -v git >/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  hygiene_step nbdev_clean "notebooks were not clean (nbdev_clean changed them): run nbdev_clean and commit"
  hygiene_step nbdev_export "library not in sync with the notebooks (nbdev_export changed it): run nbdev_export and commit"
  echo "notebooks clean, library in sync"
else
  echo "not a git work tree: skipping the nbdev_clean / nbdev_export checks"
fi

# ---- notebooks --------------------------------------------------------------------------------------------
# Every notebook under nbs/, except names starting with _ and folders starting with _ or . (checkpoints).
mapfile -t nbs < <(find nbs \( -name '[_.]*' -a -type d -a ! -name nbs \) -prune -o \
                        -type f -name '*.ipynb' ! -name '_*' -print | LC_ALL=C sort)

echo "testing ${#nbs[@]} notebooks, $JOBS at a time${*:+, options: $*}"
JACNET_T0=$t_start .venv/bin/python tools/test_nbs.py "${nbs[@]}" --jobs "$JOBS" "$@"
