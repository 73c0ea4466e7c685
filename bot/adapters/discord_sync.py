"""Slash command sync on demand and at first start: the command set's hash, kept in a small file beside the DB.

The file (`<database>.discord-commands.json`) maps "<application id>:<guild id or global>" to the hash of the
payload last synced there, and lists the guilds that got development copies. Not in adapter memory: it must
survive restarts; not in the database: the adapter does not touch storage, and the file can be deleted freely
(the next start then syncs once more). A global sync clears the development copies of those guilds, so that a
server never shows each command twice.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger("bot.adapters.discord")
SUFFIX = ".discord-commands.json"


def sync_state_path(db_path: str | None) -> str | None:
    """Where the sync state lives (None for an in-memory database: always sync)."""
    return None if db_path is None else db_path + SUFFIX


def load_state(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_state(path: str | None, state: dict[str, Any]) -> None:
    if path is None:
        return
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh, sort_keys=True, indent=1)
        os.replace(tmp, path)
    except OSError:
        log.warning("could not record the slash command sync (the next start syncs again)")
        with contextlib.suppress(OSError):
            os.remove(tmp)


async def command_hash(tree: app_commands.CommandTree[Any]) -> str:
    """A hash of exactly what a sync would send (names, descriptions, options, every translation)."""
    translator = tree.translator
    payload = [await c.get_translated_payload(tree, translator) if translator else c.to_dict(tree)
               for c in tree.get_commands()]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


async def sync(tree: app_commands.CommandTree[Any], guild_id: int | None, path: str | None, *,
               force: bool = True) -> list[app_commands.AppCommand] | None:
    """Sync to one guild (instant, for development) or globally, unless unchanged since the last sync (not forced).

    Returns the synced commands, or None when nothing needed syncing.
    """
    state = load_state(path)
    app = tree.client.application_id
    digest = await command_hash(tree)
    scope = f"{app}:{guild_id or 'global'}"
    if not force and state.get(scope) == digest:
        log.info("slash commands unchanged since the last sync: not syncing")
        return None
    guilds_key = f"{app}:guilds"
    guilds = [g for g in state.get(guilds_key, []) if isinstance(g, int)]
    if guild_id:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
        guilds = sorted(set(guilds) | {guild_id})
        log.info("synced %d slash commands to guild %s", len(synced), guild_id)
    else:
        synced = await tree.sync()
        for stale in guilds:  # development copies would show every command twice in those servers
            tree.clear_commands(guild=discord.Object(id=stale))
            await tree.sync(guild=discord.Object(id=stale))
            state.pop(f"{app}:{stale}", None)
            log.info("cleared the development copies of the slash commands in guild %s", stale)
        guilds = []
        log.info("synced %d global slash commands", len(synced))
    state[scope] = digest
    state[guilds_key] = guilds
    save_state(path, state)
    return synced
