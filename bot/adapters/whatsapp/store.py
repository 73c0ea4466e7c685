"""The channel's rows (bot/migrations/0020_whatsapp.sql): each user's last message time (the 24-hour window), the
nudges held for them, and WhatsApp's delivery facts. Every row names the user by the engine's user id, so /export
includes it and /delete removes it with the user (ON DELETE CASCADE)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bot.actions import decode
from bot.types import Choice, Outbound

if TYPE_CHECKING:
    from bot.storage import Storage


@dataclass(frozen=True)
class Held:
    """A nudge's message kept for the user's next message: its text and buttons (payload, label, ticked)."""

    text: str
    key: str = ""
    kind: str = "nudge"
    lang: str = "id"
    source: str = ""
    expects: str = ""
    multi: bool = False
    choices: tuple[tuple[str, str, bool], ...] = ()

    @classmethod
    def of(cls, message: Outbound) -> Held:
        return cls(message.text, message.key, message.kind, message.lang, message.source, message.expects,
                   message.multi, tuple((c.value, c.label, c.selected) for c in message.choices))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Held:
        data: dict[str, Any] = json.loads(text)
        data["choices"] = tuple((str(v), str(lb), bool(s)) for v, lb, s in data.get("choices") or [])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def outbound(self) -> Outbound:
        """The message again (a button whose action no longer decodes is left out)."""
        choices = []
        for value, label, selected in self.choices:
            act = decode(value)
            if act is not None:
                choices.append(Choice(act, label, selected))
        return Outbound(self.text, key=self.key, choices=tuple(choices), private=True, kind=self.kind,  # type: ignore[arg-type]
                        lang=self.lang, source=self.source, expects=self.expects, multi=self.multi)


def held_kind(message: Outbound) -> str:
    """A nudge's kind from its catalog key (nudge.<kind>.<variant>), else what the message is."""
    parts = message.key.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "nudge" else message.kind


class Store:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def user_id(self, wa_id: str) -> int | None:
        user = await self.storage.find_user("whatsapp", wa_id)
        return user.id if user is not None else None

    async def touch(self, user_id: int, at: int) -> None:
        """The user wrote at `at`: their window runs 24 hours from the latest such time."""
        await self.storage.write((
            "INSERT INTO whatsapp_window (user_id, last_inbound) VALUES (?, ?) ON CONFLICT (user_id) "
            "DO UPDATE SET last_inbound = CASE WHEN excluded.last_inbound > whatsapp_window.last_inbound "
            "THEN excluded.last_inbound ELSE whatsapp_window.last_inbound END", (user_id, at)))

    async def last_inbound(self, user_id: int) -> int | None:
        row = await self.storage.fetch_one("SELECT last_inbound FROM whatsapp_window WHERE user_id = ?", (user_id,))
        return int(row[0]) if row is not None else None

    async def hold(self, user_id: int, message: Outbound, at: int) -> None:
        """Keep the message for the user's next message, in place of an older one of the same kind (one held
        earlier: the parts of one nudge, held at the same `at`, are all kept) and of the same message held twice
        (a late refusal's status and the send's record may both hold it)."""
        kind, text = held_kind(message), Held.of(message).to_json()
        await self.storage.write(("DELETE FROM whatsapp_held WHERE user_id = ? AND kind = ? "
                                  "AND (held_at < ? OR message = ?)", (user_id, kind, at, text)),
                                 ("INSERT INTO whatsapp_held (user_id, kind, message, held_at) VALUES (?, ?, ?, ?)",
                                  (user_id, kind, text, at)))

    async def take_held(self, user_id: int) -> list[Outbound]:
        """The user's held nudges, oldest first, removed as they are taken (a crash before their send loses them
        rather than ever sending one twice)."""
        rows = await self.storage.fetch_all("SELECT id, message FROM whatsapp_held WHERE user_id = ? ORDER BY id",
                                            (user_id,))
        if not rows:
            return []
        await self.storage.write(*[("DELETE FROM whatsapp_held WHERE id = ?", (row[0],)) for row in rows])
        return [Held.from_json(row[1]).outbound() for row in rows]

    async def held_count(self, user_id: int) -> int:
        row = await self.storage.fetch_one("SELECT COUNT(*) FROM whatsapp_held WHERE user_id = ?", (user_id,))
        return int(row[0]) if row is not None else 0

    async def sent_nudge(self, message_id: str, user_id: int, message: Outbound, at: int, keep: int) -> None:
        """A nudge WhatsApp accepted free-form: kept `keep` seconds, in case a failed status refuses it after all."""
        await self.storage.write(
            ("DELETE FROM whatsapp_sent WHERE sent_at < ?", (at - keep,)),
            ("INSERT INTO whatsapp_sent (message_id, user_id, message, sent_at) VALUES (?, ?, ?, ?) "
             "ON CONFLICT (message_id) DO NOTHING", (message_id, user_id, Held.of(message).to_json(), at)))

    async def refused_nudge(self, message_id: str) -> Outbound | None:
        """The nudge a failed status names, taken (so that it is held once), or None when it is not one."""
        row = await self.storage.fetch_one("SELECT message FROM whatsapp_sent WHERE message_id = ?", (message_id,))
        if row is None:
            return None
        await self.storage.write(("DELETE FROM whatsapp_sent WHERE message_id = ?", (message_id,)))
        return Held.from_json(row[0]).outbound()

    async def failed_with(self, message_id: str, code: int) -> bool:
        row = await self.storage.fetch_one("SELECT 1 FROM whatsapp_delivery WHERE message_id = ? AND status = ? "
                                           "AND code = ?", (message_id, "failed", code))
        return row is not None

    async def delivery(self, message_id: str, user_id: int, status: str, code: int | None, at: int) -> None:
        await self.storage.write((
            "INSERT INTO whatsapp_delivery (message_id, user_id, status, code, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (message_id, status) DO NOTHING", (message_id, user_id, status[:16], code, at)))

    async def deliveries(self, user_id: int) -> list[tuple[str, str, int | None]]:
        """(message id, status, error code) of the user's delivery facts, in the order recorded."""
        rows = await self.storage.fetch_all(
            "SELECT message_id, status, code FROM whatsapp_delivery WHERE user_id = ? ORDER BY at, status",
            (user_id,))
        return [(str(r[0]), str(r[1]), r[2]) for r in rows]
