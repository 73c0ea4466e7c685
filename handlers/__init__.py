"""What the bot does per command or answer, written once for every platform."""
from __future__ import annotations

from bot.router import Router

# Modules with a register(router) function; a new feature adds its module here.
MODULES = ("handlers.questionnaire", "handlers.plan", "handlers.commands", "handlers.privacy", "handlers.language",
           "handlers.admin", "handlers.reminders")


def build_router() -> Router:
    import importlib

    router = Router()
    for name in MODULES:
        importlib.import_module(name).register(router)
    return router
