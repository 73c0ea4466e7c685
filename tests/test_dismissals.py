"""Fillers are never answers: 'gpp kak', 'boleh kak', 'terserah' to a question that asks for text skip an optional
one (said back) and are refused on a required one; 'tra tau, mungkin kades lama' keeps the answer after the hedge.
Phrasings from several writers (slang, dialect, typos, English mixed); steps are found from the content."""
from __future__ import annotations

import pytest

from bot.core import Core
from handlers import questionnaire as Q
from nudge_helpers import keys, say
from test_typed_input import GOAL, OPTIONAL, at, flow_of

DISMISSALS = ["gpp kak", "boleh kak", "Gapapa kok kak 🙏", "nggak papa sih", "ga usah deh kak", "terserah kak",
              "ya udah kak", "ok sip", "boleh.", "never mind", "nope", "no thanks", "whatever", "ndak usah bu",
              "gak jadi deh", "gpp", "yaudah gpp kak"]
ANSWERS = ["Toko Roti Sinar, kadang toko sebelah", "boleh juga dicoba jualan online", "ya saya guru les privat",
           "nggak ada pesaing, cuma saya sendiri", "Pak Kades lama", "gapapa rugi sedikit asal pelanggan senang"]


@pytest.mark.parametrize("text", DISMISSALS)
def test_a_filler_message_dismisses(text: str) -> None:
    assert Q.dismisses(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_a_real_answer_does_not_dismiss(text: str) -> None:
    assert not Q.dismisses(text)


@pytest.mark.parametrize("text", DISMISSALS)
async def test_a_filler_skips_an_optional_question_and_says_so(core: Core, text: str) -> None:
    user = await at(core, OPTIONAL.id, f"dismiss-{text}", "id")
    out = await say(core, user, text)
    assert (await core.storage.answers(user.id))[OPTIONAL.id] is None
    assert (await flow_of(core, user)).step != OPTIONAL.id
    assert "q.understood" in keys(out) and "err.too_short" not in keys(out)


@pytest.mark.parametrize("text", ["gpp kak", "boleh kak", "terserah", "nope"])
async def test_a_filler_on_a_required_question_is_no_answer(core: Core, text: str) -> None:
    user = await at(core, GOAL.id, f"dismiss-req-{text}", "id")
    out = await say(core, user, text)
    assert GOAL.id not in await core.storage.answers(user.id)
    assert (await flow_of(core, user)).step == GOAL.id and "err.not_optional" in keys(out)


@pytest.mark.parametrize("text, kept", [
    ("tra tau, mungkin kades lama", "kades lama"),
    ("gak tau sih, mungkin pak RT", "pak RT"),
    ("belum tau kak. kayaknya toko sebelah", "toko sebelah"),
    ("idk, maybe the old headman", "the old headman"),
    ("nggak tau juga ya kak, mungkin Bu Lurah", "Bu Lurah"),
    ("gpp kak, warung Bu Sri di pasar", "warung Bu Sri di pasar"),
])
async def test_the_answer_after_dont_know_is_kept(core: Core, text: str, kept: str) -> None:
    user = await at(core, OPTIONAL.id, f"hedge-{text}", "id")
    await say(core, user, text)
    value = (await core.storage.answers(user.id))[OPTIONAL.id]
    assert value is not None and value.endswith(kept) and "tau" not in value.lower()


@pytest.mark.parametrize("text", ANSWERS)
async def test_a_real_answer_is_stored_whole(core: Core, text: str) -> None:
    user = await at(core, OPTIONAL.id, f"real-{text}", "id")
    await say(core, user, text)
    value = (await core.storage.answers(user.id))[OPTIONAL.id]
    assert value is not None and len(value.split()) >= len(text.split()) - 1


ADVICE = ["Mohon saran dari Bapak/Ibu", "minta saran kak", "ada saran?", "any advice?", "kasih ide dong kak",
          "Mohon sarannya, Pak", "What do you suggest?"]


@pytest.mark.parametrize("text", ADVICE)
async def test_a_request_for_advice_is_never_the_answer(core: Core, text: str) -> None:
    """'Cara supaya lebih dikenal: Mohon saran dari Bapak/Ibu' was in a plan: a request is no answer."""
    user = await at(core, OPTIONAL.id, f"advice-{text}", "id")
    await say(core, user, text)
    assert (await core.storage.answers(user.id))[OPTIONAL.id] is None
    user = await at(core, GOAL.id, f"advice-req-{text}", "id")
    out = await say(core, user, text)
    assert GOAL.id not in await core.storage.answers(user.id) and "err.not_optional" in keys(out)


async def test_an_answer_after_the_word_advice_is_kept(core: Core) -> None:
    user = await at(core, OPTIONAL.id, "advice-kept", "id")
    await say(core, user, "saran saya: rajin posting tiap pagi")
    assert (await core.storage.answers(user.id))[OPTIONAL.id] == "rajin posting tiap pagi"
