"""Runs every registered content check: imports the feature packages (so their checks register), then the
catalog check across languages. Kept apart from bot.schema so that the schema imports neither catalogs nor content.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from bot import channels
from bot.features import DEFAULT_FEATURES
from bot.schema import ContentError, Issue, cross_language_issues, registered, variant_issues


def import_features(packages: Iterable[str]) -> None:
    """Import each named module and, for a package, its submodules, so their checks register."""
    for name in packages:
        module = importlib.import_module(name)
        for info in pkgutil.iter_modules(getattr(module, "__path__", []), prefix=f"{name}."):
            importlib.import_module(info.name)


def _catalog_check() -> list[Issue]:
    from bot.i18n import base_language, catalog_entries_by_language, variant_tags

    catalogs = catalog_entries_by_language()
    out = cross_language_issues(catalogs)
    for tag, entries in catalog_entries_by_language(variant_tags()).items():  # e.g. locales/id-formal/
        out += variant_issues(tag, entries, catalogs[base_language(tag)])
    return out


def run_checks(packages: Iterable[str] = DEFAULT_FEATURES) -> list[Issue]:
    """Import the feature packages, run every registered check (and the catalog check), return all issues."""
    import_features(packages)
    channels.all_channels()  # the channels' modules register the checks of their own content too
    out: list[Issue] = []
    for name, fn in {"catalog": _catalog_check, **registered()}.items():
        try:
            out.extend(fn())
        except ContentError as exc:
            out.extend(exc.issues)
        except Exception as exc:  # noqa: BLE001  a crashing check is a problem to report, not a traceback
            out.append(Issue(f"<check {name}>", 0, "", f"crashed: {type(exc).__name__}: {exc}"))
    return sorted(set(out))
