"""Keeps secrets out of every output: a logging filter, and hooks for uncaught exceptions and warnings."""
from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
import warnings
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO

from bot.channels import secret_shapes

MASK = "[secret]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the given secrets and anything shaped like a channel's secret (its bot tokens: bot/adapters/registry.py),
    whoever's they are."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    for shape in secret_shapes():
        text = shape.sub(MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        record.msg, record.args = redact(message, self.secrets), None
        return True


def install(secrets: Iterable[str] = ()) -> RedactingFilter:
    """Attach the filter to every root handler; quiet the HTTP client loggers that print URLs with tokens."""
    filt = RedactingFilter(secrets)
    root = logging.getLogger()
    for handler in root.handlers:
        handler.addFilter(filt)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return filt


class Hooks:
    """Uncaught exceptions (main thread, threads, unraisable, asyncio) and warnings, printed with secrets masked."""

    def __init__(self, secrets: Iterable[str] = (), stream: TextIO | None = None) -> None:
        self.secrets = tuple(s for s in secrets if s)
        self.stream = stream

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        try:
            stream.write(redact(text, self.secrets))
            stream.flush()
        except (OSError, ValueError):
            pass

    def excepthook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """sys.excepthook: the traceback as Python prints it, masked."""
        self._write("".join(traceback.format_exception(kind, exc, tb)))

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """threading.excepthook."""
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        self._write(f"Exception in thread {name}:\n"
                    + "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))

    def unraisablehook(self, unraisable: Any) -> None:
        """sys.unraisablehook ("Exception ignored in ...")."""
        head = f"{unraisable.err_msg or 'Exception ignored in'}: {unraisable.object!r}\n"
        body = "".join(traceback.format_exception(unraisable.exc_type, unraisable.exc_value,
                                                  unraisable.exc_traceback)) if unraisable.exc_type else ""
        self._write(head + body)

    def showwarning(self, message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    file: TextIO | None = None, line: str | None = None) -> None:
        """warnings.showwarning."""
        text = redact(warnings.formatwarning(message, category, filename, lineno, line), self.secrets)
        try:
            (file or self.stream or sys.stderr).write(text)
        except (OSError, ValueError):
            pass

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio loop exception handler: the default report, masked."""
        message = str(context.get("message") or "Unhandled exception in event loop")
        lines = [message] + [f"{key}: {value!r}" for key, value in context.items()
                             if key not in ("message", "exception")]
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            lines.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip())
        self._write("\n".join(lines) + "\n")


_hooks: Hooks | None = None


def install_hooks(secrets: Iterable[str] = (), stream: TextIO | None = None) -> Hooks:
    """Replace sys/threading/unraisable excepthooks and warnings.showwarning with masking ones."""
    global _hooks
    _hooks = Hooks(secrets, stream)
    sys.excepthook = _hooks.excepthook
    threading.excepthook = _hooks.threading_excepthook
    sys.unraisablehook = _hooks.unraisablehook
    warnings.showwarning = _hooks.showwarning
    return _hooks


def watch_loop(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Give the (running) event loop the masking exception handler, if the hooks are installed."""
    if _hooks is not None:
        (loop or asyncio.get_running_loop()).set_exception_handler(_hooks.loop_handler)
