"""brandcoach: a chat coach for personal branding on social media."""
from __future__ import annotations

__version__ = "0.1.0"
