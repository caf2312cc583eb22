#!/usr/bin/env bash
# Build the RiskDesk desktop app with PyInstaller (one folder, windowed), smoke-test it, and make its installers.
#
#   bash installer/build.sh                the app, dist/riskdesk/ (and dist/RiskDesk.app on macOS), smoke-tested
#   bash installer/build.sh --no-test      the app only
#   bash installer/build.sh all            the app, smoke-tested, then the installers this platform makes:
#                                            Linux    dist/riskdesk_VERSION_ARCH.deb and dist/riskdesk-VERSION-linux-
#                                                     ARCH.tar.gz, plus a compile check of the Windows installer
#                                                     (makensis -WX on a stand-in payload, in build/nsis-check/)
#                                            Windows  dist/riskdesk-VERSION-windows-setup.exe (NSIS, per user)
#                                            macOS    dist/RiskDesk-VERSION-macos.dmg
#   bash installer/build.sh packages       the installers only, from the app already in dist/ (e.g. once it is
#                                          signed: see .github/workflows/release.yml)
#
# The build has its own virtualenv, installer/.build-venv/ (never the development .venv), installed from
# installer/lock/bundle.txt: the versions the test suite runs on. RiskDesk goes into it non-editable, as a user
# would install it. Set PYTHON to choose the interpreter (default python3.11, else python3; PyInstaller needs one
# built with a shared libpython, as pyenv's and python.org's are).
# VERSION is what the built app says (`riskdesk --version`), i.e. riskdesk.__version__: the bundle, the .deb,
# the Windows installer and the .app all carry it.
# Output: dist/ (the app and the installers), build/ (PyInstaller's work files, icons, the NSIS check); both are
# ignored by git. Exits non-zero if the build, a smoke test or a package fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
venv="$root/installer/.build-venv"
dist="$root/dist"
work="$root/build/pyinstaller"
icons="$root/build/icons"
target="app"
test_after=1
for argument in "$@"; do
    case "$argument" in
        --no-test) test_after=0 ;;
        all|packages) target="$argument" ;;
        *) sed -n '2,23p' "$0" >&2; exit 2 ;;
    esac
done
case "$(uname -s)" in
    Linux) platform=linux ;;
    Darwin) platform=macos ;;
    MINGW*|MSYS*|CYGWIN*) platform=windows ;;
    *) echo "build.sh: unknown platform $(uname -s)" >&2; exit 1 ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# ---- build environment and build -------------------------------------------------------------------------------
build_app() {
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
    local src="$tmp/src"
    mkdir -p "$src"
    tar -C "$root" --exclude=__pycache__ -cf - pyproject.toml README.md riskdesk | tar -C "$src" -xf -
    echo "Installing RiskDesk (non-editable) and PyInstaller into $venv from installer/lock/bundle.txt …" >&2
    "$vpy" -m pip uninstall --quiet --yes riskdesk 2>/dev/null || true
    # The versions the test suite ran on, each file checked against its hash; then RiskDesk itself, which may
    # bring nothing of its own.
    "$vpy" -m pip install --quiet --require-hashes -r "$root/installer/lock/bundle.txt"
    "$vpy" -m pip install --quiet --no-deps "$src"
    if ! problems="$("$vpy" -m pip check)"; then
        echo "$problems" >&2
        echo "build.sh: installer/lock/bundle.txt does not satisfy pyproject.toml: run installer/dev.sh lock" >&2
        exit 1
    fi
    "$vpy" "$root/installer/icons.py" "$icons"

    rm -rf "$dist/riskdesk" "$dist/RiskDesk.app" "$work"  # start clean; --clean also empties PyInstaller's cache
    local started
    started=$(date +%s)
    # Run from an empty folder: `python -m` puts the current folder on sys.path, and from the repo root PyInstaller
    # would freeze the riskdesk/ source folder instead of the installed package.
    (cd "$tmp" && "$vpy" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$dist" --workpath "$work" "$root/installer/riskdesk.spec")
    if [ "$platform" = linux ] && command -v strip >/dev/null && command -v readelf >/dev/null; then
        # Debug information only (the symbols stay, and the spec's strip=False keeps PyInstaller's full strip off):
        # the build Python's libpython and compiled extensions such as SQLAlchemy's carry about 30 MB of it.
        local library sections
        while IFS= read -r -d '' library; do
            sections="$(readelf -S "$library" 2>/dev/null || true)"
            if [[ "$sections" == *.debug_info* ]]; then strip --strip-debug "$library"; fi
        done < <(find "$dist/riskdesk" -type f -name '*.so*' -print0)
    fi
    if grep -q "$root/riskdesk/" "$work/riskdesk/PYZ-00.toc"; then
        echo "build.sh: the bundle was built from the source tree, not from the installed riskdesk" >&2
        exit 1
    fi
    echo "Built $dist/riskdesk in $(( $(date +%s) - started )) s: $(du -sh "$dist/riskdesk" | cut -f1)" >&2
}

# The program to run for the command line: on Windows the console twin, riskdesk-cli.exe (riskdesk.exe is
# windowed and has no stdout there); on macOS the one inside RiskDesk.app, which is what users get.
case "$platform" in
    windows) exe="$dist/riskdesk/riskdesk-cli.exe" ;;
    macos) exe="$dist/RiskDesk.app/Contents/MacOS/riskdesk" ;;
    *) exe="$dist/riskdesk/riskdesk" ;;
esac

app_version() {
    local said
    said="$("$exe" --version)"
    [[ "$said" =~ ^RiskDesk\ ([0-9A-Za-z.+-]+)$ ]] || { echo "build.sh: '$exe --version' said '$said'" >&2; exit 1; }
    echo "${BASH_REMATCH[1]}"
}

# ---- smoke tests -----------------------------------------------------------------------------------------------
smoke_test() {
    export QT_QPA_PLATFORM=offscreen       # no display needed
    export RISKDESK_USER_DIR="$tmp/user"   # leave the real user's settings, logs and autosaves alone
    local limit="" failed=0
    # A hung run fails instead of stalling the build (a healthy one takes about a second; a smoke run that hits
    # an error prints it and exits 1).
    command -v timeout >/dev/null && limit="timeout 120"
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
    local internal="$dist/riskdesk/_internal"
    [ -f "$internal/resources/rules/control_list.toml" ] || fail "resources/ is not in the bundle"
    find "$dist/riskdesk" -path '*iconengines*' -name '*qsvgicon*' -print -quit | grep -q . || fail "no Qt SVG icon engine plugin"
    find "$dist/riskdesk" -path '*imageformats*' -name '*qsvg*' -print -quit | grep -q . || fail "no Qt SVG image format plugin"

    local wanted
    wanted="$("$vpy" -c 'import riskdesk; print(riskdesk.__version__)')"
    check 0 "--version" --version
    grep -qx "RiskDesk $wanted" "$tmp/out" || fail "--version did not say 'RiskDesk $wanted'"
    check 0 "the self-test" --selftest
    grep -q "^self-test passed" "$tmp/out" || fail "the self-test did not pass"
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
    # Team workspaces work from the bundle (SQLAlchemy and psycopg frozen with it): a workspace on a port where no
    # server listens is "cannot be reached" (exit 1), not "install RiskDesk with its team extra".
    check 1 "a workspace address" history "postgresql://riskdesk@127.0.0.1:9/riskdesk?workspace=smoke"
    grep -q "cannot be reached" "$tmp/err" || fail "a workspace address did not reach SQLAlchemy and psycopg"

    local size_mb
    size_mb="$(du -sm "$dist/riskdesk" | cut -f1)"
    echo "bundle size: $size_mb MB" >&2
    [ "$size_mb" -lt 250 ] || fail "the bundle is $size_mb MB, over the 250 MB budget"
    if [ "$failed" != 0 ]; then
        echo "build.sh: the bundle in $dist/riskdesk FAILED its smoke tests" >&2
        exit 1
    fi
    echo "build.sh: $dist/riskdesk built and passed its smoke tests" >&2
}

# ---- installers ------------------------------------------------------------------------------------------------
makensis_path() {
    local where
    for where in "$(command -v makensis || true)" "/c/Program Files (x86)/NSIS/makensis.exe"; do
        [ -n "$where" ] && [ -x "$where" ] && { echo "$where"; return; }
    done
    echo "build.sh: makensis not found (Debian: apt-get install nsis; Windows: choco install nsis)" >&2
    exit 1
}

native_path() {  # makensis on Windows wants C:\… paths
    if command -v cygpath >/dev/null; then cygpath -w "$1"; else echo "$1"; fi
}

nsis_installer() {  # PAYLOAD OUTFILE VERSION
    local makensis
    makensis="$(makensis_path)"
    "$makensis" -WX -V2 -DVERSION="$3" -DPAYLOAD="$(native_path "$1")" -DICON="$(native_path "$icons/riskdesk.ico")" \
        -DOUTFILE="$(native_path "$2")" "$(native_path "$root/installer/windows/riskdesk.nsi")"
    "$vpy" "$root/installer/windows/check_installer.py" "$2" "$3"
}

packages() {
    local version
    version="$(app_version)"
    [ -f "$icons/riskdesk.ico" ] || "$vpy" "$root/installer/icons.py" "$icons"
    case "$platform" in
        linux)
            bash "$root/installer/linux/package.sh" "$version" "$dist/riskdesk" "$icons" "$dist"
            # The Windows installer cannot be built here (PyInstaller does not cross-build): compile the script
            # against a stand-in folder to check it, under a name no one can take for the real thing.
            local check="$root/build/nsis-check" file
            rm -rf "$check"
            mkdir -p "$check/riskdesk/_internal"
            for file in riskdesk.exe riskdesk-cli.exe _internal/README.txt; do
                echo "stand-in for the Windows build's $file (installer/build.sh compile check)" >"$check/riskdesk/$file"
            done
            nsis_installer "$check/riskdesk" "$check/riskdesk-$version-windows-setup-STAND-IN.exe" "$version"
            echo "build.sh: the NSIS script compiles (stand-in payload): $check/riskdesk-$version-windows-setup-STAND-IN.exe" >&2
            ;;
        windows)
            nsis_installer "$dist/riskdesk" "$dist/riskdesk-$version-windows-setup.exe" "$version"
            ;;
        macos)
            local stage="$tmp/dmg"
            mkdir -p "$stage"
            cp -R "$dist/RiskDesk.app" "$stage/"
            ln -s /Applications "$stage/Applications"
            hdiutil create -volname "RiskDesk $version" -srcfolder "$stage" -ov -format UDZO \
                "$dist/RiskDesk-$version-macos.dmg"
            ;;
    esac
    ls -l "$dist" >&2
}

vpy="$venv/bin/python"
[ -x "$vpy" ] || vpy="$venv/Scripts/python.exe"
if [ "$target" != packages ]; then
    build_app
    if [ "$test_after" = 1 ]; then smoke_test; fi
fi
if [ "$target" != app ]; then
    [ -x "$exe" ] || { echo "build.sh: no app in $dist: build it first" >&2; exit 1; }
    packages
fi
