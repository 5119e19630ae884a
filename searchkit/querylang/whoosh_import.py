"""Importing Whoosh without two slow imports it does not use for searching.

A new `searchkit search` process spent a sizeable part of its start (the cold start of
benchmarks/RESULTS.md) importing `urllib.request` (with http.client, email and ssl) and `asyncio`:
`whoosh.compat` imports `urlretrieve` for a download helper, and the `cached_property` package (used
by Whoosh's readers) imports asyncio only to ask `asyncio.iscoroutinefunction`. And `whoosh.query`
imports `whoosh.lang.morph_en`, whose regular expressions are slow to compile, for the `Variations`
query, which searchkit never makes.
While Whoosh is first imported, these names are served by stand-ins that load the real module the
first time anything else is asked of them; afterwards the stand-ins are removed from
`sys.modules`, so every other `import` gets the real modules as usual.
"""
from __future__ import annotations

import importlib
import inspect
import sys
import types


def _stand_in(name: str, **known) -> types.ModuleType:
    """A module object for `name` with `known` attributes; any other attribute loads the real
    module and is taken from it."""
    stand_in = types.ModuleType(name)
    stand_in.__dict__.update(known)

    def __getattr__(attr: str):
        if attr.startswith("__"):  # the import system probing (__path__, __spec__, ...)
            raise AttributeError(attr)
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)

    stand_in.__dict__["__getattr__"] = __getattr__  # PEP 562: consulted for missing module attributes
    return stand_in


def _urlretrieve(*args, **kwargs):
    return importlib.import_module("urllib.request").urlretrieve(*args, **kwargs)


def _iscoroutinefunction(func) -> bool:
    if inspect.iscoroutinefunction(func):
        return True
    if getattr(func, "_is_coroutine", None) is None:  # asyncio's only other sign of a coroutine
        return False
    return importlib.import_module("asyncio").iscoroutinefunction(func)


def _variations(word: str):
    return importlib.import_module("whoosh.lang.morph_en").variations(word)


def _import_whoosh() -> None:
    if "whoosh" in sys.modules:
        return
    stand_ins = {}
    if "urllib.request" not in sys.modules:
        stand_ins["urllib.request"] = _stand_in("urllib.request", urlretrieve=_urlretrieve)
    if "asyncio" not in sys.modules and "cached_property" not in sys.modules:
        stand_ins["asyncio"] = _stand_in("asyncio", iscoroutinefunction=_iscoroutinefunction)
    stand_ins["whoosh.lang.morph_en"] = _stand_in("whoosh.lang.morph_en", variations=_variations)
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat  # noqa: F401  (imports urlretrieve)
        import whoosh.reading  # noqa: F401  (imports cached_property, which imports asyncio)
        import whoosh.query  # noqa: F401  (imports morph_en's variations)
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


_import_whoosh()
