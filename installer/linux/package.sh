#!/usr/bin/env bash
# Package the built app folder for Linux: a .deb for IT (the folder under /opt/riskdesk, `riskdesk` on the PATH,
# a menu entry, the icon and the .rdproj file type) and a tarball for users without root (./install.sh puts the
# same things under ~/.local).
#
#   bash installer/linux/package.sh VERSION APP_DIR ICONS_DIR OUT_DIR
#
# installer/build.sh calls it with the version the bundle reports (`riskdesk --version`), dist/riskdesk,
# build/icons and dist. Needs dpkg-deb, objdump (binutils) and desktop-file-validate (desktop-file-utils).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[ $# = 4 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
version="$1" app="$2" icons="$3" out="$4"
arch="$(dpkg --print-architecture)"
machine="$(uname -m)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

desktop-file-validate "$here/riskdesk.desktop"

# What the desktop needs besides the program, laid out as under /usr/share.
share() {
    local to="$1" size
    mkdir -p "$to/applications" "$to/mime/packages" "$to/icons/hicolor/scalable/apps"
    cp "$here/riskdesk.desktop" "$to/applications/"
    cp "$here/riskdesk-mime.xml" "$to/mime/packages/riskdesk.xml"
    cp "$repo/resources/icons/riskdesk.svg" "$to/icons/hicolor/scalable/apps/"
    for size in 16 24 32 48 64 128 256 512; do
        mkdir -p "$to/icons/hicolor/${size}x${size}/apps"
        cp "$icons/riskdesk-$size.png" "$to/icons/hicolor/${size}x${size}/apps/riskdesk.png"
    done
}

# ---- Depends: the system libraries the bundle links but does not carry ------------------------------------------
# PyInstaller leaves out libc, OpenGL/EGL and libxcb (they must match the system's drivers and X server). Every
# such library must be named here, so that a new PySide6 linking something new fails the build instead of
# installing a program that cannot start.
declare -A needs=(
    [libc.so.6]=depends [libm.so.6]=depends [libdl.so.2]=depends [libpthread.so.0]=depends
    [librt.so.1]=depends [libresolv.so.2]=depends [libutil.so.1]=depends [ld-linux-x86-64.so.2]=depends
    [ld-linux-aarch64.so.1]=depends
    [libGL.so.1]=depends [libEGL.so.1]=depends [libxcb.so.1]=depends
    # Qt's Wayland and KMS/EGL plugins: only loaded in a Wayland session or without X.
    [libwayland-client.so.0]=recommends [libwayland-cursor.so.0]=recommends [libwayland-egl.so.1]=recommends
    [libdrm.so.2]=recommends
    # Qt's GTK 3 theme plugin: native dialogs and colours on GNOME-like desktops; Qt's own style otherwise.
    [libgtk-3.so.0]=suggests [libgdk-3.so.0]=suggests
)
bundled="$(find "$app" -name '*.so*' -printf '%f\n' | sort -u)"
unknown=""
while read -r library; do
    grep -qxF "$library" <<<"$bundled" && continue
    [ -n "${needs[$library]:-}" ] || unknown="$unknown $library"
done < <(find "$app" -type f \( -name '*.so*' -o -perm -u+x \) -exec objdump -p {} + 2>/dev/null \
         | awk '/^ +NEEDED/ {print $2}' | sort -u)
if [ -n "$unknown" ]; then
    echo "package.sh: the bundle links system libraries the .deb does not depend on:$unknown" >&2
    echo "  add each to 'needs' in $0 with the package that provides it" >&2
    exit 1
fi
# the bundle needs the build machine's glibc. awk reads all of ldd's output: `| head -1` could close the pipe while
# ldd still writes, and under pipefail that SIGPIPE (exit 141) failed the build now and then
glibc="$(ldd --version | awk 'NR == 1 && $NF ~ /^[0-9]+\.[0-9]+$/ {print $NF}')"
[ -n "$glibc" ] || { echo "package.sh: cannot tell the glibc version from 'ldd --version'" >&2; exit 1; }

# ---- the .deb --------------------------------------------------------------------------------------------------
root="$work/deb"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/doc/riskdesk"
cp -a "$app" "$root/opt/riskdesk"
ln -s /opt/riskdesk/riskdesk "$root/usr/bin/riskdesk"
share "$root/usr/share"
cat >"$root/usr/share/doc/riskdesk/copyright" <<EOF
RiskDesk $version
Proprietary software. /opt/riskdesk/_internal holds the libraries it runs on (Python, Qt for Python, numpy,
pandas and others), each under its own licence.
EOF
# No maintainer scripts: dpkg triggers of shared-mime-info, desktop-file-utils and hicolor-icon-theme refresh the
# file-type, menu and icon caches when these files arrive and when they go.
installed_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat >"$root/DEBIAN/control" <<EOF
Package: riskdesk
Version: $version
Architecture: $arch
Maintainer: RiskDesk <support@riskdesk.invalid>
Installed-Size: $installed_kb
Depends: libc6 (>= $glibc), libgl1, libegl1, libxcb1, fontconfig-config
Recommends: libwayland-client0, libwayland-cursor0, libwayland-egl1, libdrm2, shared-mime-info, desktop-file-utils
Suggests: libgtk-3-0
Section: misc
Priority: optional
Homepage: https://riskdesk.invalid/
Description: see and price your exposure to rare-earth magnet supply risk
 Enter or import the magnet bill of materials and the suppliers of each part,
 with the country of each stage (mine, separation, metal, magnet); RiskDesk
 scores exposure to restricted elements and origin countries against a bundled,
 dated control list and explains every score. Runs entirely offline.
 .
 Installs the program under /opt/riskdesk and the riskdesk command. Check an
 installation with: riskdesk --selftest
EOF
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
deb="$out/riskdesk_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "package.sh: $deb ($(du -h "$deb" | cut -f1))" >&2

# ---- the tarball (per-user install, no root) ------------------------------------------------------------------
top="riskdesk-$version"
mkdir -p "$work/tar/$top"
cp -a "$app/." "$work/tar/$top/"
share "$work/tar/$top/share"
install -m 755 "$here/install.sh" "$work/tar/$top/install.sh"
tarball="$out/riskdesk-$version-linux-$machine.tar.gz"
tar -C "$work/tar" --owner=0 --group=0 -czf "$tarball" "$top"
echo "package.sh: $tarball ($(du -h "$tarball" | cut -f1))" >&2
