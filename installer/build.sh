#!/usr/bin/env bash
# Build the RiskDesk desktop app with PyInstaller (one folder, windowed), then smoke-test what was built.
#
#   bash installer/build.sh             build dist/riskdesk/ (run dist/riskdesk/riskdesk) and test it
#   bash installer/build.sh --no-test   build only
#
# The build has its own virtualenv, installer/.build-venv/ (never the development .venv): RiskDesk goes into it
# non-editable, as a user would install it, together with PyInstaller. Set PYTHON to choose the interpreter
# (default python3.11, else python3; PyInstaller needs one built with a shared libpython, as pyenv's are).
# Output, both ignored by git: dist/riskdesk/ (the app) and build/pyinstaller/ (PyInstaller's work files).
# Exits non-zero if the build or any smoke test fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PYINSTALLER="pyinstaller==6.22.3"  # pinned: a new PyInstaller or hook can change what lands in the bundle
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
venv="$root/installer/.build-venv"
dist="$root/dist"
work="$root/build/pyinstaller"
test_after=1
[ "${1:-}" = "--no-test" ] && test_after=0

# ---- build environment -----------------------------------------------------------------------------------------
if [ ! -x "$venv/bin/python" ] && [ ! -x "$venv/Scripts/python.exe" ]; then
    echo "Creating $venv …" >&2
    "$python" -m venv "$venv"
fi
vpy="$venv/bin/python"
[ -x "$vpy" ] || vpy="$venv/Scripts/python.exe"  # Windows (Git Bash)
"$vpy" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' \
    || { echo "build.sh: RiskDesk needs Python 3.11 or newer (set PYTHON)" >&2; exit 1; }

# Install RiskDesk from a copy of the sources: pip building in the work tree would leave setuptools' build/ and
# *.egg-info there, and stale files in build/lib can end up in the wheel. Uninstall first so that the current
# sources are always what gets installed, even when the version number has not changed.
src="$(mktemp -d)"
tmp="$(mktemp -d)"
trap 'rm -rf "$src" "$tmp"' EXIT
tar -C "$root" --exclude=__pycache__ -cf - pyproject.toml README.md riskdesk | tar -C "$src" -xf -
echo "Installing RiskDesk (non-editable) and $PYINSTALLER into $venv …" >&2
"$vpy" -m pip install --quiet --upgrade pip
"$vpy" -m pip uninstall --quiet --yes riskdesk 2>/dev/null || true
"$vpy" -m pip install --quiet "$src" "$PYINSTALLER"

# ---- build -----------------------------------------------------------------------------------------------------
rm -rf "$dist/riskdesk" "$work"  # start clean; --clean also empties PyInstaller's cache
started=$(date +%s)
# Run from an empty folder: `python -m` puts the current folder on sys.path, and from the repo root PyInstaller
# would freeze the riskdesk/ source folder instead of the installed package.
(cd "$tmp" && "$vpy" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$dist" --workpath "$work" "$root/installer/riskdesk.spec")
if grep -q "$root/riskdesk/" "$work/riskdesk/PYZ-00.toc"; then
    echo "build.sh: the bundle was built from the source tree, not from the installed riskdesk" >&2
    exit 1
fi
echo "Built $dist/riskdesk in $(( $(date +%s) - started )) s: $(du -sh "$dist/riskdesk" | cut -f1)" >&2

[ "$test_after" = 1 ] || exit 0

# ---- smoke tests -----------------------------------------------------------------------------------------------
exe="$dist/riskdesk/riskdesk"
[ -x "$exe" ] || exe="$exe.exe"
export QT_QPA_PLATFORM=offscreen       # no display needed
export RISKDESK_USER_DIR="$tmp/user"   # leave the real user's settings, logs and autosaves alone
limit=""
# A hung run fails instead of stalling the build (a healthy one takes about a second; a smoke run that hits an
# error prints it and exits 1).
command -v timeout >/dev/null && limit="timeout 120"
failed=0
fail() { echo "SMOKE TEST FAILED: $*" >&2; failed=1; }

# Run the bundle; print what it printed; fail on an exit code not in $1 (e.g. "0" or "0 3") or on a traceback.
check() {
    local allowed="$1" what="$2" code=0
    shift 2
    echo "\$ riskdesk $*" >&2
    $limit "$exe" "$@" >"$tmp/out" 2>"$tmp/err" || code=$?
    cat "$tmp/out" "$tmp/err" | sed 's/^/    /' | head -n 40 >&2
    case " $allowed " in *" $code "*) ;; *) fail "$what exited $code" ;; esac
    if grep -q "Traceback (most recent call last)" "$tmp/out" "$tmp/err"; then fail "$what printed a traceback"; fi
}

# What the build must contain: the resources folder, and Qt's SVG plugins (without them the icons are blank,
# which no test below would notice).
[ -f "$dist/riskdesk/_internal/resources/rules/control_list.toml" ] || fail "resources/ is not in the bundle"
find "$dist/riskdesk" -path '*iconengines*' -name '*qsvgicon*' | grep -q . || fail "no Qt SVG icon engine plugin"
find "$dist/riskdesk" -path '*imageformats*' -name '*qsvg*' | grep -q . || fail "no Qt SVG image format plugin"

check 0 "the window (smoke run)" gui --demo --smoke
grep -Eq '^shown [0-9.]+ rows=15$' "$tmp/out" || fail "the window did not report 'shown … rows=15'"
grep -Eq '^ready [0-9.]+ rows=15$' "$tmp/out" || fail "the window did not report 'ready … rows=15'"

check 0 "demo" demo "$tmp/x.rdproj"
check 0 "score" score "$tmp/x.rdproj" --as-of 2027-01-01
grep -q "Portfolio score" "$tmp/out" || fail "score printed no portfolio score"
check 0 "rules" rules --as-of 2027-01-01
check 0 "template" template "$tmp/t.xlsx"
[ -s "$tmp/t.xlsx" ] || fail "template wrote no file"
# The blank template has no rows: "nothing to import" (exit 3) is as good an answer as 0.
check "0 3" "import --dry-run" import "$tmp/x.rdproj" "$tmp/t.xlsx" --dry-run

if [ "$failed" != 0 ]; then
    echo "build.sh: the bundle in $dist/riskdesk FAILED its smoke tests" >&2
    exit 1
fi
echo "build.sh: $dist/riskdesk built and passed its smoke tests" >&2
