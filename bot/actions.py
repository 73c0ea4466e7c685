"""Typed button payloads: dataclasses with one codec (after discord.py's DynamicItem templates).

A feature declares an action as a frozen dataclass with a template such as ``"a:{step}:{option}"``; the codec
turns it into the short string a platform carries (Telegram's callback data, Discord's custom id, the console's
numbered choice) and back. Adapters never parse payloads: they hand the string back to the core, which decodes
it here. Anything that matches no template, or a field that does not fit its type, decodes to None.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar, dataclass_transform

Role = Literal["option", "toggle", "submit", "navigation", "danger", "link"]
PAYLOAD_LIMIT = 64  # Telegram's callback data limit (bytes); Discord allows 100 characters
_FIELD = re.compile(r"\{(\w+)(?::(x))?\}")
_VALUE = r"[\w.+-]{1,48}"
_HEX = r"[0-9a-f]{1,16}"


class Action:
    """Base of every button payload; subclasses are frozen dataclasses registered with @action."""

    template: ClassVar[str] = ""
    role: ClassVar[Role] = "option"


A = TypeVar("A", bound=type)


@dataclasses.dataclass(frozen=True)
class _Spec:
    cls: type[Action]
    regex: re.Pattern[str]
    fields: tuple[tuple[str, str, str], ...]  # (name, python type, format)


_SPECS: list[_Spec] = []
_BY_CLASS: dict[type, _Spec] = {}


def _compile(cls: type[Action], template: str) -> _Spec:
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
    return _Spec(cls, re.compile("".join(parts)), tuple(fields))


@dataclass_transform(frozen_default=True)
def action(template: str, role: Role = "option") -> Callable[[A], A]:
    """Class decorator: make a frozen dataclass and register it with its payload template."""
    def wrap(cls: A) -> A:
        made: Any = dataclasses.dataclass(frozen=True)(cls)
        made.template, made.role = template, role
        spec = _compile(made, template)
        if any(s.cls.template == template for s in _SPECS):
            raise ValueError(f"payload template {template!r} is registered twice")
        _SPECS.append(spec)
        # Literal templates first ("r:z:type" before "r:z:{alias}"), then by length: the first full match wins.
        _SPECS.sort(key=lambda s: (len(s.fields), -len(s.cls.template)))
        _BY_CLASS[made] = spec
        return made  # type: ignore[no-any-return]
    return wrap


def _text(value: Any, kind: str, fmt: str) -> str:
    if kind == "bool":
        return "1" if value else "0"
    if fmt == "x":
        return format(int(value), "x")
    return str(value)


def encode(act: Action) -> str:
    """The payload string for an action (raises ValueError if a field cannot be carried)."""
    spec = _BY_CLASS.get(type(act))
    if spec is None:
        raise TypeError(f"{type(act).__name__} is not a registered action")
    out = spec.cls.template
    for name, kind, fmt in spec.fields:
        text = _text(getattr(act, name), kind, fmt)
        if kind == "str" and not re.fullmatch(_VALUE, text):
            raise ValueError(f"{type(act).__name__}.{name}={text!r} cannot be carried in a payload")
        out = out.replace("{" + name + (":x" if fmt else "") + "}", text, 1)
    if len(out.encode()) > PAYLOAD_LIMIT:
        raise ValueError(f"payload {out!r} is longer than {PAYLOAD_LIMIT} bytes")
    return out


def decode(payload: str) -> Action | None:
    """The action a payload stands for; None when it is unknown, malformed or forged."""
    if not isinstance(payload, str) or not payload or len(payload) > PAYLOAD_LIMIT:
        return None
    for spec in _SPECS:
        m = spec.regex.fullmatch(payload)
        if m is None:
            continue
        values: dict[str, Any] = {}
        for name, kind, fmt in spec.fields:
            raw = m.group(name)
            values[name] = (raw == "1" if kind == "bool" else int(raw, 16 if fmt == "x" else 10) if kind == "int"
                            else raw)
        return spec.cls(**values)
    return None


def registered() -> tuple[type[Action], ...]:
    """Every registered action class (for tests and the command list)."""
    return tuple(s.cls for s in _SPECS)
