"""Render RiskDesk's icon (resources/icons/riskdesk.svg) into what each platform's installer needs.

    python installer/icons.py OUT_DIR

writes OUT_DIR/riskdesk-N.png (N = 16 … 1024, for Linux icon themes), OUT_DIR/riskdesk.ico (Windows: the
executables, the installer, Add/Remove Programs, .rdproj files) and OUT_DIR/riskdesk.icns (macOS). Qt's SVG
renderer draws them, so the build needs nothing beyond PySide6; the .ico and .icns hold PNG images, which
Windows Vista and later and macOS 10.7 and later read.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "resources" / "icons" / "riskdesk.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}


def render_png(size: int) -> bytes:
    """The icon as a `size` × `size` PNG with a transparent background."""
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"icons.py: cannot read {SOURCE}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def ico(images: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (ICONDIR, one ICONDIRENTRY each, then the PNG data)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, data = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def icns(images: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG images (a big-endian 'icns' header, then one typed, sized block each)."""
    blocks = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(png)) + png for size, png in sorted(images.items()))
    return b"icns" + struct.pack(">I", 8 + len(blocks)) + blocks


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([])
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    pngs = {size: render_png(size) for size in PNG_SIZES}
    for size, png in pngs.items():
        (out / f"riskdesk-{size}.png").write_bytes(png)
    (out / "riskdesk.ico").write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    (out / "riskdesk.icns").write_bytes(icns({size: pngs[size] for size in ICNS_TYPES}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
