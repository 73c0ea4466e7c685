"""Typed answers the terminal-chat testers saw misread (issue: readers storing wrong answers): a word that only looks
like a risky option is asked about, 'semua' inside a sentence ticks nothing, a candidate is a candidate, chat
abbreviations, and amounts between two options taken to the nearest with the reply saying so. Tests follow
content/: options and names are read from the content and the catalog, never copied."""
from __future__ import annotations

import pytest

from bot.core import Core
from handlers import lexicon as L
from handlers import steps as S
from test_reading import labels, picked, reading

RISKY = [s for s in S.all_steps() if s.warn_options]


def test_the_content_has_risky_options() -> None:
    assert RISKY, "no step of content/questionnaire.toml has warn_options: these tests would prove nothing"


@pytest.mark.parametrize("text", [
    "Bali", "balik", "bale", "Bali aja kak", "kerasan", "hitam", "lawang", "fightt club", "sometime soon",
    "yesterday", "kadangan", "bal", "del", "blok", "clapping", "hit", "keren", "lawan arah",
])
def test_a_word_that_only_looks_like_a_risky_option_is_never_stored_as_it(core: Core, text: str) -> None:
    for step in RISKY:
        found = reading(core, step.id, text)
        named = {n for v in step.warn_options for n in S._names(step, list(step.options), labels(core, step.id))[v]}
        if L.fold(text) in named:
            continue  # the option's own name is an answer
        picked = found.picked if found else []
        assert not set(picked) & set(step.warn_options), (step.id, text, picked)


def test_a_risky_option_named_in_full_is_still_taken(core: Core) -> None:
    for step in RISKY:
        shown = labels(core, step.id)
        for v in step.warn_options:
            for label in shown[v]:
                found = reading(core, step.id, label)
                assert found is not None and found.picked == [v], (step.id, label, found)


MULTI = [s for s in S.all_steps() if s.kind == "multi" and not S.numeric_values(s)]


@pytest.mark.parametrize("text", [
    "kue enak dan halal buat semua org medan", "pengen semua orang tahu produk saya",
    "konten buat semua kalangan", "I want everyone to know me, all over town", "all day every day I bake",
    "bisa dinikmati semua umur", "sa jual buat semua warga kampung", "semua org bilang kue sa enak",
    "gue pengen semua temen2 kenal brand gue", "for all the moms out there",
])
def test_all_inside_a_sentence_about_something_else_ticks_nothing(core: Core, text: str) -> None:
    for step in MULTI:
        found = reading(core, step.id, text)
        everything = [v for v in step.options if v not in step.exclusive]
        assert found is None or found.picked != everything, (step.id, text, found)


@pytest.mark.parametrize("text", [
    "semua", "semuanya", "semuanya aja kak", "all of them", "all of them please", "saya mau semua",
    "semua nya boleh", "all of them tbh", "everything", "pilih semua aja deh",
])
def test_all_as_the_selection_ticks_every_option(core: Core, text: str) -> None:
    for step in MULTI:
        found = reading(core, step.id, text)
        assert found is not None and found.picked == [v for v in step.options if v not in step.exclusive], (step.id, text)


def test_all_but_one_ticks_the_rest(core: Core) -> None:
    for step in MULTI:
        first = next(v for v in step.options if v not in step.exclusive)
        label = labels(core, step.id)[first]
        for word, but in (("semua", "kecuali"), ("all of them", "except"), ("everything", "but not")):
            found = reading(core, step.id, f"{word} {but} {label[0] if but == 'kecuali' else label[1]}")
            assert found is not None and first not in found.picked and found.picked, (step.id, word, found)
            assert set(found.picked) == {v for v in step.options if v not in step.exclusive} - {first}


def option_called(step_id: str, name: str) -> str:
    """The option of a step that content/lexicon.toml's aliases call `name` (tests follow the content)."""
    found = [v for v, names in L.aliases(step_id).items() if name in names]
    assert len(found) == 1, (step_id, name, found)
    return found[0]


@pytest.mark.parametrize("text", [
    "Menanggapi dengan santun", "jawab santai aja, ga baper", "santuy aja kak", "tanggapi dengan kepala dingin",
    "sa jawab baik baik", "I'd reply politely", "keep calm and respond calmly", "ramah aja kak",
])
def test_a_calm_reply_in_everyday_words_is_calm(core: Core, text: str) -> None:
    found = reading(core, "criticism", text)
    assert found is not None and found.picked == [option_called("criticism", "tenang")], (text, found)


@pytest.mark.parametrize("text", [
    "Saya tidak akan membalas dengan keras; saya akan menanggapi dengan santun",
    "gak mau balas keras, mending tanggapi santai",
    "I won't hit back hard, I'd reply politely",
    "tidak membalas dengan keras tapi dengan kepala dingin",
])
def test_a_negated_clause_and_a_positive_one_are_both_read(core: Core, text: str) -> None:
    found = reading(core, "criticism", text)
    assert found is not None and found.picked == [option_called("criticism", "tenang")], (text, found)
    assert found.left == (option_called("criticism", "keras"),)


@pytest.mark.parametrize("text", ["gk lah kak", "ga lah", "ndak lah mas", "engga dong", "tra mau kak", "nope never",
                                  "gak lah, positif aja"])
def test_a_chat_no_to_a_yes_no_step_is_its_no_option(core: Core, text: str) -> None:
    for step_id, (_, no) in ((s.id, L.yes_no_options(s.id)) for s in S.all_steps() if L.yes_no_options(s.id)):
        found = reading(core, step_id, text)
        assert found is not None and found.picked == [no], (step_id, text, found)


BECOMING = [(s.id, *L.becoming(s.id)) for s in S.all_steps() if L.becoming(s.id)[1]]


def test_the_content_says_who_becomes_what() -> None:
    assert BECOMING, "no [becoming.<step>] in content/lexicon.toml: the candidate tests would prove nothing"


@pytest.mark.parametrize("lead", ["sa {w} {a}", "Saya {w} {a} tahun depan", "gue pengen banget, {w} {a}"])
def test_wanting_to_become_an_office_is_the_candidate_option(core: Core, lead: str) -> None:
    for step_id, words, turns in BECOMING:
        for now, then in turns.items():
            for alias in L.aliases(step_id)[now]:
                for word in sorted(words):
                    found = reading(core, step_id, lead.format(w=word, a=alias))
                    assert found is not None and found.picked == [then], (lead, word, alias, found)
                found = reading(core, step_id, f"saya {alias}")
                assert found is not None and found.picked == [now], (alias, found)


@pytest.mark.parametrize("text", [
    "sa mau jadi kepala desa, calon kades", "nyalon kades", "mau maju pilkades tahun depan", "saya caleg dprd",
    "I'm running for mayor", "I want to become a mayor", "calon bupati 2029",
])
def test_a_candidate_in_everyday_words(core: Core, text: str) -> None:
    found = reading(core, "role", text)
    assert found is not None and found.picked == [option_called("role", "caleg")] and not found.extra, (text, found)


@pytest.mark.parametrize("text", [
    "Saya pensiunan pejabat Pemprov DIY, sekarang ingin menjadi pembicara/narasumber",
    "saya pembicara publik", "I'm a keynote speaker", "mantan PNS, sekarang jadi narasumber seminar",
])
def test_a_speaker_is_the_role_content_gives_speakers(core: Core, text: str) -> None:
    found = reading(core, "role", text)
    assert found is not None and found.picked == [option_called("role", "pembicara")], (text, found)


@pytest.mark.parametrize(("step_id", "plain", "texts"), [
    ("cadence", "tiap hari", ["tiap hr kak", "stiap hari sih kak", "setiap hr", "saban hari lah", "tiap hari dong"]),
    ("response_time", "setengah hari", ["stgh hari aj kak", "stngh hari", "setengah hari aja"]),
    ("response_time", "next day", ["Sebisa mungkin di hari yang sama", "same day ideally", "hari itu juga kak",
                                   "di hari yg sama"]),
])
def test_chat_abbreviations_of_an_amount_read_as_its_plain_words(core: Core, step_id: str, plain: str,
                                                                 texts: list[str]) -> None:
    meant = picked(core, step_id, plain)
    assert meant, (step_id, plain)
    for text in texts:
        assert picked(core, step_id, text) == meant, (step_id, text)


@pytest.mark.parametrize(("plain", "text"), [
    ("laku", "biar lakuu kak"), ("laris", "biar larisss"), ("dikenal", "supaya dikenall"), ("omzet", "pengen omzett naik"),
])
def test_a_goal_with_a_doubled_letter_suggests_that_goal_first(core: Core, plain: str, text: str) -> None:
    step = S.step_by_id("purposes")
    assert step is not None
    meant = option_called(step.id, plain)
    assert S.closest_options(step, {}, text, labels(core, step.id))[:1] == [meant], text


MEASURED = [s for s in S.all_steps() if L.measure(s.id) and S.numeric_values(s)]
_WRITE = {  # how people write an amount of each unit ({n} a number)
    "per_week": ["{n}x seminggu", "about {n} times a week", "kira2 {n} kali sepekan", "{n} kali per minggu"],
    "minutes": ["{n} menit sehari", "{n} min a day", "sekitar {n} menitan", "kurleb {n} mnt"],
    "hours": ["{n} jam", "within {n} hours", "paling lama {n} jam-an", "{n} hrs max"],
}


def test_amounts_go_to_the_nearest_option_and_ties_the_content_way() -> None:
    assert MEASURED, "no [measures.<step>] on a step with amounts: nothing to test"
    for step in MEASURED:
        unit, rounding = L.measure(step.id) or ("", "")
        options = sorted(int(v) for v in step.options)
        for low, high in zip(options, options[1:]):
            for amount in range(low, high + 1):
                for form in _WRITE[unit]:
                    text = form.format(n=amount)
                    found = S._measured(step, list(step.options), text)
                    if found is None:
                        continue  # a phrasing this unit does not read: not this test's business
                    near = low if amount - low < high - amount else high if high - amount < amount - low else \
                        low if rounding == "down" else high
                    assert found.picked == [str(near)], (step.id, text, found)
                    assert found.rounded == (amount not in options), (step.id, text)
        assert any(S._measured(step, list(step.options), f.format(n=options[0])) for f in _WRITE[unit]), step.id


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_reply_says_when_the_amount_was_not_an_option(core: Core, lang: str) -> None:
    from test_reading import at
    from nudge_helpers import say

    for step in MEASURED:
        unit = (L.measure(step.id) or ("", ""))[0]
        options = sorted(int(v) for v in step.options)
        between = next(n for n in range(options[0] + 1, options[-1]) if n not in options)
        user = await at(core, step.id, f"near-{step.id}-{lang}", lang)
        out = await say(core, user, _WRITE[unit][0].format(n=between))
        assert out[0].key == "q.understood", (step.id, out[0].text)
        assert core.catalog.t(lang, "q.rounded") in out[0].text, (step.id, out[0].text)
        stored = (await core.storage.answers(user.id))[step.id]
        assert stored in step.options
        exact = await at(core, step.id, f"exact-{step.id}-{lang}", lang)
        out = await say(core, exact, _WRITE[unit][0].format(n=options[0]))
        assert core.catalog.t(lang, "q.rounded") not in out[0].text, (step.id, out[0].text)


@pytest.mark.parametrize(("step_id", "text", "both"), [
    ("criticism", "I'd never argue, I reply kindly or ignore trolls", ("kindly", "ignore")),
    ("criticism", "tergantung, bisa aku cuekin atau aku jawab baik baik", ("cuekin", "baik baik")),
    ("criticism", "sa biasa cuekin ato blokir akunnya", ("cuekin", "blokir")),
    ("role", "penyanyi sekaligus pejabat", ("penyanyi", "pejabat")),
])
def test_two_options_in_one_clause_are_both_offered(core: Core, step_id: str, text: str,
                                                    both: tuple[str, str]) -> None:
    step = S.step_by_id(step_id)
    assert step is not None
    assert reading(core, step_id, text) is None or not reading(core, step_id, text).picked  # type: ignore[union-attr]
    offered = S.closest_options(step, {}, text, labels(core, step_id))
    assert set(offered[:2]) == {option_called(step_id, n) for n in both}, (text, offered)
