"""What the installers promise, checked against the app itself: a saved project is recognised as RiskDesk's file
type, the menu entry opens it in the window, and the Windows installer stays per user. (The installers are built,
installed and removed for real by .ci/package.)"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io.store.project_file import save_project

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "installer" / "linux"
MIME = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _mime_type() -> ET.Element:
    found = ET.parse(LINUX / "riskdesk-mime.xml").getroot().find(f"{MIME}mime-type")
    assert found is not None
    return found


def _desktop_entry() -> dict[str, str]:
    lines = (LINUX / "riskdesk.desktop").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_a_saved_project_is_recognised_as_riskdesks_file_type_by_name_and_by_content(tmp_path: Path) -> None:
    path = tmp_path / "suppliers 2026.rdproj"
    save_project(demo_project(), path)
    mime = _mime_type()
    assert any(fnmatch.fnmatch(path.name, glob.attrib["pattern"]) for glob in mime.iter(f"{MIME}glob"))
    data = path.read_bytes()
    outer = mime.find(f"{MIME}magic/{MIME}match")
    assert outer is not None
    inner = outer.find(f"{MIME}match")
    assert inner is not None and outer.attrib["type"] == "string" and inner.attrib["type"] == "big32"
    start = int(outer.attrib["offset"])
    assert data[start:start + len(outer.attrib["value"])] == outer.attrib["value"].encode()
    offset = int(inner.attrib["offset"])
    assert int.from_bytes(data[offset:offset + 4], "big") == int(inner.attrib["value"], 16)


def test_the_menu_entry_opens_a_project_of_that_type_in_the_window() -> None:
    entry = _desktop_entry()
    assert _mime_type().attrib["type"] in entry["MimeType"].split(";")
    assert entry["Exec"] == "riskdesk gui %f"  # `riskdesk FILE` would be the command line, not the window
    assert entry["Icon"] == "riskdesk"
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(LINUX / "riskdesk.desktop")], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout


def test_the_windows_installer_needs_no_admin_rights_and_writes_only_for_the_user() -> None:
    script = (ROOT / "installer" / "windows" / "riskdesk.nsi").read_text(encoding="utf-8")
    code = "\n".join(line.split(";", 1)[0] for line in script.splitlines())  # without comments
    assert re.search(r"^RequestExecutionLevel user$", code, re.M)
    assert re.search(r'^InstallDir "\$LOCALAPPDATA\\Programs\\\$\{APP\}"$', code, re.M)
    assert "HKLM" not in code and "SetShellVarContext all" not in code
    opens = r'"Software\\Classes\\\$\{PROGID\}\\shell\\open\\command" "" \'"\$INSTDIR\\riskdesk.exe" gui "%1"\''
    assert re.search(opens, code)


@pytest.mark.parametrize("name", ["install.sh", "package.sh", "test-deb.sh"])
def test_the_linux_scripts_are_valid_shell(name: str) -> None:
    shell = "sh" if name == "install.sh" else "bash"  # install.sh runs on any POSIX shell the user has
    done = subprocess.run([shell, "-n", str(LINUX / name)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
