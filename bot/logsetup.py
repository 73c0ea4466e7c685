"""The log's format: text lines (the default), or JSON lines (`--log-format json`, BRANDCOACH_LOG_FORMAT=json): one
JSON object per line on stderr, for log collectors that parse fields instead of text.

A log record becomes {"time", "level", "logger", "message"} plus "exception" (the whole traceback as one string)
and "stack" when the record has them. Everything else the process writes to stderr (the one-line `brandcoach: ...`
reports, and what the masking hooks of bot/redact.py print for uncaught exceptions and warnings) goes through
`JsonStderr`, which turns each write into one such object too, so a collector never meets a bare traceback line.
Masking is bot/redact.py's: the redacting filter has already rewritten the message and the exception text before a
record is formatted; every field is masked again here (given secrets and every channel's secret shapes), the stack
and the stderr writes included, so the JSON form can only hold less than the text form.
"""
from __future__ import annotations

import atexit
import io
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from bot import redact

FORMATS = ("text", "json")


def _stamp(created: float) -> str:
    """ISO 8601 in UTC with milliseconds (what collectors parse without a format string)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


def line(fields: dict[str, Any], secrets: Iterable[str] = ()) -> str:
    """One JSON object on one line (newlines inside strings are escaped), string fields masked."""
    masked = {k: redact.redact(v, secrets) if isinstance(v, str) else v for k, v in fields.items()}
    return json.dumps(masked, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {"time": _stamp(record.created), "level": record.levelname, "logger": record.name,
                                  "message": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exception"] = record.exc_text
        if record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return line(fields, self.secrets)


class JsonStderr(io.TextIOBase):
    """Stands in for sys.stderr: each write that ends a line (print's text and its newline, a hook's whole
    traceback) becomes one JSON object on the real stderr: a traceback as "exception" under its last line."""

    def __init__(self, stream: TextIO, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.stream = stream
        self.secrets: tuple[str, ...] = tuple(s for s in secrets if s)
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        if self._pending.endswith("\n"):
            self._emit()
        return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def fileno(self) -> int:
        return self.stream.fileno()

    def close_pending(self) -> None:
        """Emit a last write that ended without a newline (at exit)."""
        if self._pending.strip():
            self._emit()

    def _emit(self) -> None:
        chunk, self._pending = self._pending.strip("\n"), ""
        if not chunk.strip():
            return
        fields: dict[str, Any] = {"time": _stamp(time.time()), "level": "INFO", "logger": "brandcoach.stderr"}
        if "Traceback (most recent call last)" in chunk:
            lines = chunk.splitlines()
            fields.update(level="ERROR", message=lines[-1], exception=chunk)
        elif "Warning: " in chunk:
            fields.update(level="WARNING", message=chunk)
        else:
            fields["message"] = chunk
        try:
            self.stream.write(line(fields, self.secrets) + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


def chosen(option: str | None, env: str | None) -> str:
    """The log format: the command line's, else BRANDCOACH_LOG_FORMAT's, else text; ValueError if unknown."""
    value = (option or env or "text").strip().lower()
    if value not in FORMATS:
        raise ValueError(f"BRANDCOACH_LOG_FORMAT must be text or json, got {value[:20]!r}")
    return value


def configure(option: str | None, level: int, env: str | None = None) -> None:
    """Set up the root logger in the chosen format (`option`: --log-format, else BRANDCOACH_LOG_FORMAT, else text);
    ValueError (one line) for a format that is neither."""
    if chosen(option, os.environ.get("BRANDCOACH_LOG_FORMAT") if env is None else env) == "json":
        setup(level)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def setup(level: int) -> None:
    """JSON lines on stderr: the root logger's handler, and sys.stderr for everything else written there."""
    real = sys.stderr.stream if isinstance(sys.stderr, JsonStderr) else sys.stderr  # set up twice: wrapped once
    handler = logging.StreamHandler(real)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    wrapper = JsonStderr(real)
    sys.stderr = wrapper  # type: ignore[assignment]
    atexit.register(wrapper.close_pending)


def mask(secrets: Iterable[str]) -> None:
    """Give the JSON output the configured secrets (known once the configuration is read, after setup)."""
    values = tuple(s for s in secrets if s)
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, JsonFormatter):
            handler.formatter.secrets = values
    if isinstance(sys.stderr, JsonStderr):
        sys.stderr.secrets = values
