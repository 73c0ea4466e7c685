"""Coaching nudges: wall-clock schedules, one scheduler tick over an indexed table, rate-limited delivery."""
