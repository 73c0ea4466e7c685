"""Loads the features (by package name, so the engine imports none) into one router."""
from __future__ import annotations

import importlib

from bot.router import Router

DEFAULT_FEATURES = ("handlers",)


def load_features(packages: tuple[str, ...] = DEFAULT_FEATURES) -> Router:
    """A router with every feature of the given packages registered (each package has `register(router)`)."""
    router = Router()
    for name in packages:
        importlib.import_module(name).register(router)
    return router
