#!/usr/bin/env bash
# Install tinygrad-cnn into .venv (plus Graphviz if missing) and run the tour: scripts/tour.sh [ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
setup_install
exec "$VENV/bin/tinygrad-cnn" tour "$@"
