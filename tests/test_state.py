"""Typed conversation state (bot/state.py): awaited inputs and drafts are dataclasses with one codec each, and rows
written before they were typed still read, so a user in the middle of a flow during a deploy loses nothing."""
from __future__ import annotations

import json
from typing import Any

import pytest

import answers as A
from bot.actions import encode
from bot.core import Core
from bot.state import Await, Draft, awaits, decode_awaits, decode_draft, encode_awaits, encode_draft
from bot.storage import Flow
from handlers import questionnaire as Q
from handlers import steps as S
from handlers.check import DraftToCheck
from handlers.privacy import Confirm
from handlers.reminders import awaits as W
from handlers.reminders.store import NudgeStore
from nudge_helpers import done_user, keys, say, tap
from test_typed_input import at

BACKENDS = ("sqlite", "postgresql")

# What versions before typed state stored in flows.awaits, and what each means now.
OLD_ROWS: dict[str, Await] = {
    "tz": W.Zone(), "tz:first": W.FirstZone(), "quiet": W.Quiet(), "times:post": W.Times("post"),
    "times:respond": W.Times("respond"), "stop": W.Stop(), "menu:main": W.MainMenu(),
    "menu:kind:weekly": W.KindMenu("weekly"), "win:2026-W02": W.Win("2026-W02"), "confirm:delete": Confirm("delete"),
    "confirm:reset": Confirm("reset"), "check": DraftToCheck(),
}


@pytest.mark.parametrize("stored", sorted(OLD_ROWS))
def test_an_old_awaited_string_decodes_to_its_type_and_back(stored: str) -> None:
    assert decode_awaits(stored) == OLD_ROWS[stored]
    assert encode_awaits(OLD_ROWS[stored]) == stored


@pytest.mark.parametrize("stored", ["", "times", "times:", "times:a b", "menu:kind:", "nope:1", "x" * 80, None])
def test_an_unknown_or_malformed_awaited_string_is_nothing(stored: str | None) -> None:
    assert decode_awaits(stored) is None


def test_every_awaited_type_has_one_route() -> None:
    from bot.state import AWAITS
    from handlers import build_router

    router = build_router()
    declared = {cls for cls in AWAITS.registered() if cls.__module__.startswith("handlers")}  # not tests' own
    assert declared and declared <= set(router.awaits)


def test_a_string_read_before_its_type_was_declared_decodes_once_it_is() -> None:
    """Decoding is cached per string; declaring a type forgets what was read before it existed."""
    assert decode_awaits("late:one") is None

    @awaits("late:{n}")
    class Late(Await):
        n: str

    assert decode_awaits("late:one") == Late("one")
    assert decode_awaits("late:one") is decode_awaits("late:one")  # frozen objects, shared


async def _old_row(core: Core, user_id: int, awaits: str) -> None:
    """Write flows.awaits as the code before typed state did, behind the cache's back (as a deploy would)."""
    now = int(core.storage.clock.now().timestamp())
    await core.storage.write(("UPDATE flows SET awaits = ?, awaits_at = ? WHERE user_id = ?", (awaits, now, user_id)))
    core.storage.forget(user_id)


async def test_times_awaited_by_an_old_row_are_set_after_the_upgrade(core: Core) -> None:
    user = await done_user(core, "old-times", tz="Asia/Jakarta")
    await _old_row(core, user.id, "times:post")
    assert keys(await say(core, user, "7.30, 21:00")) == ["rem.times_set"]
    post = next(n for n in await NudgeStore(core.storage).series(user.id) if n.kind == "post")
    assert post.times == ["07:30", "21:00"] and post.custom


async def test_a_delete_confirmation_open_in_an_old_row_is_answered_after_the_upgrade(core: Core) -> None:
    user = await done_user(core, "old-delete")
    await _old_row(core, user.id, "confirm:delete")
    assert keys(await say(core, user, "ya")) == ["privacy.deleted"]
    assert await core.storage.user_by_id(user.id) is None


async def test_a_win_awaited_by_an_old_row_is_saved_for_its_week(core: Core) -> None:
    user = await done_user(core, "old-win", tz="Asia/Jakarta")
    await _old_row(core, user.id, "win:2026-W02")
    await say(core, user, "Lagu baru ditonton 2.000 orang")
    saved = await NudgeStore(core.storage).checkins(user.id)
    assert [(c["week"], c["win"]) for c in saved] == [("2026-W02", "Lagu baru ditonton 2.000 orang")]


# -- drafts ---------------------------------------------------------------------------------------------------------

DRAFTS = [Q.Ticks(("instagram", "youtube")), Q.Ticks(()), Q.Suggested("3"), Q.NameOffer("Alex \"Al\" = 🎸"),
          Q.FormValues((("goal_5y", "100 ribu: pendengar"), ("vision", "a=b")))]


@pytest.mark.parametrize("value", DRAFTS, ids=lambda d: type(d).__name__)
def test_a_draft_round_trips_through_its_json(value: Draft) -> None:
    assert decode_draft(encode_draft(value)) == value


@pytest.mark.parametrize("stored", ['{"t": "ticks", "options": "instagram"}', '{"t": "ticks"}', '{"t": "nope"}',
                                    '{"t": "name", "name": "A", "extra": 1}', '{"t": "form", "fields": [["a"]]}',
                                    '{"t": "name", "name": 3}', "{", '"text"', "", None, "[]"])
def test_a_malformed_or_unknown_draft_is_none(stored: str | None) -> None:
    assert decode_draft(stored) is None


def _flow(step: str, items: list[str]) -> Flow:
    return Flow(1, "active", step, None, decode_draft(json.dumps(items)), None)


CHOICE = A.first_step(lambda s: s.kind == "choice")
MULTI = A.first_step(lambda s: s.kind == "multi")
NAME = A.first_step(lambda s: s.asks_name)
TEXT = A.first_step(lambda s: s.kind == "text" and not s.asks_name)


def test_drafts_stored_before_typed_drafts_read_by_their_question() -> None:
    """The four encodings one list used to hold, each read as the draft it meant."""
    assert Q.draft_of(_flow(CHOICE.id, ["?x"])) == Q.Suggested("x")
    assert Q.draft_of(_flow(MULTI.id, ["a", "b"])) == Q.Ticks(("a", "b"))
    assert Q.draft_of(_flow(NAME.id, ["Alex"])) == Q.NameOffer("Alex")
    assert Q.draft_of(_flow(TEXT.id, [f"{TEXT.id}=x=y", f"{NAME.id}=z"])) == Q.FormValues(
        ((TEXT.id, "x=y"), (NAME.id, "z")))
    assert Q.draft_of(_flow(TEXT.id, [])) is None


async def test_a_name_offered_before_the_upgrade_is_kept_with_a_yes(core: Core) -> None:
    user = await at(core, NAME.id, "old-name", "id", draft=["Alex"])
    await say(core, user, "iya")
    assert (await core.storage.answers(user.id))[NAME.id] == "Alex"


async def test_ticks_are_stored_typed(core: Core) -> None:
    user = await at(core, MULTI.id, "typed-ticks", "id")
    option = S.options_for(MULTI, await core.storage.answers(user.id))[0][0]
    await tap(core, user, encode(Q.Toggle(MULTI.id, option)))
    row = await core.storage.fetch_one("SELECT draft FROM flows WHERE user_id = ?", (user.id,))
    assert json.loads(row[0]) == {"t": "ticks", "options": [option]}
    flow = await core.storage.get_flow(user.id)
    assert flow is not None and flow.draft == Q.Ticks((option,))


# -- features declared: events and contributions in declared order ---------------------------------------------------

async def test_modules_listed_backwards_give_the_same_first_plan(db_path: str, clock: Any) -> None:
    """The plan's closing line gives way to the reminders' zone question through the plan's declared FOLLOW_UP point
    (no feature removes another's reply), and the plan is sent before reminders are set up, whatever the order the
    feature modules are listed in."""
    import test_core as TC
    from bot.backends import open_storage
    from handlers import MODULES, build_router

    for n, modules in enumerate((MODULES, tuple(reversed(MODULES)))):
        core = Core(open_storage(db_path, clock=clock), router=build_router(modules), clock=clock)
        await core.start()
        try:
            user = TC.UserRef("fake", f"order-{n}", "Ana")
            await TC.walk_to(core, user)
            out = await TC.tap(core, user, "c:yes")
            got = keys(out)
            assert got[-1] == "rem.first_zone" and "plan.next" not in got and "plan.title" in got
            assert got.index("plan.title") < got.index("rem.first_zone")
            stored = await core.storage.find_user("fake", f"order-{n}")
            assert stored is not None and await NudgeStore(core.storage).get_settings(stored.id) is not None
        finally:
            await core.stop()


def test_a_subscription_to_an_event_nobody_publishes_is_refused_at_start() -> None:
    from bot.features import Event, Feature, add
    from bot.router import Router

    class Orphan(Event):
        pass

    async def on_orphan(ctx: Any, event: Orphan) -> None:
        return None

    router = Router()
    add(router, Feature("listener", subscribes={Orphan: on_orphan}))
    with pytest.raises(ValueError, match="Orphan"):
        router.check()
