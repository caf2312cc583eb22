#!/usr/bin/env bash
# System programs some tests use, installed when missing: LibreOffice's spreadsheet converter (the report test
# converts a report to PDF), poppler's PDF tools (it reads the PDF's text) and the Carlito font (Calibri's
# metrics, the reports' font). Uses apt-get only when a program is missing and apt-get is there, as root or
# through sudo without a password. `installer/dev.sh test` runs it first. On a developer's machine it never fails:
# where it cannot install, the tests that need them skip and say why. Under CI (RISKDESK_CI set, as .ci/run does)
# a program it cannot install fails the run, and those tests fail instead of skipping.
set -u
give_up() {
    echo "ci-deps: $1" >&2
    [ -n "${RISKDESK_CI:-}" ] && exit 1
    exit 0
}
missing=()
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
{ command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || missing+=(poppler-utils)
{ command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi carlito; } || missing+=(fonts-crosextra-carlito)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    give_up "no apt-get here; tests that need ${missing[*]} will skip"
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    give_up "not root and no password-less sudo; tests that need ${missing[*]} will skip"
fi
echo "ci-deps: installing ${missing[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    give_up "could not install ${missing[*]}; the tests that need them will skip"
fi
exit 0
