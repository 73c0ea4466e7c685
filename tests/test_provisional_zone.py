"""Before the user chooses a time zone, the plan and the first reminders use the zone of the Indonesian place the
answers name (a village in Sikka is WITA), never WIB by default; a zone the user chose always wins."""
from __future__ import annotations

import random

import pytest

from bot.core import Core
from handlers import places
from handlers.plan import posting as P
from handlers.reminders import manage as M
from handlers.reminders.actions import ZonePick as A_ZonePick
from handlers.reminders.store import NudgeStore
import answers as A
from bot.storage import Flow
from conftest import PERSONA_EN, PERSONA_ID
from nudge_helpers import ANSWERS, done_user, say


def _places(per_zone: int = 6) -> list[tuple[str, str]]:
    """(name, zone) of regencies and towns the place finder reads back as themselves, a few per Indonesian zone."""
    rng = random.Random(7)
    by_zone: dict[str, list[str]] = {}
    for name, (zone, country, _, kind) in places.gazetteer().items():
        if country == "ID" and kind in ("r", "t") and zone in P.ZONE_NAMES:
            by_zone.setdefault(zone, []).append(name)
    picked: list[tuple[str, str]] = []
    for zone, names in sorted(by_zone.items()):
        rng.shuffle(names)
        found = [n for n in names[:60] if P.place_zone(n.title()) == zone][:per_zone]
        picked += [(n.title(), zone) for n in found]
    assert {z for _, z in picked} >= {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    return picked


def test_plan_times_use_the_named_places_zone_until_one_is_chosen() -> None:
    for name, zone in _places():
        answers = {**ANSWERS, "audience_place": name}
        assert P.provisional_zone(answers) == zone, name
        when = P.decide(answers)
        assert when.zone == zone, name
        assert when.audience_zone is None, name  # the same clock: no "(19:00 in ...)" beside it
        for chosen in ("Asia/Jakarta", "Asia/Jayapura"):  # a zone the user chose wins
            assert P.decide(answers, chosen).zone == chosen


def test_sikka_village_head_is_not_told_wib() -> None:
    answers = {**ANSWERS, "role": "politician", "audience_place": "Desa Hokor, Kec. Bola, Sikka"}
    assert P.place_zone("Sikka") == "Asia/Makassar"
    when = P.decide(answers)
    assert (when.zone, when.audience_zone) == ("Asia/Makassar", None)


def test_a_place_abroad_or_none_is_no_guess() -> None:
    assert P.provisional_zone(ANSWERS) is None
    assert P.provisional_zone({**ANSWERS, "audience_place": "London"}) is None
    assert P.decide({**ANSWERS, "audience_place": "London"}).zone == P.DEFAULT_ZONE


async def test_first_reminders_start_in_the_guessed_zone_and_a_choice_wins(core: Core) -> None:
    for i, (name, zone) in enumerate(_places(2)):
        user = await done_user(core, uid=f"g{i}", answers={**ANSWERS, "audience_place": name})
        settings = await NudgeStore(core.storage).get_settings(user.id)
        assert settings is not None and settings.tz == zone, name
        posting = await M.posting_of(core.storage, user.id, await core.storage.answers(user.id))
        assert posting.zone == zone
    chosen = await done_user(core, uid="chosen", answers={**ANSWERS, "audience_place": "Sikka"}, tz="Asia/Jakarta")
    await M.ensure_defaults(core.storage, chosen.id, refresh=True)
    settings = await NudgeStore(core.storage).get_settings(chosen.id)
    assert settings is not None and settings.tz == "Asia/Jakarta"


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_plan_and_the_zone_question_speak_the_guessed_zone(core: Core, lang: str) -> None:
    for name, zone in _places(1):
        user = await core.storage.get_or_create_user("fake", f"q-{lang}-{zone}", "Sari")
        await core.storage.update_user(user.id, language=lang, language_pinned=1)
        answers = {**A.plan_answers(PERSONA_ID if lang == "id" else PERSONA_EN), "audience_place": name}
        for step_id, value in answers.items():
            await core.storage.save_answer(user.id, step_id, value)
        await core.storage.save_flow(Flow(user.id, "confirm", None, None, [], None))
        out = await say(core, user, "ya" if lang == "id" else "yes")
        label = P.ZONE_NAMES[zone]
        plan = "\n".join(m.text for m in out if m.key != "rem.first_zone")
        others = {v for v in P.ZONE_NAMES.values() if v != label}
        assert f" {label}" in plan, (name, plan)
        assert not any(f"{o})" in plan or f" {o} " in plan for o in others), (name, plan)
        first = next(m for m in out if m.key == "rem.first_zone")
        assert zone in first.text and name in first.text
        assert first.choices[0].action == A_ZonePick(label)
        settings = await NudgeStore(core.storage).get_settings(user.id)
        assert settings is not None and settings.tz == zone
