# shellcheck shell=bash
# Install steps shared by tour.sh and test.sh (sourced, not run). Works on a fresh Debian/Ubuntu machine
# with only Python >= 3.10: installs Graphviz and python3-venv with apt-get if they are missing, then
# installs this project into .venv at the repo root (Debian's own Python refuses `pip install`, PEP 668).
#   setup_install [EXTRAS]   e.g. setup_install dev  ->  pip install -e ".[dev]"
# Environment: PYTHON (default python3) picks the interpreter the virtualenv is made from.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$REPO_ROOT"

_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "error: '$*' needs root, and sudo is not available" >&2
        return 1
    fi
}

_apt_updated=""
_apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$_apt_updated" ]; then
        echo "+ apt-get update" >&2
        _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        _apt_updated=1
    fi
    echo "+ apt-get install -y $*" >&2
    _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

_ensure_dot() {
    command -v dot >/dev/null 2>&1 && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "Graphviz 'dot' not found: install Graphviz (brew install graphviz / conda install graphviz / https://graphviz.org/download)" >&2
        exit 1
    fi
    _apt_install graphviz
}

_ensure_venv() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "error: '$PYTHON' not found; install Python >= 3.10 or set PYTHON=/path/to/python3" >&2
        exit 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
        echo "error: $("$PYTHON" -V 2>&1) is too old; tinygrad-cnn needs Python >= 3.10 (set PYTHON=...)" >&2
        exit 1
    fi
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian/Ubuntu ship venv's ensurepip separately, in python3-venv / python3.X-venv.
        rm -rf "$VENV"
        local ver
        ver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        _apt_install "python$ver-venv" || _apt_install python3-venv || {
            echo "error: '$PYTHON -m venv' failed; install the venv module (apt-get install python3-venv)" >&2
            exit 1
        }
        "$PYTHON" -m venv "$VENV"
    fi
}

setup_install() {
    local target="."
    [ -n "${1:-}" ] && target=".[$1]"
    _ensure_dot
    _ensure_venv
    echo "+ .venv/bin/pip install -e \"$target\"" >&2
    "$VENV/bin/python" -m pip install -q -e "$target"
}
