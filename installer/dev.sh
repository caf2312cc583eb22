#!/usr/bin/env bash
# Set up a development environment if needed, then run RiskDesk or its tests.
#
#   installer/dev.sh demo     start RiskDesk on the demo project
#   installer/dev.sh test     run the whole test suite (what CI runs)
#   installer/dev.sh bench    run the benchmarks (add --quick for the short run)
#   installer/dev.sh shell    a shell with the environment active
#
# The virtual environment lives in .venv/ and is (re)installed when pyproject.toml changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
python="${PYTHON:-python3}"

setup() {
    if [ ! -x "$venv/bin/python" ]; then
        echo "Creating $venv …" >&2
        "$python" -m venv "$venv"
    fi
    stamp="$venv/.riskdesk-installed"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "Installing RiskDesk and its test tools into $venv …" >&2
        "$venv/bin/python" -m pip install --quiet --upgrade pip
        "$venv/bin/python" -m pip install --quiet -e ".[test]"
        touch "$stamp"
    fi
}

command="${1:-demo}"
shift || true
setup
case "$command" in
    demo)
        demo="${RISKDESK_DEMO:-$root/examples/demo.rdproj}"
        [ -f "$demo" ] || "$venv/bin/riskdesk" demo "$demo"
        if "$venv/bin/python" -c "import riskdesk.ui.app" 2>/dev/null && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ] || [ "${QT_QPA_PLATFORM:-}" = offscreen ] || [ "$(uname)" != Linux ]; }; then
            exec "$venv/bin/riskdesk" gui "$demo" "$@"
        fi
        echo "(no display: scoring the demo on the command line instead of opening the window)" >&2
        exec "$venv/bin/riskdesk" score "$demo" --compare 2027-01-01 "$@"
        ;;
    test)
        export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
        "$venv/bin/lint-imports"
        "$venv/bin/ruff" check riskdesk tests bench
        "$venv/bin/mypy" --config-file pyproject.toml
        exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
        ;;
    bench)
        exec "$venv/bin/python" bench/run.py "$@"
        ;;
    shell)
        export PATH="$venv/bin:$PATH"
        exec "${SHELL:-bash}" -i
        ;;
    *)
        echo "usage: installer/dev.sh demo|test|bench|shell" >&2
        exit 2
        ;;
esac
