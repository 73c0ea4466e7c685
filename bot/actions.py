"""Typed button payloads: dataclasses with one codec (after the dynamic item templates of a chat library).

A feature declares an action as a frozen dataclass with a template such as ``"a:{step}:{option}"``; the codec
turns it into the short string a platform carries (a button's callback data or custom id, the console's
numbered choice) and back. Adapters never parse payloads: they hand the string back to the core, which decodes
it here. Anything that matches no template, or a field that does not fit its type, decodes to None.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Literal, TypeVar, dataclass_transform

Role = Literal["option", "toggle", "submit", "navigation", "danger", "link"]
PAYLOAD_LIMIT = 64  # the smallest button payload a channel carries (bytes of callback data; others allow more)
_FIELD = re.compile(r"\{(\w+)(?::(x))?\}")
_VALUE = r"[\w.+-]{1,48}"
_HEX = r"[0-9a-f]{1,16}"


class Action:
    """Base of every button payload; subclasses are frozen dataclasses registered with @action."""

    template: ClassVar[str] = ""
    role: ClassVar[Role] = "option"


A = TypeVar("A", bound=type)
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _Spec:
    cls: type
    template: str
    regex: re.Pattern[str]
    fields: tuple[tuple[str, str, str], ...]  # (name, python type, format)


def _compile(cls: type, template: str) -> _Spec:
    hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    parts: list[str] = []
    fields: list[tuple[str, str, str]] = []
    pos = 0
    for m in _FIELD.finditer(template):
        parts.append(re.escape(template[pos:m.start()]))
        name, fmt = m.group(1), m.group(2) or ""
        kind = hints.get(name)
        if kind not in ("str", "int", "bool"):
            raise TypeError(f"{cls.__name__}.{name}: template field must be a str, int or bool field")
        pattern = _HEX if fmt == "x" else r"[01]" if kind == "bool" else r"-?\d{1,12}" if kind == "int" else _VALUE
        parts.append(f"(?P<{name}>{pattern})")
        fields.append((name, kind, fmt))
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    missing = set(hints) - {f[0] for f in fields}
    if missing:
        raise TypeError(f"{cls.__name__}: fields {sorted(missing)} are not in the template {template!r}")
    return _Spec(cls, template, re.compile("".join(parts)), tuple(fields))


def _text(value: Any, kind: str, fmt: str) -> str:
    if kind == "bool":
        return "1" if value else "0"
    if fmt == "x":
        return format(int(value), "x")
    return str(value)


class Codec(Generic[T]):
    """One registry of frozen dataclasses, each with a template, and the codec between them and short strings.

    Button payloads use one (`action`, `encode`, `decode` below); the input a conversation awaits uses another
    (bot/state.py), so a forged tap can never decode to an awaited input nor the other way round."""

    def __init__(self, what: str, limit: int) -> None:
        self.what, self.limit = what, limit
        self._specs: list[_Spec] = []
        self._by_class: dict[type, _Spec] = {}

    def register(self, cls: A, template: str) -> A:
        """Make `cls` a frozen dataclass carried as `template` (a template registered twice is an error)."""
        made: Any = dataclasses.dataclass(frozen=True)(cls)
        made.template = template
        spec = _compile(made, template)
        if any(s.template == template for s in self._specs):
            raise ValueError(f"{self.what} template {template!r} is registered twice")
        self._specs.append(spec)
        # Literal templates first ("r:z:type" before "r:z:{alias}"), then by length: the first full match wins.
        self._specs.sort(key=lambda s: (len(s.fields), -len(s.template)))
        self._by_class[made] = spec
        return made  # type: ignore[no-any-return]

    def encode(self, obj: T) -> str:
        """The string for a registered object (raises ValueError if a field cannot be carried)."""
        spec = self._by_class.get(type(obj))
        if spec is None:
            raise TypeError(f"{type(obj).__name__} is not a registered {self.what}")
        out = spec.template
        for name, kind, fmt in spec.fields:
            text = _text(getattr(obj, name), kind, fmt)
            if kind == "str" and not re.fullmatch(_VALUE, text):
                raise ValueError(f"{type(obj).__name__}.{name}={text!r} cannot be carried in a {self.what}")
            out = out.replace("{" + name + (":x" if fmt else "") + "}", text, 1)
        if len(out.encode()) > self.limit:
            raise ValueError(f"{self.what} {out!r} is longer than {self.limit} bytes")
        return out

    def decode(self, text: str | None) -> T | None:
        """The object a string stands for; None when it is unknown, malformed or forged."""
        if not isinstance(text, str) or not text or len(text) > self.limit:
            return None
        for spec in self._specs:
            m = spec.regex.fullmatch(text)
            if m is None:
                continue
            values: dict[str, Any] = {}
            for name, kind, fmt in spec.fields:
                raw = m.group(name)
                values[name] = (raw == "1" if kind == "bool" else int(raw, 16 if fmt == "x" else 10)
                                if kind == "int" else raw)
            return spec.cls(**values)  # type: ignore[no-any-return]
        return None

    def registered(self) -> tuple[type[T], ...]:
        return tuple(s.cls for s in self._specs)


PAYLOADS: Codec[Action] = Codec("payload", PAYLOAD_LIMIT)


@dataclass_transform(frozen_default=True)
def action(template: str, role: Role = "option") -> Callable[[A], A]:
    """Class decorator: make a frozen dataclass and register it with its payload template."""
    def wrap(cls: A) -> A:
        made = PAYLOADS.register(cls, template)
        made.role = role  # type: ignore[attr-defined]
        return made
    return wrap


def encode(act: Action) -> str:
    """The payload string for an action (raises ValueError if a field cannot be carried)."""
    return PAYLOADS.encode(act)


def decode(payload: str) -> Action | None:
    """The action a payload stands for; None when it is unknown, malformed or forged."""
    return PAYLOADS.decode(payload)


def registered() -> tuple[type[Action], ...]:
    """Every registered action class (for tests and the command list)."""
    return PAYLOADS.registered()
