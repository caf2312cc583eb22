#!/usr/bin/env bash
# Set up a development environment if needed, then run RiskDesk or its tests.
#
#   installer/dev.sh demo      start RiskDesk on the demo project
#   installer/dev.sh test      run the whole test suite (what CI runs)
#   installer/dev.sh bench     run the benchmarks (add --quick for the short run)
#   installer/dev.sh shell     a shell with the environment active
#   installer/dev.sh lock      rewrite installer/lock/*.txt from pyproject.toml's ranges, keeping the current
#                              versions wherever they still fit (after adding or changing a dependency)
#   installer/dev.sh upgrade   move every locked version to the newest that pyproject.toml allows, reinstall,
#                              then run the test suite
#
# The virtual environment lives in .venv/. It is installed from the lock file, installer/lock/dev.txt (exact
# versions with their hashes, for Linux, Windows and macOS alike), and re-installed whenever that file or
# pyproject.toml changes. RiskDesk itself goes in editable, with no dependencies of its own choosing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
python="${PYTHON:-python3}"
dev_lock="installer/lock/dev.txt"
bundle_lock="installer/lock/bundle.txt"

make_venv() {
    if [ ! -x "$venv/bin/python" ]; then
        echo "Creating $venv …" >&2
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' \
        || { echo "dev.sh: RiskDesk needs Python 3.11 or newer (set PYTHON, then delete .venv)" >&2; exit 1; }
}

setup() {
    make_venv
    stamp="$venv/.riskdesk-installed"
    wanted="$(cat "$dev_lock" pyproject.toml | cksum)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "Installing RiskDesk and its test tools into $venv from $dev_lock …" >&2
        # Hash-checked: every package must be in the lock, at the locked version, with a known file hash.
        "$venv/bin/python" -m pip install --quiet --require-hashes -r "$dev_lock"
        "$venv/bin/python" -m pip install --quiet --no-deps -e .
        # A dependency added to pyproject.toml but not to the lock shows up here.
        if ! problems="$("$venv/bin/python" -m pip check)"; then
            echo "$problems" >&2
            echo "dev.sh: $dev_lock does not satisfy pyproject.toml: run installer/dev.sh lock" >&2
            exit 1
        fi
        echo "$wanted" >"$stamp"
    fi
}

# Both lock files come from one resolution: bundle.txt (what installer/build.sh freezes) is constrained by
# dev.txt (what the tests run on), so the app's packages have the same versions in both.
compile_locks() {
    local uv="$venv/bin/uv"
    make_venv
    # uv comes from the lock itself (the 'lock' extra), so that everyone writes locks with the same resolver.
    [ -x "$uv" ] || "$venv/bin/python" -m pip install --quiet --require-hashes -r "$dev_lock"
    local common=(--universal --python-version 3.11 --generate-hashes --quiet
                  --custom-compile-command "installer/dev.sh lock")
    "$uv" pip compile pyproject.toml --extra test --extra team --extra lock "${common[@]}" "$@" -o "$dev_lock"
    "$uv" pip compile pyproject.toml --extra bundle -c "$dev_lock" "${common[@]}" "$@" -o "$bundle_lock"
}

command="${1:-demo}"
shift || true
case "$command" in lock|upgrade) ;; *) setup ;; esac
case "$command" in
    demo)
        demo="${RISKDESK_DEMO:-$root/examples/demo.rdproj}"
        mkdir -p "$(dirname "$demo")"
        [ -f "$demo" ] || "$venv/bin/riskdesk" demo "$demo"
        if "$venv/bin/python" -c "import riskdesk.ui.app" 2>/dev/null && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ] || [ "${QT_QPA_PLATFORM:-}" = offscreen ] || [ "$(uname)" != Linux ]; }; then
            exec "$venv/bin/riskdesk" gui "$demo" "$@"
        fi
        echo "(no display: scoring the demo on the command line instead of opening the window)" >&2
        exec "$venv/bin/riskdesk" score "$demo" --compare 2027-01-01 "$@"
        ;;
    test)
        export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
        bash installer/ci-deps.sh  # programs some tests use (LibreOffice …), installed when missing and possible
        "$venv/bin/lint-imports"
        "$venv/bin/ruff" check riskdesk tests bench docs/screenshots installer
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
    lock)
        compile_locks "$@"
        setup
        echo "dev.sh: $dev_lock and $bundle_lock written; commit them with the pyproject.toml change" >&2
        ;;
    upgrade)
        before="$(grep -E '^[A-Za-z0-9]' "$dev_lock" "$bundle_lock" | sort)"
        compile_locks --upgrade "$@"
        after="$(grep -E '^[A-Za-z0-9]' "$dev_lock" "$bundle_lock" | sort)"
        echo "Changed pins (- before, + after):" >&2
        diff <(echo "$before") <(echo "$after") | grep -E '^[<>]' | sed 's/^</-/; s/^>/+/' >&2 || echo "  none" >&2
        setup
        exec "$0" test
        ;;
    *)
        echo "usage: installer/dev.sh demo|test|bench|shell|lock|upgrade" >&2
        exit 2
        ;;
esac
