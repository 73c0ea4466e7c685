"""Declarative checks for parsed TOML content, with file:line problems, and the registry of content checks.

The engine knows no feature: each feature declares its schema next to its loader and registers a check
with `register_check(name, fn)`; `bot.checks.run_checks` imports the feature packages by name and runs them.
"""
from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# A finding is (key path, message); a Doc turns it into an Issue with the file and line.
Finding = tuple[str, str]


@dataclass(frozen=True, order=True)
class Issue:
    """One content problem, printed as `file:line: path: message`."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}" if self.path else \
            f"{self.file}:{self.line}: {self.message}"


class ContentError(ValueError):
    """Content that cannot be used (bad TOML, or a schema violation found while loading)."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


# ---- schema declarations -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListOf:
    """A TOML array of scalars (str, int, bool or float)."""

    item: type


@dataclass(frozen=True)
class Field:
    """A key's type, whether it is required, and (for scalars and list items) allowed values and bounds."""

    type: Any  # str | int | bool | float | ListOf | Table | ArrayOf | MapOf
    required: bool = False
    choices: tuple[Any, ...] | None = None
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None  # a regular expression strings must match in full


@dataclass(frozen=True)
class Table:
    """A TOML table with known keys; any other key is an error."""

    fields: Mapping[str, Field]


@dataclass(frozen=True)
class ArrayOf:
    """An array of tables, `[[name]]`."""

    table: Table


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are free ids (`[kinds.<id>]`), each value checked against one field."""

    value: Field
    key_pattern: str | None = None


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}


def _type_name(t: Any) -> str:
    if isinstance(t, ListOf):
        return f"a list of {_TYPE_NAMES.get(t.item, t.item.__name__).split(' ', 1)[-1]}s"
    if isinstance(t, ArrayOf):
        return "an array of tables"
    if isinstance(t, (Table, MapOf)):
        return "a table"
    return _TYPE_NAMES.get(t, getattr(t, "__name__", str(t)))


def _is(value: Any, t: type) -> bool:
    if t is bool:
        return isinstance(value, bool)
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, t)


def _scalar(value: Any, spec: Field, t: type, path: str) -> list[Finding]:
    if not _is(value, t):
        return [(path, f"expected {_type_name(t)}, got {value!r}")]
    out: list[Finding] = []
    if spec.choices is not None and value not in spec.choices:
        out.append((path, f"{value!r} is not one of {', '.join(map(repr, spec.choices))}"))
    if spec.min is not None and not isinstance(value, str) and value < spec.min:
        out.append((path, f"{value!r} is below the minimum {spec.min}"))
    if spec.max is not None and not isinstance(value, str) and value > spec.max:
        out.append((path, f"{value!r} is above the maximum {spec.max}"))
    if spec.pattern is not None and isinstance(value, str) and not re.fullmatch(spec.pattern, value):
        out.append((path, f"{value!r} does not have the expected form"))
    return out


def _unknown(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate(data: Any, spec: Field | Table, path: str = "") -> list[Finding]:
    """Every schema violation in `data` (all of them, not just the first)."""
    if isinstance(spec, Table):
        spec = Field(spec)
    t = spec.type
    if isinstance(t, Table):
        if not isinstance(data, dict):
            return [(path, f"expected a table, got {data!r}")]
        out: list[Finding] = []
        for key, value in data.items():
            if key not in t.fields:
                out.append((_join(path, key), _unknown(key, t.fields)))
            else:
                out.extend(validate(value, t.fields[key], _join(path, key)))
        out.extend((path or "(top)", f"missing required key {key!r}")
                   for key, f in t.fields.items() if f.required and key not in data)
        return out
    if isinstance(t, ArrayOf):
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            return [(path, f"expected an array of tables ([[{path}]]), got {data!r}")]
        return [f for i, item in enumerate(data) for f in validate(item, Field(t.table), f"{path}[{i}]")]
    if isinstance(t, MapOf):
        if not isinstance(data, dict):
            return [(path, f"expected a table, got {data!r}")]
        out = []
        for key, value in data.items():
            if t.key_pattern and not re.fullmatch(t.key_pattern, key):
                out.append((_join(path, key), f"{key!r} is not a valid id"))
            out.extend(validate(value, t.value, _join(path, key)))
        return out
    if isinstance(t, ListOf):
        if not isinstance(data, list):
            return [(path, f"expected {_type_name(t)}, got {data!r}")]
        return [f for i, item in enumerate(data) for f in _scalar(item, spec, t.item, f"{path}[{i}]")]
    return _scalar(data, spec, t, path)


def duplicates(values: Iterable[Any]) -> list[Any]:
    """Values that occur more than once, in first-repeat order."""
    seen: set[Any] = set()
    out: list[Any] = []
    for v in values:
        if v in seen and v not in out:
            out.append(v)
        seen.add(v)
    return out


# ---- line numbers --------------------------------------------------------------------------------------

_KEY = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_DOTTED})\s*=")


def _parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(_KEY, dotted)]


def key_lines(text: str) -> dict[str, int]:
    """Map each key path (`steps[3].max_len`, `kinds.post.times`) to the line that defines it (1-based).

    A line scanner, not a parser: good enough for content files (headers, `[[arrays]]`, dotted keys,
    inline tables); lines inside multi-line strings are skipped.
    """
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group(2))
            plain = ".".join(names)
            if header.group(1) == "[[":
                counts[plain] = counts.get(plain, -1) + 1
            table = _resolve(names, counts)
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            path = _join(table, ".".join(_parts(assign.group(1))))
            lines.setdefault(path, number)
            rest = assign.group(2)
            if rest.lstrip().startswith("{"):
                for inner in _INLINE_KEY.finditer(rest):
                    lines.setdefault(_join(path, ".".join(_parts(inner.group(1)))), number)
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
    return lines


def _resolve(names: list[str], counts: dict[str, int]) -> str:
    out = ""
    for i, name in enumerate(names):
        out = _join(out, name)
        index = counts.get(".".join(names[: i + 1]))
        if index is not None:
            out += f"[{index}]"
    return out


@dataclass
class Doc:
    """A parsed content file with its source, to put line numbers on findings."""

    file: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def lines(self) -> dict[str, int]:
        return key_lines(self.text)

    def line(self, path: str) -> int:
        """The line of `path`, else of the nearest enclosing key that has one, else 1."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\[\d+\]|\.[^.\[]*|^[^.\[]*)$", "", path)
        return 1

    def issue(self, path: str, message: str) -> Issue:
        return Issue(self.file, self.line(path), path, message)

    def issues(self, findings: Iterable[Finding]) -> list[Issue]:
        return [self.issue(path, message) for path, message in findings]


# ---- catalog texts -------------------------------------------------------------------------------------

def placeholders(template: str) -> set[str]:
    """Names used as {placeholders} in a template (an unparsable template has none we can name)."""
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return set()


@dataclass(frozen=True)
class Entry:
    """One catalog text and where it is defined."""

    text: str
    file: str
    line: int


def catalog_entries(docs: Iterable[Doc]) -> dict[str, Entry]:
    """Flatten catalog files into {dotted.key: Entry}."""
    out: dict[str, Entry] = {}

    def walk(doc: Doc, prefix: str, table: dict[str, Any]) -> None:
        for key, value in table.items():
            full = _join(prefix, key)
            if isinstance(value, dict):
                walk(doc, full, value)
            else:
                out[full] = Entry(str(value), doc.file, doc.line(full))

    for doc in docs:
        walk(doc, "", doc.data)
    return out


@dataclass(frozen=True)
class Text:
    """A catalog key some content needs, the content path that needs it and the placeholders the code fills."""

    key: str
    path: str
    fills: frozenset[str] = frozenset()
    optional: bool = False


def text_issues(doc: Doc, texts: Iterable[Text], catalogs: Mapping[str, Mapping[str, Entry]]) -> list[Issue]:
    """Needed texts missing in every language, and placeholders that nothing fills.

    A text missing in only some languages is reported once, by the cross-language catalog check.
    """
    out: list[Issue] = []
    for text in texts:
        present = [cat[text.key] for cat in catalogs.values() if text.key in cat]
        if not present and not text.optional:
            out.append(doc.issue(text.path, f"no text {text.key!r} in locales ({', '.join(catalogs)})"))
        for entry in present:
            for name in sorted(placeholders(entry.text) - text.fills):
                out.append(Issue(entry.file, entry.line, text.key, f"placeholder {{{name}}} is not filled by the code "
                                 f"(allowed: {_braces(set(text.fills))})"))
    return out


def cross_language_issues(catalogs: Mapping[str, Mapping[str, Entry]]) -> list[Issue]:
    """Keys present in one language and missing in another, and placeholders that differ between languages."""
    out: list[Issue] = []
    langs = list(catalogs)
    for lang in langs:
        for key, entry in catalogs[lang].items():
            for other in langs:
                if other == lang:
                    continue
                twin = catalogs[other].get(key)
                if twin is None:
                    out.append(Issue(entry.file, entry.line, key, f"missing in {other!r} (present in {lang!r})"))
                elif langs.index(lang) < langs.index(other) and placeholders(entry.text) != placeholders(twin.text):
                    out.append(Issue(twin.file, twin.line, key, f"placeholders {_braces(placeholders(twin.text))} "
                                     f"differ from {lang!r} {_braces(placeholders(entry.text))} "
                                     f"({entry.file}:{entry.line})"))
    return out


def variant_issues(tag: str, variant: Mapping[str, Entry], base: Mapping[str, Entry]) -> list[Issue]:
    """A language variant's catalog (locales/<tag>/, e.g. 'id-formal') against its language's: every key must be one
    of the language's, with exactly its placeholders."""
    lang = tag.split("-", 1)[0]
    out: list[Issue] = []
    for key, entry in variant.items():
        twin = base.get(key)
        if twin is None:
            out.append(Issue(entry.file, entry.line, key, f"unknown key: {tag!r} holds other forms of the {lang!r} "
                             f"texts, and locales/{lang}/ has no {key!r}"))
        elif placeholders(entry.text) != placeholders(twin.text):
            out.append(Issue(entry.file, entry.line, key, f"placeholders {_braces(placeholders(entry.text))} differ "
                             f"from {lang!r} {_braces(placeholders(twin.text))} ({twin.file}:{twin.line}): use "
                             "exactly those"))
    return out


def _braces(names: set[str]) -> str:
    return " ".join(f"{{{n}}}" for n in sorted(names)) or "(none)"


# ---- registry ------------------------------------------------------------------------------------------

Check = Callable[[], Iterable[Issue]]
_CHECKS: dict[str, Check] = {}


def register_check(name: str, fn: Check) -> None:
    """Add (or replace) a named content check; features call this when imported."""
    _CHECKS[name] = fn


def registered() -> dict[str, Check]:
    return dict(_CHECKS)
