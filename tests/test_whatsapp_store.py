"""The WhatsApp channel's tables on both backends: the window, held nudges, delivery facts; gone with /delete."""
from __future__ import annotations

from bot.adapters.whatsapp.store import Store
from bot.core import Core
from bot.types import Choice, Outbound
from handlers.privacy import CancelDanger

BACKENDS = ("sqlite", "postgresql")


async def test_window_held_nudges_and_delivery_facts_are_the_users_and_go_with_them(core: Core) -> None:
    store = Store(core.storage)
    user = await core.storage.get_or_create_user("whatsapp", "6281234567890", "Budi")
    other = await core.storage.get_or_create_user("whatsapp", "447700900123", "Alex")
    assert await store.last_inbound(user.id) is None
    await store.touch(user.id, 1_700_000_100)
    await store.touch(user.id, 1_700_000_000)  # an older message delivered late does not move the window back
    assert await store.last_inbound(user.id) == 1_700_000_100
    nudge = Outbound("Waktunya posting!", key="nudge.post.a", kind="nudge", lang="id",
                     choices=(Choice(CancelDanger("delete"), "Nanti"),))
    await store.hold(user.id, nudge, 1_700_000_200)
    await store.hold(other.id, nudge, 1_700_000_200)
    await store.delivery("wamid.1", user.id, "sent", None, 1_700_000_300)
    await store.delivery("wamid.1", user.id, "sent", None, 1_700_000_300)  # a status delivered twice
    await store.delivery("wamid.1", user.id, "failed", 131047, 1_700_000_301)
    assert await store.deliveries(user.id) == [("wamid.1", "sent", None), ("wamid.1", "failed", 131047)]
    exported = await core.storage.export_user(user.id)
    assert exported["whatsapp_window"] and exported["whatsapp_held"] and exported["whatsapp_delivery"]
    [again] = await store.take_held(user.id)
    assert again.text == nudge.text and again.key == nudge.key and again.choices == nudge.choices
    assert await store.take_held(user.id) == []  # taken once
    await store.hold(user.id, nudge, 1_700_000_400)
    await core.storage.delete_user(user.id)
    for table in ("whatsapp_window", "whatsapp_held", "whatsapp_delivery"):
        row = await core.storage.fetch_one(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user.id,))
        assert row[0] == 0, table
    assert await store.held_count(other.id) == 1


async def test_only_the_latest_held_nudge_of_a_kind_is_kept(core: Core) -> None:
    store = Store(core.storage)
    user = await core.storage.get_or_create_user("whatsapp", "6281234567890", "Budi")
    for day in range(30):
        await store.hold(user.id, Outbound(f"post, day {day}", key="nudge.post.a", kind="nudge"), day)
    await store.hold(user.id, Outbound("reply to comments", key="nudge.respond.b", kind="nudge"), 31)
    assert [m.text for m in await store.take_held(user.id)] == ["post, day 29", "reply to comments"]


# The channel end to end on both backends: a restart between the 200 and the handling, and the window's nudges.
from test_whatsapp import graph  # noqa: E402,F401  the fake Graph API fixture
from test_whatsapp import test_a_restart_mid_questionnaire_loses_no_acknowledged_answer as test_restart  # noqa: E402
from test_whatsapp import test_reminders_and_nudges_inside_the_window_free_form_outside_held as test_window  # noqa: E402,E501

__all__ = ["test_restart", "test_window"]


async def test_the_same_nudge_held_twice_in_one_second_is_kept_once(core: Core) -> None:
    """A late refusal's status and the send's own record race to hold the same nudge: it must be sent once."""
    from bot.adapters.whatsapp.store import Store
    from bot.types import Outbound

    user = await core.storage.get_or_create_user("whatsapp", "6281234567890", "Budi")
    store = Store(core.storage)
    nudge = Outbound("Waktunya posting", key="nudge.post.a", kind="nudge")
    await store.hold(user.id, nudge, 1000)
    await store.hold(user.id, nudge, 1000)
    assert await store.held_count(user.id) == 1
