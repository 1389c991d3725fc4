"""Load the policy rules from data files (resources/policy/*.toml) into compiled categories.

A category file has a `[category]` table (id, title, priority, reason, suggestion, when, kind), an optional
`allow` list of benign phrases that are blanked out before its rules run ("naked mole rat", "photo
shoot"), and one of:
  kind = "rules"      [[rules]] id, explain, patterns
  kind = "people"     [[people]] name, aliases          (public figures; a permitted cameo lifts the rule)
  kind = "catalogue"  [[entries]] name, holder, patterns (characters and brands; refused when the holder
                      is on the rights-holder opt-out list named by `optout_file`)
Named word sets live under `[sets]` in any file (common.toml holds the shared ones).
"""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sora_studio.core.resources import resource_path
from sora_studio.core.safety.normalize import name_key
from sora_studio.core.safety.patterns import PatternCompiler
from sora_studio.errors import BadInput

KINDS = ("rules", "people", "catalogue")
WHEN = ("always", "cameo")


@dataclass(frozen=True)
class Rule:
    id: str
    explain: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Person:
    name: str
    keys: frozenset[str]  # name_key of the name and every alias
    regex: re.Pattern[str]


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    holder: str
    opted_out: bool
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    priority: int
    reason: str
    suggestion: str
    when: str
    kind: str
    allow: re.Pattern[str] | None
    rules: tuple[Rule, ...] = ()
    people: tuple[Person, ...] = ()
    entries: tuple[CatalogueEntry, ...] = ()


@dataclass(frozen=True)
class Policy:
    directory: Path
    categories: tuple[Category, ...]  # highest priority first
    global_allow: re.Pattern[str] | None
    optout_holders: frozenset[str] = field(default_factory=frozenset)

    def category(self, category_id: str) -> Category:
        for cat in self.categories:
            if cat.id == category_id:
                return cat
        raise KeyError(category_id)


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"policy file {path.name} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise BadInput(f"cannot read policy file {path}: {exc}") from exc


def _require(table: dict[str, Any], key: str, where: str, kind: type = str) -> Any:
    value = table.get(key)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise BadInput(f"{where}: `{key}` is missing or not a {kind.__name__}")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"{where}: expected a list of strings")
    return value


def _build_category(path: Path, data: dict[str, Any], compiler: PatternCompiler, optout: frozenset[str]) -> Category:
    where = path.name
    head = data["category"]
    kind = head.get("kind", "rules")
    when = head.get("when", "always")
    if kind not in KINDS or when not in WHEN:
        raise BadInput(f"{where}: kind must be one of {KINDS} and when one of {WHEN}")
    rules: list[Rule] = []
    people: list[Person] = []
    entries: list[CatalogueEntry] = []
    for i, rule in enumerate(data.get("rules", [])):
        rwhere = f"{where} rule {i + 1}"
        regex = compiler.compile(_strings(rule.get("patterns"), rwhere))
        if regex is None:
            raise BadInput(f"{rwhere}: no patterns")
        rules.append(Rule(_require(rule, "id", rwhere), rule.get("explain", rule["id"]), regex))
    for i, person in enumerate(data.get("people", [])):
        pwhere = f"{where} person {i + 1}"
        names = [_require(person, "name", pwhere)] + _strings(person.get("aliases"), pwhere)
        regex = compiler.compile(names)
        assert regex is not None
        people.append(Person(names[0], frozenset(name_key(n) for n in names), regex))
    for i, entry in enumerate(data.get("entries", [])):
        ewhere = f"{where} entry {i + 1}"
        name = _require(entry, "name", ewhere)
        holder = _require(entry, "holder", ewhere)
        regex = compiler.compile(_strings(entry.get("patterns"), ewhere) or [name])
        assert regex is not None
        entries.append(CatalogueEntry(name, holder, holder.casefold() in optout, regex))
    if not (rules or people or entries):
        raise BadInput(f"{where}: a category needs [[rules]], [[people]] or [[entries]]")
    return Category(
        id=_require(head, "id", where),
        title=_require(head, "title", where),
        priority=_require(head, "priority", where, int),
        reason=_require(head, "reason", where),
        suggestion=head.get("suggestion", ""),
        when=when,
        kind=kind,
        allow=compiler.compile(_strings(head.get("allow", data.get("allow")), where)),
        rules=tuple(rules),
        people=tuple(people),
        entries=tuple(entries),
    )


def _read_optout(directory: Path, files: dict[Path, dict[str, Any]]) -> frozenset[str]:
    holders: set[str] = set()
    for path, data in files.items():
        optout_name = data.get("category", {}).get("optout_file")
        if optout_name:
            optout_path = directory / optout_name
            if optout_path not in files:
                raise BadInput(f"{path.name}: opt-out file {optout_name} not found in {directory}")
            for i, item in enumerate(files[optout_path].get("holders", [])):
                holders.add(_require(item, "name", f"{optout_name} holder {i + 1}").casefold())
    return frozenset(holders)


def load_policy(directory: str | Path | None = None) -> Policy:
    """Read and compile every *.toml under the policy folder (resources/policy by default)."""
    folder = Path(directory) if directory is not None else resource_path("policy")
    if not folder.is_dir():
        raise BadInput(f"policy folder not found: {folder} (reinstall, or point SORA_STUDIO_DATA at the data)")
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.toml")))
    with _LOADING:  # a second caller (e.g. the GUI's background warm-up) waits instead of compiling again
        return _load_cached(str(folder.resolve()), stamp)


_LOADING = threading.Lock()


@lru_cache(maxsize=8)
def _load_cached(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> Policy:
    directory = Path(folder)
    files = {path: _read(path) for path in sorted(directory.glob("*.toml"))}
    sets: dict[str, list[str]] = {}
    global_allow: list[str] = []
    for path, data in files.items():
        for name, items in data.get("sets", {}).items():
            if name in sets:
                raise BadInput(f"{path.name}: set {{{name}}} is defined twice")
            sets[name] = _strings(items, f"{path.name} set {name}")
        global_allow += _strings(data.get("global_allow"), path.name)
    compiler = PatternCompiler(sets, where=directory.name)
    optout = _read_optout(directory, files)
    categories = [
        _build_category(path, data, compiler, optout) for path, data in files.items() if "category" in data
    ]
    ids = [c.id for c in categories]
    if len(set(ids)) != len(ids):
        raise BadInput(f"policy folder {directory}: duplicate category ids {sorted(ids)}")
    categories.sort(key=lambda c: -c.priority)
    return Policy(directory, tuple(categories), compiler.compile(global_allow), optout)
