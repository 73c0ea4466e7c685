"""python-telegram-bot, imported without the optional libraries brandcoach never uses (they cost memory).

PTB imports `cryptography` when it is installed, only to decrypt Telegram Passport data (~7 MB resident), and
httpx imports its command-line tool (click, pygments, rich: ~1.5 MB). Import this module before `telegram`
(bot/adapters/telegram.py does): PTB then runs as if they were absent, which it supports. Other code may still
import them later; nothing is hidden after this import.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

UNUSED = ("cryptography", "httpx._main")


@contextmanager
def hidden(*modules: str) -> Iterator[None]:
    """Imports inside the block find these modules missing (unless they are imported already)."""
    hide = [m for m in modules if m not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        yield
    finally:
        for name in hide:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


with hidden(*UNUSED):
    import telegram  # noqa: F401
    import telegram.ext  # noqa: F401
