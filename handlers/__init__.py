"""What the bot does, written once for every platform: one module per feature, each with `register(router)`."""
from __future__ import annotations

import importlib

from bot.router import Router

# Registration order is also the order of event subscribers (the plan is sent before reminders are set up).
MODULES = ("handlers.questionnaire", "handlers.plan", "handlers.commands", "handlers.privacy", "handlers.language",
           "handlers.admin", "handlers.reminders", "handlers.calendar", "handlers.ideas", "handlers.check",
           "handlers.pictures", "handlers.formal")
# The command menu (/help and the platforms' menus), in this order.
MENU = ("start", "plan", "card", "edit", "back", "skip", "calendar", "idea", "check", "reminders", "progress",
        "language", "formal", "cancel", "reset", "export", "delete", "help")


def register(router: Router) -> None:
    """Register every feature, then put the command menu in its order."""
    for name in MODULES:
        importlib.import_module(name).register(router)
    if sorted(MENU) != sorted(router.menu):
        raise ValueError(f"the menu {MENU} does not match the registered menu commands {sorted(router.menu)}")
    router.menu = list(MENU)


def build_router() -> Router:
    """A router with every feature registered."""
    router = Router()
    register(router)
    return router
