"""WhatsApp message ids become the inbox's integer ids: one key across every user, so messages written in the same
second by different people must not collide (a collision drops the second message as a "redelivery")."""
from __future__ import annotations

from bot.adapters.whatsapp.webhook import update_id


def test_many_users_writing_in_the_same_second_get_distinct_ids() -> None:
    second = 1_796_000_000
    ids = {update_id(f"wamid.HBgN{n:012d}FQIAERgS", second) for n in range(20_000)}
    assert len(ids) == 20_000


def test_ids_keep_time_order_and_fit_a_signed_64_bit_column() -> None:
    early, late = update_id("wamid.b", 1_796_000_000), update_id("wamid.a", 1_796_000_001)
    assert early < late
    assert update_id("wamid.x", (1 << 32) - 1) < (1 << 63)
    assert update_id("wamid.x", 1_796_000_000) == update_id("wamid.x", 1_796_000_000)
