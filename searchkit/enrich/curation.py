"""The user's curation of an archive's entities: a text file of rules, applied when searching.

The file is `entities.txt` in the index folder (`Archive.curation_file`). It is the user's: searchkit
only appends to it (`searchkit entities merge/rename/block/retype/split`), and re-indexing leaves it alone. One
rule a line, words as in a shell (quote a name with spaces), `#` starts a comment:

    merge people Blair "Mr Blair" into "Tony Blair"   # one entity, labelled as the last name
    rename orgs ec to "European Community"            # a new label for an entity
    block orgs "But the Bank"                         # never listed, counted or filtered on
    retype people "Merrill Lynch" to orgs             # a company, not a person
    split people Brown                                # "Brown" alone is not "Gordon Brown"

A value is any spelling the index holds, an entity's id or its label (case, accents and
punctuation do not matter). The rules apply in order, to the table `canonical` makes from the
index's values, so a change takes effect at the next search with no re-indexing. A line that cannot
be read, or that names a value no article has, is reported as `FILE:LINE: reason`, and the other
lines still apply.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .canonical import CANONICAL_FIELDS, EntityTable
from ..errors import ArchiveError, QueryError
from ..model import Problem

CURATION_FILE = "entities.txt"
ACTIONS = ("merge", "rename", "block", "retype", "split")
_USAGE = {"merge": "merge FIELD VALUE... into LABEL", "rename": "rename FIELD VALUE to LABEL",
          "block": "block FIELD VALUE...", "retype": "retype FIELD VALUE... to FIELD",
          "split": "split FIELD VALUE..."}
# The word before the last argument of an action that has one.
_KEYWORD = {"merge": "into", "rename": "to", "retype": "to"}


@dataclass
class Rule:
    action: str
    field: str
    values: list[str]
    target: str = ""  # the label of `merge ... into` and `rename ... to`, the field of `retype ... to`


def parse_rule(line: str) -> Rule | None:
    """One line of the file as a rule (None for a blank or comment line); ValueError says why not."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:  # an unclosed quote
        raise ValueError(f"cannot read the line: {exc}") from None
    if not words:
        return None
    action, args = words[0].lower(), words[1:]
    if action not in ACTIONS:
        raise ValueError(f"unknown action {words[0]!r} (actions: {', '.join(ACTIONS)})")
    if not args or args[0].lower() not in CANONICAL_FIELDS:
        got = f", got {args[0]!r}" if args else ""
        raise ValueError(f"{action} needs a field ({', '.join(CANONICAL_FIELDS)}){got}: {_USAGE[action]}")
    field, args = args[0].lower(), args[1:]
    if action not in _KEYWORD:
        if not args:
            raise ValueError(f"{action} needs a value: {_USAGE[action]}")
        return Rule(action, field, args)
    keyword = _KEYWORD[action]
    if keyword not in args or args.index(keyword) != len(args) - 2 or args.index(keyword) == 0:
        ending = " ".join(_USAGE[action].split()[-2:])  # "into LABEL"
        raise ValueError(f"{action} needs {'a value' if action == 'rename' else 'values'} and "
                         f"'{ending}' at the end: {_USAGE[action]}")
    values, target = args[:-2], args[-1]
    if action == "rename" and len(values) != 1:
        raise ValueError(f"rename takes one value: {_USAGE[action]}")
    if action == "retype":
        if target.lower() not in CANONICAL_FIELDS or target.lower() == field:
            raise ValueError(f"retype needs another field after 'to' ({', '.join(CANONICAL_FIELDS)}), "
                             f"got {target!r}: {_USAGE[action]}")
        return Rule(action, field, values, target.lower())
    if not target.strip() or "," in target:
        raise ValueError(f"the label {target!r} must be non-empty and without commas")
    return Rule(action, field, values, target)


def apply(table: EntityTable, path: Path | None) -> list[Problem]:
    """Apply the rules of the file at `path` (if there is one) to `table`; the problems found."""
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(path), f"cannot read the curation file: {exc}")]
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            rule = parse_rule(line)
        except ValueError as exc:
            problems.append(Problem(str(path), str(exc), str(number)))
            continue
        if rule is None:
            continue
        fields = table.fields[rule.field]
        if rule.action == "merge":
            unknown = fields.merge(rule.values, rule.target)
        elif rule.action == "rename":
            unknown = [] if fields.rename(rule.values[0], rule.target) else rule.values
        elif rule.action == "retype":
            unknown = [v for v in rule.values if not fields.retype(v, table.fields[rule.target])]
        elif rule.action == "split":
            unknown = [v for v in rule.values if fields.key(v) is None]
            problems += [Problem(str(path), f"{v!r} is its entity's own name: nothing to split off", str(number))
                         for v in rule.values if v not in unknown and not fields.split(v)]
        else:
            unknown = [v for v in rule.values if not fields.block(v)]
        problems += [Problem(str(path), f"no {rule.field} value {v!r} in the archive", str(number))
                     for v in unknown]
    return problems


def append_rule(path: Path, action: str, field: str, values: list[str], target: str = "") -> str:
    """Add a rule at the end of the file (made if missing), replacing it whole so a reader never
    sees half a line; returns the line written. QueryError for a rule that would not parse."""
    words = [action, field, *values] + ([_KEYWORD[action], target] if action in _KEYWORD else [])
    line = " ".join(shlex.quote(w) for w in words)
    try:
        parse_rule(line)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = "# searchkit entity curation: see `searchkit entities --help`\n"
    if old and not old.endswith("\n"):
        old += "\n"
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(old + line + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        raise ArchiveError(f"cannot write the curation file {path}: {exc.strerror or exc}") from None
    return line


# Bumped when the saved form of a table (`EntityTable.state`) or the grouping rules change.
CACHE_VERSION = 2


class CuratedEntities:
    """An archive's entity table with the curation file applied: made on first use from `count`
    (each canonical field's value -> articles, over the whole index), made again when the file
    changes or the index's `generation` does (a commit by this process or another: a server
    sees new spellings and edits at its next request). Counting every value and grouping them
    takes a large part of a second, so the table before curation is also saved in `cache` (if
    given) with the generation and a digest of the counts it was made from: read back without
    counting while the generation is the same, and without grouping while the counts are."""

    def __init__(self, count: Callable[[], dict[str, dict[str, int]]],
                 generation: Callable[[], tuple], cache: Path | None = None) -> None:
        self._count = count
        self._generation = generation
        self._cache = cache
        self._made: tuple[tuple, EntityTable, list[Problem]] | None = None
        self._lock = threading.Lock()  # a server's threads share it

    def table(self, path: Path | None) -> tuple[EntityTable, list[Problem]]:
        state = (file_state(path), self._generation())
        with self._lock:
            if self._made is None or self._made[0] != state:
                table = self._grouped(state[1])
                self._made = (state, table, apply(table, path))
            return self._made[1], self._made[2]

    def _grouped(self, generation: tuple) -> EntityTable:
        saved_generation = saved_digest = saved = None
        if self._cache is not None:
            try:
                version, saved_generation, saved_digest, saved = marshal.loads(self._cache.read_bytes())
                if version != CACHE_VERSION:
                    saved = None
            except (OSError, EOFError, ValueError, TypeError, KeyError):
                pass  # none yet, or unreadable (an older version's): group again
        if saved is not None and saved_generation == generation:
            return EntityTable(state=saved)
        counts = self._count()
        digest = hashlib.blake2b(marshal.dumps(counts), digest_size=16).digest()
        table = EntityTable(state=saved) if saved is not None and saved_digest == digest else None
        if table is None:
            table = EntityTable(counts)
        if self._cache is not None:
            temporary = self._cache.with_name(f"{self._cache.name}.{os.getpid()}.tmp")
            try:
                temporary.write_bytes(marshal.dumps((CACHE_VERSION, generation, digest, table.state())))
                os.replace(temporary, self._cache)
            except OSError:
                temporary.unlink(missing_ok=True)  # a read-only index folder: grouped again next time
        return table


def file_state(path: Path | None) -> tuple | None:
    """What changes when the file is edited (to know when to read it again)."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if stat else None
