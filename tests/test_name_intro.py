"""The name step reads an introduction as people write one: a greeting sentence and 'nama saya' / "I'm" dropped, the
titles of an Indonesian official kept as typed ('Drs. H. Bambang Suryono, M.Si.'), a no followed by a name takes
that name.
Titles and intro phrases come from content/lexicon.toml [words]; the phrasings are several writers'."""
from __future__ import annotations

import pytest

from bot.content import load_content
from bot.core import Core
from handlers import lexicon as L
from handlers import values as V
from handlers.understand import text as T
from nudge_helpers import say
from test_typed_input import at

TITLES: list[str] = load_content("lexicon")["words"]["titles"]


@pytest.mark.parametrize("text, name", [
    ("Selamat siang. Nama saya Drs. H. Bambang Suryono, M.Si.", "Drs. H. Bambang Suryono, M.Si."),
    ("Selamat pagi Pak, perkenalkan nama saya Prof. Dr. Ir. Hendra Wijaya, M.M.", "Prof. Dr. Ir. Hendra Wijaya, M.M."),
    ("Assalamualaikum wr. wb. Saya Hj. Siti Aminah, S.Pd.", "Hj. Siti Aminah, S.Pd."),
    ("Halo kak, aku Rina, Rina Batik", "Rina"),
    ("Selamat sore. Drs. H. Bambang Suryono, M.Si.", "Drs. H. Bambang Suryono, M.Si."),
    ("Hi! I'm Maya Lindqvist, Maya Yoga Bali", "Maya Lindqvist"),
    ("Good morning. My name is Dr. Sarah Tan, PhD, a dentist in Medan", "Dr. Sarah Tan, PhD"),
    ("Hello there, I'm Adrian W. from Bandung", "Adrian W."),
    ("I'm Alex, a travel vlogger", "Alex"),
    ("nama saya Rina dari toko batik", "Rina"),
])
def test_the_name_in_an_introduction(text: str, name: str) -> None:
    assert L.name_in(text) == name


@pytest.mark.parametrize("text", ["Pak Budi Santoso", "Halo. Mohon bantuannya", "Saya mau membangun brand",
                                  "Bukan, saya ketik ulang", "Drs. H. Bambang Suryono, M.Si."])
def test_no_introduction_no_name(text: str) -> None:
    assert L.name_in(text) is None  # 'Pak' stays with its name; a request or a bare name is not an introduction


@pytest.mark.parametrize("title", TITLES)
def test_every_title_is_kept_before_and_after_a_name(title: str) -> None:
    assert L.name_in(f"Selamat siang. Nama saya {title}. Budi Santoso") == f"{title}. Budi Santoso"
    assert L.name_in(f"Halo, saya Budi Santoso, {title}.") == f"Budi Santoso, {title}."
    assert not L.reads_like_sentence(f"{title}. Budi Santoso, {title}.")


@pytest.mark.parametrize("lang, text, name", [
    ("id", "Selamat siang. Nama saya Drs. H. Bambang Suryono, M.Si.", "Drs. H. Bambang Suryono, M.Si."),
    ("id", "Selamat siang. Drs. H. Bambang Suryono, M.Si.", "Drs. H. Bambang Suryono, M.Si."),
    ("id", "Halo kak! Namaku Rina Ayu, owner Rina Batik", "Rina Ayu"),
    ("en", "Hi! I'm Maya Lindqvist, Maya Yoga Bali", "Maya Lindqvist"),
])
async def test_the_offer_is_the_name_and_a_yes_keeps_it_as_typed(core: Core, lang: str, text: str, name: str) -> None:
    user = await at(core, "name", f"intro-{abs(hash(text))}", lang)
    out = await say(core, user, text)
    assert out[-1].key == "name.confirm" and f'"{name}"' in out[-1].text
    await say(core, user, "ya" if lang == "id" else "yes")
    assert (await core.storage.answers(user.id))["name"] == name


@pytest.mark.parametrize("lang, no, name", [
    ("id", "Bukan. Nama saya Bambang Suryono", "Bambang Suryono"),
    ("id", "Bukan, nama saya Drs. H. Bambang Suryono, M.Si.", "Drs. H. Bambang Suryono, M.Si."),
    ("id", "Salah kak, Bambang Suryono", "Bambang Suryono"),
    ("id", "Nggak, panggil saya Mas Bambang", "Mas Bambang"),
    ("en", "No, it's Maya Lind", "Maya Lind"),
    ("en", "Nope. My name is Maya Lindqvist", "Maya Lindqvist"),
    ("id", "bukan, nama saya bambang suryono", "bambang suryono"),
    ("en", "no, my name is maya", "maya"),
])
async def test_a_no_followed_by_a_name_takes_the_name(core: Core, lang: str, no: str, name: str) -> None:
    user = await at(core, "name", f"no-{abs(hash(no))}", lang)
    out = await say(core, user, "Selamat siang, saya orang yang suka menulis" if lang == "id"
                    else "Hi, I'm someone who loves to write")
    assert out[-1].key == "name.confirm"
    await say(core, user, no)
    assert (await core.storage.answers(user.id)).get("name") == name


@pytest.mark.parametrize("no", ["Bukan", "Bukan, saya ketik ulang", "bukan, aku ketik ulang", "Tidak, salah", "no"])
async def test_a_plain_no_still_asks_again(core: Core, no: str) -> None:
    user = await at(core, "name", f"plain-{abs(hash(no))}", "id")
    await say(core, user, "Selamat siang. Nama saya Drs. H. Bambang Suryono, M.Si.")
    out = await say(core, user, no)
    assert "name.retype" in [m.key for m in out] and "name" not in await core.storage.answers(user.id)


@pytest.mark.parametrize("title", [t for t in TITLES if "." in t.strip(".")])
def test_a_dotted_title_ends_no_sentence(title: str) -> None:
    text = f"Bapak Budi Santoso, {title}. adalah kepala desa. Beliau ramah."
    assert [text[a:b].strip() for a, b in T.sentences(text)] == [
        f"Bapak Budi Santoso, {title}. adalah kepala desa.", "Beliau ramah."]
    assert len(V._sentences(text)) == 2  # the list reader's splitter too


def test_a_plain_title_may_still_end_a_sentence() -> None:
    text = "Terima kasih, Ibu. Saya guru SD."
    assert len(T.sentences(text)) == 2 and len(V._sentences(text)) == 2
