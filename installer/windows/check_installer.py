"""Look inside a compiled RiskDesk Windows installer without running it (Wine is not needed, nor Windows).

    python installer/windows/check_installer.py SETUP.exe VERSION

Checks that it asks for no administrator rights (its manifest says `asInvoker`), that its version resource says
VERSION, and (with 7-Zip, which reads NSIS installers) that it holds riskdesk.exe, riskdesk-cli.exe, _internal/
and writes an uninstaller. Prints what it found; exits 1 if anything is wrong.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

EXPECTED_FILES = ("riskdesk.exe", "riskdesk-cli.exe", "uninstall.exe")


def version_string(data: bytes, key: str) -> str | None:
    """The value of `key` in the installer's version resource (UTF-16 key, padding, UTF-16 value)."""
    start = data.find(key.encode("utf-16-le") + b"\x00\x00")
    if start < 0:
        return None
    position = start + 2 * len(key) + 2
    while data[position:position + 2] == b"\x00\x00":
        position += 2
    end = position
    while data[end:end + 2] != b"\x00\x00":
        end += 2
    return data[position:end].decode("utf-16-le")


def listed_files(setup: Path) -> list[str] | None:
    seven = shutil.which("7z") or shutil.which("7z.exe")
    if seven is None:
        return None
    done = subprocess.run([seven, "l", "-slt", str(setup)], capture_output=True, text=True, check=True)
    return [line.split(" = ", 1)[1].replace("\\", "/") for line in done.stdout.splitlines()
            if line.startswith("Path = ") and line != f"Path = {setup}"]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    setup, version = Path(argv[0]), argv[1]
    data = setup.read_bytes()
    problems: list[str] = []
    levels = set(re.findall(rb'requestedExecutionLevel level="(\w+)"', data))
    print(f"{setup.name}: {len(data) / 1e6:.1f} MB; asks for execution level {b', '.join(levels).decode()}")
    if levels != {b"asInvoker"}:
        problems.append("it would ask for administrator rights (manifest is not asInvoker only)")
    for key in ("ProductName", "ProductVersion", "FileVersion"):
        value = version_string(data, key)
        print(f"  {key}: {value}")
        if key != "ProductName" and value != version:
            problems.append(f"{key} is {value!r}, not {version!r}")
    files = listed_files(setup)
    if files is None:
        print("  (no 7z: contents not listed)")
    else:
        print(f"  holds {len(files)} files and folders, e.g. {', '.join(f for f in files if '/' not in f)}")
        problems += [f"it does not hold {name}" for name in EXPECTED_FILES if name not in files]
        if not any(f.startswith("_internal/") for f in files):
            problems.append("it holds no _internal/ folder")
    for problem in problems:
        print(f"check_installer.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
