"""Typed conversation state: the input a conversation awaits and a feature's draft, each a frozen dataclass.

An awaited input (``flows.awaits``) is declared like a button payload, with a template, and carried by the same
codec (bot/actions.Codec) in its own registry: ``@awaits("times:{kind}") class Times(Await): kind: str``. The
router routes typed text by the decoded type, and a handler reads ``ctx.awaits`` as that object. The templates
spell exactly what older versions stored ('times:post', 'win:2026-W02', 'confirm:delete'), so a row written
before typed state decodes as it is: a user in the middle of a flow during a deploy loses nothing.

A draft (``flows.draft``) holds free text (a name as typed, a form's refused values), which no payload template
can carry, so drafts have a JSON codec of their own: ``@draft("ticks") class Ticks(Draft): options:
tuple[str, ...]`` is stored as ``{"t": "ticks", "options": [...]}`` and read back only if every field has its
declared type. Older rows stored a bare JSON list whose meaning depended on the question open; such a row reads
as `Legacy` (its items) once, for the feature that owns the draft to read with what it knows.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar, TypeVar, dataclass_transform

from bot.actions import PAYLOAD_LIMIT, Codec

C = TypeVar("C", bound=type)


class Await:
    """Base of every awaited input; subclasses are frozen dataclasses registered with @awaits."""

    template: ClassVar[str] = ""


class Confirmation(Await):
    """An awaited yes or no that holds everything else (a reset or delete): other features' questions wait."""


AWAITS: Codec[Await] = Codec("awaited input", PAYLOAD_LIMIT)


@dataclass_transform(frozen_default=True)
def awaits(template: str) -> Callable[[C], C]:
    """Class decorator: an awaited input stored as `template` (the button payloads' template syntax)."""
    def wrap(cls: C) -> C:
        made = AWAITS.register(cls, template)
        _decoded.cache_clear()  # a string read before this type existed decodes to it now
        return made
    return wrap


def encode_awaits(value: Await) -> str:
    return AWAITS.encode(value)


def decode_awaits(text: str | None) -> Await | None:
    """The awaited input a stored string stands for; None for nothing, or for one no feature declares now.

    Read several times a message (the core's expiry, language evidence, routing, the handler) from a handful of
    distinct strings: decoded once each (the objects are frozen, so sharing them is safe; bench/state.py)."""
    return _decoded(text) if text else None


@lru_cache(maxsize=4096)
def _decoded(text: str) -> Await | None:
    return AWAITS.decode(text)


# -- drafts ---------------------------------------------------------------------------------------------------

class Draft:
    """Base of every draft; subclasses are frozen dataclasses registered with @draft."""

    tag: ClassVar[str] = ""


_DRAFTS: dict[str, type[Draft]] = {}
_KINDS = ("str", "int", "bool", "tuple[str, ...]", "tuple[tuple[str, str], ...]")


@dataclass_transform(frozen_default=True)
def draft(tag: str) -> Callable[[C], C]:
    """Class decorator: a draft stored as JSON under `tag`; fields are str, int, bool, tuple[str, ...] or
    tuple[tuple[str, str], ...]."""
    def wrap(cls: C) -> C:
        made: Any = dataclasses.dataclass(frozen=True)(cls)
        made.tag = tag
        for f in dataclasses.fields(made):
            if str(f.type) not in _KINDS:
                raise TypeError(f"{cls.__name__}.{f.name}: a draft field is one of {_KINDS}")
        if tag in _DRAFTS:
            raise ValueError(f"draft tag {tag!r} is registered twice")
        _DRAFTS[tag] = made
        return made  # type: ignore[no-any-return]
    return wrap


@draft("legacy")
class Legacy(Draft):
    """A draft stored before drafts were typed (a bare list), for its feature to read once."""

    items: tuple[str, ...]


def _fits(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "tuple[str, ...]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p)
                                           for p in value)


def _typed(value: Any, kind: str) -> Any:
    if kind == "tuple[str, ...]":
        return tuple(value)
    if kind.startswith("tuple[tuple"):
        return tuple((a, b) for a, b in value)
    return value


def encode_draft(value: Draft | None) -> str:
    """The JSON stored for a draft ('[]' for none, as older versions stored an empty draft)."""
    if value is None:
        return "[]"
    if isinstance(value, list):  # a bare list (tests and tools writing rows as older versions did)
        return json.dumps(value)
    if type(value).tag not in _DRAFTS:
        raise TypeError(f"{type(value).__name__} is not a registered draft")
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]
    return json.dumps({"t": type(value).tag, **fields}, ensure_ascii=False)


def decode_draft(text: str | None) -> Draft | None:
    """The draft a stored JSON text stands for; None for none, or for one that is unknown or malformed."""
    try:
        doc = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(doc, list):
        return Legacy(tuple(str(v) for v in doc)) if doc else None
    if not isinstance(doc, dict):
        return None
    cls = _DRAFTS.get(doc.get("t", ""))
    if cls is None:
        return None
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if set(doc) != {"t"} | {f.name for f in fields} or not all(_fits(doc[f.name], str(f.type)) for f in fields):
        return None
    return cls(**{f.name: _typed(doc[f.name], str(f.type)) for f in fields})


def as_draft(value: Any) -> Draft | None:
    """A draft as the storage keeps it: a bare list (written as older versions did) read as they are read."""
    if isinstance(value, list):
        return decode_draft(json.dumps(value))
    return value if isinstance(value, Draft) else None
