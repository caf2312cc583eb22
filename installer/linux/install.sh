#!/bin/sh
# Install RiskDesk for this user only, without root: run it from the folder unpacked from the tarball.
#
#   ./install.sh              copy RiskDesk to ~/.local/opt/riskdesk, put `riskdesk` in ~/.local/bin, add the menu
#                             entry, the icon and the .rdproj file type (opened by RiskDesk)
#   ./install.sh --uninstall  remove all of that again (projects, settings and autosaves are left alone)
#
# XDG_DATA_HOME (default ~/.local/share) is honoured for the menu entry, icons and file type. RiskDesk also runs
# straight from the unpacked folder: ./riskdesk
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
app="$HOME/.local/opt/riskdesk"
bin="$HOME/.local/bin"
icons="$data/icons/hicolor"

refresh() {
    if command -v update-mime-database >/dev/null 2>&1 && [ -d "$data/mime/packages" ]; then
        update-mime-database "$data/mime"
    fi
    if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$data/applications" ]; then
        update-desktop-database "$data/applications"
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache -q -t "$icons" || true
    fi
}

uninstall() {
    rm -rf "$app"
    # Only our own launcher: never a `riskdesk` that something else put there.
    if [ -L "$bin/riskdesk" ] && [ "$(readlink "$bin/riskdesk")" = "$app/riskdesk" ]; then
        rm -f "$bin/riskdesk"
    fi
    rm -f "$data/applications/riskdesk.desktop" "$data/mime/packages/riskdesk.xml"
    find "$icons" -path '*/apps/riskdesk.*' -exec rm -f {} + 2>/dev/null || true
    refresh
}

if [ "${1:-}" = "--uninstall" ]; then
    uninstall
    echo "RiskDesk removed (your projects, settings and autosaves are still there)."
    exit 0
fi
[ -x "$here/riskdesk" ] && [ -d "$here/_internal" ] || { echo "install.sh: run me from the unpacked RiskDesk folder" >&2; exit 1; }

uninstall  # a previous version's files go first
mkdir -p "$app" "$bin" "$data/applications" "$data/mime/packages"
cp -a "$here/riskdesk" "$here/_internal" "$app/"
ln -s "$app/riskdesk" "$bin/riskdesk"
# The menu entry starts this copy by its full path: ~/.local/bin is not on every desktop session's PATH.
sed -e "s|^Exec=riskdesk |Exec=$app/riskdesk |" -e "s|^TryExec=riskdesk$|TryExec=$app/riskdesk|" \
    "$here/share/applications/riskdesk.desktop" >"$data/applications/riskdesk.desktop"
cp "$here/share/mime/packages/riskdesk.xml" "$data/mime/packages/"
(cd "$here/share/icons/hicolor" && find . -path '*/apps/riskdesk.*' -exec sh -c \
    'mkdir -p "$1/$(dirname "$2")" && cp "$2" "$1/$2"' _ "$icons" {} \;)
refresh
echo "RiskDesk $("$app/riskdesk" --version | cut -d' ' -f2) installed in $app; start it from the menu or with: $bin/riskdesk"
