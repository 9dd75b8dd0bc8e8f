#!/usr/bin/env bash
# Install tinygrad-cnn[dev] into .venv, lint, and run the tests: scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
setup_install dev
if [ -n "${CI:-}" ] && [ -z "${HYPOTHESIS_PROFILE:-}" ]; then
    export HYPOTHESIS_PROFILE=ci
fi
echo "+ ruff check ." >&2
"$VENV/bin/ruff" check .
echo "+ python -m pytest $*" >&2
exec "$VENV/bin/python" -m pytest "$@"  # pytest's exit code (5 = no tests collected) is ours
