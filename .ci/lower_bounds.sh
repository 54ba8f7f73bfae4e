#!/usr/bin/env bash
# The declared lower bounds, run: a second virtual environment holding exactly the lowest version of every
# runtime requirement that requirements.txt allows (their own dependencies resolved by pip, as a user's
# install would), then the app and every page, in every view, under AppTest (.ci/smoke_pages.py).
# Fails if pip cannot install that set or if any page raises. Called by .ci/run; `make lower-bounds` runs it
# by hand. LOWER_BOUNDS_VENV chooses the environment's folder (default $TMPDIR/dropout-lab-lower-bounds, reused: pip
# then only checks that the pins still hold).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${LOWER_BOUNDS_VENV:-${TMPDIR:-/tmp}/dropout-lab-lower-bounds}"
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT

"$PYTHON" .ci/lower_bounds.py requirements.txt > "$constraints"
echo "lower bounds: $(tr '\n' ' ' < "$constraints")"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c "$constraints"
"$VENV/bin/python" -m pip check
"$VENV/bin/python" .ci/smoke_pages.py
