"""The public API's shape: every type that `Archive` returns (and the types inside those records)
is exported from `searchkit`; the package is typed (`py.typed`); its version is the installed
package's; importing it loads neither engine."""
from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
import typing
from importlib.metadata import version
from pathlib import Path

import searchkit
from searchkit import Archive


def _classes(hint) -> set[type]:
    """The classes named by a type hint (`list[Entity] | None` -> {list, Entity})."""
    if isinstance(hint, type):
        return {hint}
    return {cls for arg in typing.get_args(hint) for cls in _classes(arg)} | (
        {typing.get_origin(hint)} if isinstance(typing.get_origin(hint), type) else set())


def _own(classes: set[type]) -> set[type]:
    return {c for c in classes if c.__module__.startswith("searchkit")}


def test_every_type_the_archive_returns_is_exported():
    seen: set[type] = set()
    todo: set[type] = set()
    for name, member in inspect.getmembers(Archive):
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        if callable(function):
            # Names the module imports for type checking only are looked up in `searchkit`: a
            # NameError here is a returned type that searchkit does not export.
            namespace = {**vars(sys.modules[function.__module__]), **vars(searchkit)}
            todo |= _own(_classes(typing.get_type_hints(function, globalns=namespace).get("return")))
    while todo:  # and the records inside them (a batch's rows, a row's summary ...)
        cls = todo.pop()
        seen.add(cls)
        if dataclasses.is_dataclass(cls):
            todo |= _own({c for hint in typing.get_type_hints(cls).values() for c in _classes(hint)}) - seen
    assert len(seen) > 20
    missing = sorted(c.__name__ for c in seen if getattr(searchkit, c.__name__, None) is not c)
    assert not missing, f"returned by Archive but not exported from searchkit: {missing}"
    assert set(searchkit.__all__) <= set(dir(searchkit))


def test_typed_and_versioned():
    assert (Path(searchkit.__file__).parent / "py.typed").is_file()
    assert searchkit.__version__ == version("searchkit")


def test_importing_searchkit_loads_no_engine():
    code = ("import sys, searchkit, searchkit.model, searchkit.cli.commands, searchkit.fields; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('whoosh', 'xapian')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
