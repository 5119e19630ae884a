"""Issue 19: the README's test command works wherever `pip install .` does; the pinned Xapian wheel
(CPython 3.11, Linux x86-64 only) is installed where it exists and skipped elsewhere."""
from __future__ import annotations

import re

import pytest

from .conftest import ROOT

packaging = pytest.importorskip("packaging.requirements", reason="packaging (a pytest dependency) reads markers")


def _environment(version: str, platform: str, machine: str) -> dict[str, str]:
    return {"python_version": version, "python_full_version": f"{version}.0", "sys_platform": platform,
            "platform_machine": machine, "implementation_name": "cpython", "os_name": "posix",
            "platform_system": platform.title(), "platform_release": "", "platform_version": "",
            "platform_python_implementation": "CPython", "implementation_version": f"{version}.0"}


def test_pinned_xapian_wheel_is_required_only_where_it_exists():
    lines = (ROOT / "requirements-xapian.txt").read_text().replace("\\\n", " ").splitlines()
    [line] = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    requirement = packaging.Requirement(line.split(" --hash")[0])
    assert requirement.name == "xapian-bindings-binary" and requirement.marker is not None
    assert requirement.marker.evaluate(_environment("3.11", "linux", "x86_64"))
    for version in ("3.10", "3.12", "3.13"):
        assert not requirement.marker.evaluate(_environment(version, "linux", "x86_64")), version
    assert not requirement.marker.evaluate(_environment("3.11", "darwin", "arm64"))
    assert not requirement.marker.evaluate(_environment("3.11", "linux", "aarch64"))


def test_readme_test_command_needs_no_pinned_wheel():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"Set up and run the tests.*?\n\n(.*?)\n\n", readme, re.S).group(1)
    assert "pip install '.[test]'" in command and "python -m pytest" in command
    assert "requirements-xapian" not in command
