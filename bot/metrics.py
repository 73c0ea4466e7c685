"""Prometheus metrics of one process (served on /metrics by bot/health.py when BRANDCOACH_METRICS_PORT is set).

Off by default: until `enable()` runs, every record function here returns at once and prometheus-client is not
even imported (it is imported by enable(), so a bot without metrics never loads it). The engine calls these at the
few places that matter: the core's handling of an update, the limiter's slot around every send (its outcome, and a
platform's "too many requests" answer), and the features' own (the reminders' dispatcher: nudge backlog and
lateness). Labels are platform names and outcomes only: never a user, a chat, a phone number or a token.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Handling one update: mostly milliseconds; a plan with its pictures, or a slow database, seconds.
UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A nudge's delay after its scheduled time: seconds in a steady state (the tick), hours after downtime (grace).
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0)


class _Metrics:
    """The registry and its metrics (one per process)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        r = self.registry = CollectorRegistry()
        # Counter names get their _total suffix from prometheus-client.
        self.updates = Counter("brandcoach_updates", "Platform updates handled (messages, taps, commands)",
                               ["platform"], registry=r)
        self.replies = Counter("brandcoach_replies", "Reply messages the handlers produced", registry=r)
        self.sends = Counter("brandcoach_sends", "Requests that post or edit a message, by outcome "
                             "(ok, rate_limited: the platform answered 429, error)", ["platform", "outcome"],
                             registry=r)
        self.rate_limited = Counter("brandcoach_rate_limited", "Too Many Requests (429) answers from the platform",
                                    ["platform"], registry=r)
        self.handler_errors = Counter("brandcoach_handler_errors",
                                      "Updates whose handler failed (the user got an apology)", registry=r)
        self.update_seconds = Histogram("brandcoach_update_seconds", "Time to handle one update, its sending "
                                        "not included", buckets=UPDATE_BUCKETS, registry=r)
        self.in_progress = Gauge("brandcoach_updates_in_progress",
                                 "Updates in this process being handled or waiting for their chat's turn", registry=r)
        self.inbox_waiting = Gauge("brandcoach_inbox_waiting", "Updates accepted into the inbox and not handled yet "
                                   "(every worker's), read at the scrape", registry=r)
        self.follow_ups = Gauge("brandcoach_follow_ups_running", "What handlers finish after their answer (the plan's "
                                "pictures) still running, read at the scrape", registry=r)
        self.nudge_backlog = Gauge("brandcoach_nudge_backlog", "Nudges due and not sent, at the last tick's start",
                                   registry=r)
        self.nudge_lateness = Histogram("brandcoach_nudge_lateness_seconds", "How long after its scheduled time a "
                                        "nudge was sent", buckets=LATENESS_BUCKETS, registry=r)
        self.loop_lag = Gauge("brandcoach_event_loop_lag_seconds", "How late the last heartbeat ran (a busy or "
                              "blocked event loop)", registry=r)
        self.ready = Gauge("brandcoach_ready", "1 when /readyz answers 200 (at the last check)", registry=r)


_m: _Metrics | None = None


def enable() -> Any:
    """Turn metrics on for this process (idempotent); returns the registry to serve."""
    global _m
    if _m is None:
        _m = _Metrics()
    return _m.registry


def disable() -> None:
    """Back to no-ops (tests)."""
    global _m
    _m = None


def enabled() -> bool:
    return _m is not None


def render() -> tuple[bytes, str]:
    """The text exposition of every metric, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    if _m is None:
        raise RuntimeError("metrics are off")
    return generate_latest(_m.registry), CONTENT_TYPE_LATEST


# -- what the engine and the features record ------------------------------------------------------------------

def handling(fn: Callable[P, Awaitable[list[T]]]) -> Callable[P, Awaitable[list[T]]]:
    """Decorates the core's handling of one inbound (first argument after self): counts it per platform, times it,
    counts the replies it returned."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> list[T]:
        m = _m
        if m is None:
            return await fn(*args, **kwargs)
        started = time.perf_counter()
        out = await fn(*args, **kwargs)
        m.update_seconds.observe(time.perf_counter() - started)
        inbound = args[1] if len(args) > 1 else kwargs.get("inbound")
        m.updates.labels(str(getattr(getattr(inbound, "user", None), "platform", "?"))).inc()
        m.replies.inc(len(out))
        return out

    return wrapper


def in_progress(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorates the core's entry for an update: the gauge of updates in progress or waiting for their turn."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        m = _m
        if m is None:
            return await fn(*args, **kwargs)
        m.in_progress.inc()
        try:
            return await fn(*args, **kwargs)
        finally:
            m.in_progress.dec()

    return wrapper


def handler_error() -> None:
    if _m is not None:
        _m.handler_errors.inc()


def told_to_wait(exc: BaseException) -> bool:
    """Whether a failed request was the platform's "too many requests" (a 429: the exception carries a retry_after,
    as the platforms' client libraries' flood-control errors do, or a status of 429)."""
    if getattr(type(exc), "retry_after", None) is not None or "retry_after" in getattr(exc, "__dict__", {}):
        return True  # looked up without reading it (a library may warn about how it is read)
    return getattr(exc, "status", None) == 429


@contextmanager
def sending(platform: str) -> Iterator[None]:
    """Around one request that posts or edits a message: counts its outcome (and a 429 as rate limited)."""
    m = _m
    if m is None:
        yield
        return
    try:
        yield
    except Exception as exc:  # a cancelled send (shutdown) is no outcome
        if told_to_wait(exc):
            m.sends.labels(platform, "rate_limited").inc()
            m.rate_limited.labels(platform).inc()
        else:
            m.sends.labels(platform, "error").inc()
        raise
    m.sends.labels(platform, "ok").inc()


def nudge_sent(lateness: float) -> None:
    if _m is not None:
        _m.nudge_lateness.observe(max(0.0, lateness))


def nudge_backlog(count: int) -> None:
    if _m is not None:
        _m.nudge_backlog.set(count)


def inbox_waiting(count: int) -> None:
    if _m is not None:
        _m.inbox_waiting.set(count)


def follow_ups(count: int) -> None:
    if _m is not None:
        _m.follow_ups.set(count)


def loop_lag(seconds: float) -> None:
    if _m is not None:
        _m.loop_lag.set(max(0.0, seconds))


def ready(ok: bool) -> None:
    if _m is not None:
        _m.ready.set(1 if ok else 0)
