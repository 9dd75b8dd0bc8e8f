#!/usr/bin/env bash
# Install tinygrad-cnn[dev] into .venv, lint, and run the tests: scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
setup_install dev
# PyTorch is an optional oracle for the tests (never a dependency): CI installs it (a local CPU wheel on
# our machines); elsewhere set WITH_TORCH=1 to run the oracle tests too.
if [ -n "${CI:-}${WITH_TORCH:-}" ]; then
    echo "+ .venv/bin/pip install torch==2.13.0" >&2
    "$VENV/bin/python" -m pip install -q torch==2.13.0
fi
# pdflatex compiles the derivations' LaTeX documents in one test (skipped without it, except in CI).
if [ -n "${CI:-}${WITH_LATEX:-}" ] && ! command -v pdflatex >/dev/null 2>&1; then
    _apt_install texlive-latex-base
fi
# Debian's chromium opens the tour's report in one test (Playwright, from the dev extra, drives it; no browser
# is downloaded). Skipped without it, except in CI.
if [ -n "${CI:-}${WITH_BROWSER:-}" ] && ! command -v chromium >/dev/null 2>&1; then
    _apt_install chromium
fi
if [ -n "${CI:-}" ] && [ -z "${HYPOTHESIS_PROFILE:-}" ]; then
    export HYPOTHESIS_PROFILE=ci
fi
echo "+ ruff check ." >&2
"$VENV/bin/ruff" check .
echo "+ python -m pytest $*" >&2
exec "$VENV/bin/python" -m pytest "$@"  # pytest's exit code (5 = no tests collected) is ours
