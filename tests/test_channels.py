"""A new channel is one registry entry: the engine serves whatever bot/adapters/registry.py lists, through
bot/channels.py, without naming it. These tests register a made-up channel and follow it through the engine."""
from __future__ import annotations

import asyncio
import importlib
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot import channels, redact
from bot.app import EXIT_CONFIG, StartupError, _assemble, classify
from bot.backends import open_storage
from bot.channels import Channel, ConfigError, Limit
from bot.cli import no_platform_message
from bot.config import Config, from_env
from bot.core import Core
from bot.ratelimit import is_group, limits_for
from bot.storage import Storage, migrations

TOKEN = "EXA-" + "5f" * 16


class Rejected(Exception):
    """What the made-up platform's library raises for a wrong token."""


class Unreachable(Exception):
    """... and when its servers cannot be reached."""


@dataclass(frozen=True)
class ExampleSettings:
    token: str | None = field(default=None, repr=False)
    port: int = 9000
    fast: bool = False  # pays for faster unprompted sends

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ExampleSettings:
        port = (env.get("EXAMPLE_PORT") or "9000").strip()
        if not port.isdigit():
            raise ConfigError(f"EXAMPLE_PORT must be a port number, got {port[:20]!r}")
        return cls(env.get("EXAMPLE_TOKEN") or None, int(port), env.get("EXAMPLE_FAST") == "1")


class ExampleAdapter:
    platform = "example"

    def __init__(self, core: Core, config: Config) -> None:
        self.core, self.config = core, config
        self.connected = False
        self.stopped = asyncio.Event()

    async def connect(self) -> None:
        self.connected = True

    async def listen(self) -> None:
        await self.stopped.wait()

    async def send(self, user_id: str, messages: list[Any], skip: int = 0) -> None:
        pass

    async def disconnect(self) -> None:
        self.stopped.set()


def _classify(exc: BaseException) -> tuple[channels.Verdict, str] | None:
    if isinstance(exc, Rejected):
        return "rejected", ""
    if isinstance(exc, Unreachable):
        return "retry", "could not be reached (its servers)"
    return None


ENTRY = Channel("example", "Example", ExampleAdapter, ExampleSettings, ("EXAMPLE_TOKEN", "EXAMPLE_PORT"),
                token="EXAMPLE_TOKEN", secrets=("token",), shapes=(r"\bEXA-[0-9a-f]{32}\b",),
                enabled=lambda s: bool(s.token), limit=Limit(7, 1.0, chat_burst=2, chat_window=2.0),
                paid_limit=Limit(70, 1.0, reserve=10, reply_per_window=7), paid=lambda s: s.fast,
                is_group=lambda chat: chat.startswith("g"), classify=_classify,
                describe=lambda adapter: f"serving Example on port {adapter.config.example_port}",
                words=("examplechat",))


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Iterator[Channel]:
    """The registry with one more entry, and nothing else changed."""
    registry = importlib.import_module(channels.REGISTRY)
    monkeypatch.setattr(registry, "CHANNELS", (*registry.CHANNELS, ENTRY))
    channels.forget()
    yield ENTRY
    channels.forget()


def test_its_settings_come_from_its_variables(example: Channel) -> None:
    config = from_env({"EXAMPLE_TOKEN": TOKEN, "EXAMPLE_PORT": "9100"})
    assert config.channels["example"] == ExampleSettings(TOKEN, 9100)
    assert config.example_port == 9100 and config.example_token == TOKEN  # <channel>_<setting>, as the variables
    assert config.has_platform and TOKEN in config.secrets
    assert Config(example_port=1).example_port == 1 and not Config(example_port=1).has_platform
    assert not from_env({}).has_platform
    with pytest.raises(ConfigError, match="EXAMPLE_PORT"):
        from_env({"EXAMPLE_PORT": "ninety"})
    with pytest.raises(TypeError):
        Config(example_colour="blue")  # a setting it does not have


def test_its_secrets_are_masked_by_shape(example: Channel) -> None:
    assert redact.redact(f"login with {TOKEN} failed") == f"login with {redact.MASK} failed"
    assert TOKEN not in repr(from_env({"EXAMPLE_TOKEN": TOKEN}))


def test_its_limits_and_groups_are_kept(example: Channel) -> None:
    limits = limits_for(from_env({}))
    assert limits["example"] == Limit(7, 1.0, chat_burst=2, chat_window=2.0)
    assert not from_env({}).paid_broadcast
    paying = from_env({"EXAMPLE_FAST": "1"})
    assert paying.paid_broadcast and limits_for(paying)["example"] == Limit(70, 1.0, reserve=10, reply_per_window=7)
    assert is_group("example", "g-42") and not is_group("example", "42")


def test_an_unregistered_platform_fails_to_start_without_a_verdict() -> None:
    channels.forget()
    assert classify("example", Rejected("no")) == (False, "example failed to start (Rejected)")
    assert classify("example", ConnectionResetError()) == (True, "example could not be reached (ConnectionResetError)")


def test_its_start_errors_are_classified_by_its_entry(example: Channel) -> None:
    with pytest.raises(StartupError) as rejected:
        classify("example", Rejected("bad token"))
    assert rejected.value.code == EXIT_CONFIG
    assert str(rejected.value) == "EXAMPLE_TOKEN was rejected by Example: check the token (nothing else to do)"
    assert classify("example", Unreachable()) == (True, "Example could not be reached (its servers)")
    assert classify("example", ConnectionResetError()) == (True, "Example could not be reached (ConnectionResetError)")
    assert classify("example", KeyError("x")) == (False, "Example failed to start (KeyError)")


def test_the_no_token_message_names_it(example: Channel) -> None:
    message = no_platform_message()
    assert "EXAMPLE_TOKEN" in message and "'Run on Example'" in message


def test_its_words_carry_no_language(example: Channel) -> None:
    assert "examplechat" in channels.chat_words()


async def test_run_serves_it_when_its_token_is_set(example: Channel, tmp_path: Path) -> None:
    config = from_env({"EXAMPLE_TOKEN": TOKEN, "EXAMPLE_PORT": "9100", "BRANDCOACH_DB": str(tmp_path / "b.db")})
    core = Core(open_storage(config.db_path))
    await core.start()
    app = _assemble(core, config, console=False)
    said: list[str] = []
    app.report = said.append
    assert [a.platform for a in app.adapters] == ["example"]  # no other channel's token is set
    try:
        await app.start()
        assert app.adapters[0].connected and said == ["serving Example on port 9100"]
    finally:
        await app.stop()


# -- the pre-inbox de-dup table, renamed by the channel that made it ------------------------------------------------
def test_an_old_database_keeps_its_update_marks(tmp_path: Path) -> None:
    """A database from before the inbox (version 11, its old table holding a user's last update) upgrades in
    place: the engine reads the marks under their new name, so a redelivery of an old update is still dropped."""
    path = str(tmp_path / "old.db")
    db = sqlite3.connect(path)
    old = [(n, sql) for n, _, sql in migrations() if n <= 11]
    assert 3 in dict(old)  # the channel's migration that made the old table
    for number, sql in old:
        db.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={number};\nCOMMIT;")
    old_table = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if name.endswith("_updates")]
    assert len(old_table) == 1
    db.execute("INSERT INTO users (id, platform, platform_user_id, created_at, updated_at)"
               " VALUES (1, 'p', '7', 'x', 'x')")
    db.execute(f"INSERT INTO {old_table[0]} (user_id, last_update_id, taken_at) VALUES (1, 500, 1000)")
    db.commit()
    db.close()

    async def reopen() -> tuple[bool, bool, bool, list[str]]:
        storage = Storage(path)
        await storage.open()
        try:
            names = [r[0] for r in await storage.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]
            now = int(storage.clock.now().timestamp())
            window = now - 1000 + 60
            return (storage.legacy_marks, await storage.legacy_taken(1, 500, window),
                    await storage.legacy_taken(1, 501, window), names)
        finally:
            await storage.close()

    marks, taken, newer, names = asyncio.run(reopen())
    assert marks and taken and not newer
    assert "update_marks" in names and old_table[0] not in names


def test_every_channel_variable_is_documented() -> None:
    """The README's configuration tables list every variable a registered channel reads."""
    channels.forget()
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [v for c in channels.platforms() for v in (*c.variables, c.token) if f"`{v}`" not in readme]
    assert missing == []
    assert all(c.token in c.variables for c in channels.platforms())  # the variable that turns it on is read
