"""The lock files (installer/lock/*.txt): what the tests run on is what the app is frozen with, on every platform,
and it stays within pyproject.toml's ranges. `installer/dev.sh lock` rewrites them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
DEV_LOCK = ROOT / "installer" / "lock" / "dev.txt"
BUNDLE_LOCK = ROOT / "installer" / "lock" / "bundle.txt"
PLATFORMS = {
    "Linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "Windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    "macOS": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
}
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)\s*(?:;(?P<marker>[^\\]*))?\\?\s*$")


def _environment(platform: str) -> dict[str, str]:
    env = dict(default_environment())
    env.update(PLATFORMS[platform], python_version="3.11", python_full_version="3.11.7",
               platform_python_implementation="CPython", implementation_name="cpython")
    return env


def _pins(lock: Path, platform: str) -> dict[str, Version]:
    """The packages `pip install -r lock` installs on `platform` with Python 3.11, and their versions."""
    pins: dict[str, Version] = {}
    env = _environment(platform)
    for line in lock.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found is None:
            continue
        marker = (found["marker"] or "").strip()
        if marker and not Marker(marker).evaluate(env):
            continue
        pins[canonicalize_name(found["name"])] = Version(found["version"])
    return pins


def _requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(text) for text in wanted]


@pytest.mark.parametrize("platform", list(PLATFORMS))
@pytest.mark.parametrize(("lock", "extras"), [(DEV_LOCK, ("test", "team", "lock")), (BUNDLE_LOCK, ("bundle",))],
                         ids=["dev", "bundle"])
def test_every_dependency_is_locked_within_its_range(lock: Path, extras: tuple[str, ...], platform: str) -> None:
    pins = _pins(lock, platform)
    for requirement in _requirements(*extras):
        if requirement.marker is not None and not requirement.marker.evaluate(_environment(platform)):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {lock.name}: run installer/dev.sh lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock.name} pins {name}=={pins[name]}, outside pyproject.toml's {requirement}: run installer/dev.sh lock")


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_the_bundle_is_frozen_with_the_versions_the_tests_ran_on(platform: str) -> None:
    tested, frozen = _pins(DEV_LOCK, platform), _pins(BUNDLE_LOCK, platform)
    differ = {name: (tested[name], frozen[name]) for name in tested.keys() & frozen.keys()
              if tested[name] != frozen[name]}
    assert not differ
    app = {canonicalize_name(r.name) for r in _requirements()}
    assert app <= frozen.keys()


def test_qt_stays_below_6_12_which_crashes_on_python_3_11() -> None:
    for lock in (DEV_LOCK, BUNDLE_LOCK):
        for platform in PLATFORMS:
            assert _pins(lock, platform)["pyside6-essentials"] < Version("6.12")


def test_every_locked_package_has_a_file_hash() -> None:
    """pip installs with --require-hashes: a pin without a hash would fail the install, not just weaken it."""
    for lock in (DEV_LOCK, BUNDLE_LOCK):
        blocks = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8"))
        for block in blocks:
            if _PIN.match(block.splitlines()[0]):
                assert "--hash=sha256:" in block, block.splitlines()[0]
