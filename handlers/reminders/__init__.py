"""Coaching nudges (a feature): /reminders, snooze, the weekly check-in and /progress; wall-clock schedules, one
scheduler tick over an indexed table, rate-limited delivery. Owns its tables (migrations/) and its service."""
from __future__ import annotations

from handlers.reminders.commands import FEATURE

__all__ = ["FEATURE"]
