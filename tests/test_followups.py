"""Follow-ups (ctx.later): what a job says is sent after the handler returned, through the user's adapter, one slot of
the limiter per message in the follow-up lane; a send that provably failed is retried, one that may have arrived is
never sent again, and nothing is sent after it."""
from __future__ import annotations

from bot.adapters.base import DeliveryUnknown, RetryLater
from bot.context import Context
from bot.core import Core
from bot.ratelimit import FOLLOW_UP
from bot.types import Inbound, Outbound, UserRef

USER = UserRef("telegram", "4242", "Sari")


class Adapter:
    """Sends as a real adapter does: a slot of the core's limiter per message; fails as told."""

    platform = "telegram"

    def __init__(self, core: Core, failures: list[Exception]) -> None:
        self.core, self.failures = core, failures
        self.sent: list[str] = []

    async def send(self, user_id: str, messages: list[Outbound]) -> None:
        for message in messages:
            await self.core.limiter.acquire("telegram", user_id)
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(message.key)


async def follow_up(core: Core, failures: list[Exception]) -> tuple[Adapter, list[int], list[float]]:
    """Run a job that says three things; what was sent, the lanes of the slots granted, the waits between tries."""
    adapter = Adapter(core, failures)
    core.add_adapter(adapter)  # type: ignore[arg-type]
    lanes: list[int] = []
    core.limiter.on_grant = lambda _t, _p, _c, lane, _m: lanes.append(lane)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    core.follow_ups.sleep = sleep
    user = await core.storage.get_or_create_user(USER.platform, USER.user_id, USER.display_name, None)
    ctx = Context(core, Inbound(USER, "command", command="plan"), user)

    async def job(later: Context) -> None:
        for key in ("pic.card.caption", "pic.pdf.caption", "pic.no_plan"):
            later.say(key)

    ctx.later(job)
    core.follow_ups.start(ctx)
    assert adapter.sent == []  # nothing before the handler's own replies went
    assert await core.follow_ups.drain() == 0
    return adapter, lanes, waits


async def test_each_message_takes_one_slot_in_the_follow_up_lane(core: Core) -> None:
    adapter, lanes, waits = await follow_up(core, [])
    assert adapter.sent == ["pic.card.caption", "pic.pdf.caption", "pic.no_plan"]
    assert lanes == [FOLLOW_UP] * 3  # one slot each: the one taken before the chat's turn is the one used
    assert waits == []


async def test_a_refused_send_is_tried_again_and_a_maybe_delivered_one_never(core: Core) -> None:
    adapter, _, waits = await follow_up(core, [RetryLater(7.0), DeliveryUnknown("timed out")])
    assert adapter.sent == []  # the card: refused, then maybe delivered: not again, and nothing after it
    assert waits == [7.0]
