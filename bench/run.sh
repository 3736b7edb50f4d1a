#!/usr/bin/env bash
# `make bench`: time synthaug against Albumentations 2.0.8 and Kornia on one CPU thread.
#
# The peers live in their own virtual environment (.bench-venv, gitignored) so that they can
# never leak into the test environment. Everything is installed under the project's pins
# (-c constraints.txt): torch stays 2.13.0 (kornia must not pull another one) and OpenCV stays
# the pinned opencv-python-headless (albumentations would otherwise pull its own build).
#
# Usage: bash bench/run.sh [extra arguments for bench/bench_transforms.py]
#   BENCH_VENV=path   use another environment directory
#   PYTHON=python3.x  interpreter used to create it
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${BENCH_VENV:-.bench-venv}
STAMP="$VENV/.installed"
PEERS=(albumentations==2.0.8 kornia)

if [[ ! -f "$STAMP" || constraints.txt -nt "$STAMP" || pyproject.toml -nt "$STAMP" ]]; then
    test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e . "${PEERS[@]}"
    # albumentations declares opencv-python-headless, which the constraints pin; refuse a
    # second OpenCV distribution (e.g. opencv-python) that would shadow the pinned one.
    if "$VENV/bin/python" -m pip list --format=freeze | grep -E '^opencv-(python|contrib-python)=='; then
        echo "bench/run.sh: a second OpenCV distribution was installed; see above" >&2
        exit 1
    fi
    touch "$STAMP"
fi

# single thread everywhere; the harness sets the library-level switches as well
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1
export NO_ALBUMENTATIONS_UPDATE=1
exec "$VENV/bin/python" bench/bench_transforms.py "$@"
