"""What the bot does, written once for every platform: one module per feature, each declaring a `FEATURE`
(bot/features.Feature), or (not converted yet) a `register(router)` the adapter shim wraps."""
from __future__ import annotations

import importlib

from bot.features import Feature, add
from bot.router import Router

# The order here is only the order routes are added in: event subscribers and contributions run in their features'
# declared groups (the plan, 10, is sent before reminders, 20, are set up), whatever this order.
MODULES = ("handlers.questionnaire", "handlers.plan", "handlers.commands", "handlers.privacy", "handlers.language",
           "handlers.admin", "handlers.reminders", "handlers.calendar", "handlers.ideas", "handlers.check",
           "handlers.pictures.feature", "handlers.formal")
# The command menu (/help and the platforms' menus), in this order.
MENU = ("start", "plan", "card", "edit", "back", "skip", "calendar", "idea", "check", "reminders", "progress",
        "language", "formal", "cancel", "reset", "export", "delete", "help")


def features(modules: tuple[str, ...] = MODULES) -> list[Feature]:
    """Every feature: its module's declared FEATURE, or its register() through the adapter shim."""
    out = []
    for name in modules:
        module = importlib.import_module(name)
        found = getattr(module, "FEATURE", None)
        out.append(found if isinstance(found, Feature) else Feature.adapter(name.rsplit(".", 1)[-1], module.register))
    return out


def register(router: Router, modules: tuple[str, ...] = MODULES) -> None:
    """Register every feature, check that what is subscribed and contributed to is declared, then put the command
    menu in its order."""
    for feature in features(modules):
        add(router, feature)
    router.check()
    if sorted(MENU) != sorted(router.menu):
        raise ValueError(f"the menu {MENU} does not match the registered menu commands {sorted(router.menu)}")
    router.menu = list(MENU)


def build_router(modules: tuple[str, ...] = MODULES) -> Router:
    """A router with every feature registered (`modules` in another order: the same router)."""
    router = Router()
    register(router, modules)
    return router
