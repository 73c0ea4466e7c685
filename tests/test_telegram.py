"""End to end: the real python-telegram-bot Application, long polling a fake Bot API server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import answers as A
from bot.adapters import telegram_format as F
from bot.adapters.base import RetryLater, UserUnreachable
from bot.adapters.telegram import TelegramAdapter
from bot.config import Config
from bot.core import Core
from bot.ratelimit import RateLimiter
from bot.storage import Storage
from bot.types import Choice, Outbound
from handlers import MENU as COMMANDS
from handlers.questionnaire import Submit, Ticks, Toggle
from handlers.plan import build_plan, render_text
from fake_telegram import Call, FakeTelegram

UID_ID, UID_EN = 5001, 5002


@dataclass
class Running:
    core: Core
    adapter: TelegramAdapter
    waits: list[float] = field(default_factory=list)



@contextlib.asynccontextmanager
async def running(tg: FakeTelegram, db: str, **config: Any) -> AsyncIterator[Running]:
    """A bot process: core + Telegram adapter polling the fake server; stopped as SIGTERM would."""
    core = Core(Storage(db), limiter=RateLimiter.virtual())  # the real limits, on virtual time: never slept through
    await core.start()
    adapter = TelegramAdapter(core, Config(db_path=db, telegram_token=tg.token, telegram_api_url=tg.api_url,
                                           **config))
    adapter.webhook_listen = "127.0.0.1"
    run = Running(core, adapter)

    async def record_wait(seconds: float) -> None:  # waits are recorded, not slept through
        run.waits.append(seconds)

    adapter.sleep = record_wait
    core.add_adapter(adapter)
    mark = tg.mark()
    await adapter.connect()
    task = asyncio.create_task(adapter.listen())
    ready = "setwebhook" if config.get("telegram_webhook_url") else "getupdates"
    await tg.wait_for(lambda c: c.method == ready, after=mark)
    try:
        yield run
    finally:
        await adapter.disconnect()
        await asyncio.wait_for(task, 10)
        await core.stop()


class Chat:
    """One Telegram user talking to the bot in a private chat."""

    def __init__(self, tg: FakeTelegram, core: Core, uid: int, lang: str, name: str = "Budi") -> None:
        self.tg, self.core, self.lang = tg, core, lang
        self.user = tg.user(uid, name, lang)
        self.uid = uid

    def t(self, key: str, **params: Any) -> str:
        return self.core.catalog.t(self.lang, key, **params)

    async def reply(self, pred: Any, after: int) -> Call:
        """The next message sent to this chat (from `after`) whose visible text satisfies `pred`."""
        return await self.tg.wait_for(lambda c: c.method in ("sendmessage", "senddocument") and c.status == 200
                                      and c.chat_id == self.uid and pred(c.text), after=after)

    async def question(self, step: str, after: int) -> Call:
        prompt = self.t(f"q.{step}.prompt")
        return await self.reply(lambda text: prompt in text, after)

    async def answered(self, message_id: int, after: int) -> Call:
        """The edit that shows the chosen answer under a tapped question."""
        head = self.t("common.answered", answer="").strip()
        return await self.tg.wait_for(lambda c: c.method == "editmessagetext" and c.message_id == message_id
                                      and head in c.text and not c.buttons, after=after)

    async def answer_query(self, update_id: int) -> Call:
        return await self.tg.wait_for(lambda c: c.method == "answercallbackquery"
                                      and c.params.get("callback_query_id") == f"cq{update_id}")

    async def tap(self, q: Call, value: str) -> int:
        assert value in [data for _, data in q.buttons], (value, q.buttons)
        return await self.tg.tap(self.user, q.message_id or 0, value)

    async def flow(self) -> Any:
        user = await self.core.storage.find_user("telegram", str(self.uid))
        assert user is not None
        return await self.core.storage.get_flow(user.id)


async def play(chat: Chat, script: list[tuple[str, Any]], first: Call) -> Call:
    """Answer each step as a user would (typing, tapping buttons, ticking boxes); returns the summary message."""
    tg = chat.tg
    q = first
    for i, (step, action) in enumerate(script):
        assert chat.t(f"q.{step}.prompt") in q.text
        mark = tg.mark()
        if isinstance(action, str):
            await tg.say(chat.user, action)
        elif action[0] == "tap":
            await chat.tap(q, action[1])
            shown = await chat.answered(q.message_id or 0, mark)
            label = dict((d, lbl) for lbl, d in q.buttons)[action[1]]
            assert (chat.t("common.skipped") if action[1].startswith("s:") else label) in shown.text
        elif action[0] == "multi":
            for opt in action[1]:
                m = tg.mark()
                await chat.tap(q, f"t:{step}:{opt}")
                redraw = await tg.wait_for(lambda c: c.method == "editmessagereplymarkup"
                                           and c.message_id == q.message_id, after=m)
                label = chat.t(f"opt.{step}.{opt}")
                assert F.TICK_ON + label in [lbl for lbl, _ in redraw.buttons]
            done = tg.messages[(chat.uid, q.message_id or 0)]
            await tg.tap(chat.user, done["message_id"], f"d:{step}")
            shown = await chat.answered(q.message_id or 0, mark)
            for opt in action[1]:
                assert chat.t(f"opt.{step}.{opt}") in shown.text
        if i + 1 < len(script):
            q = await chat.question(script[i + 1][0], mark)
        else:
            q = await chat.reply(lambda text: chat.t("summary.title") in text, mark)
    return q


# What the tests care about, as a user would answer; every other step gets a generated answer (tests/answers.py).
WANTED_ID: list[tuple[str, Any]] = [
    ("name", "Budi <Santoso> & Co"),
    ("role", ("tap", "a:role:creator")),
    ("platforms_now", ("multi", ["instagram", "tiktok"])),
    ("team", ("tap", "a:team:team")),
    ("team_replier", "Adik saya yang bantu balas komentar dan pesan"),
    ("purposes", ("multi", ["engage", "explain"])),
    ("vision", "Menjadi kreator kuliner yang dipercaya keluarga Indonesia untuk resep sehat dan murah."),
    ("mission", "Membagikan resep praktis setiap minggu dan menjawab pertanyaan pengikut dengan ramah."),
    ("goal_5y", "Punya seratus ribu pengikut yang aktif dan menerbitkan buku resep sendiri."),
    ("goal_10y", ("tap", "s:goal_10y")),
    ("segments", "ibu rumah tangga, mahasiswa kos, pekerja kantoran"),
    ("priority_segment", ("tap", "a:priority_segment:1")),
    ("competitors", "Akun resep besar yang jarang membalas komentar pengikutnya"),
    ("needs", "Mereka butuh resep cepat, bahan murah, dan langkah yang jelas tanpa alat mahal."),
    ("focus_platforms", ("multi", ["instagram", "youtube"])),
    ("pillars", "resep hemat, tips dapur, cerita pasar"),
    ("formats", ("multi", ["short_video", "carousel"])),
    ("cadence", ("tap", "a:cadence:3")),
    ("creative_angle", "Masak di dapur kos yang sempit dengan alat seadanya."),
    ("quality", "Video terang, suara jelas, dan resep sudah dicoba tiga kali."),
    ("daily_minutes", ("tap", "a:daily_minutes:60")),
    ("response_time", ("tap", "a:response_time:3")),
    ("offline", "Ikut bazar makanan dan kelas masak di kampung setiap bulan."),
    ("criticism", ("tap", "a:criticism:calm")),
    ("controversy", ("tap", "a:controversy:never")),
    ("get_noticed", "Konsisten membagikan resep yang benar-benar bisa ditiru di rumah."),
]

LONG = ("I want people to see me as the patient, practical data coach who turns messy spreadsheets into clear "
        "decisions for small shops, cafes and family businesses that never had an analyst on their side. ")
WANTED_EN: list[tuple[str, Any]] = [
    ("name", "Alex Rivera"),
    ("role", ("tap", "a:role:professional")),
    ("platforms_now", ("multi", ["linkedin"])),
    ("team", ("tap", "a:team:alone")),
    ("purposes", ("multi", ["exist", "engage", "explain"])),
    ("vision", (LONG * 3)[:500].strip()),
    ("mission", ("Every week I will teach one practical data trick with a worked example, answer questions from "
                 "owners, and publish free templates they can copy. " * 4)[:500].strip()),
    ("goal_5y", ("Run hands-on workshops for five hundred small businesses across the region and write a short "
                 "practical book about using your own sales data. " * 4)[:500].strip()),
    ("goal_10y", ("Build a small school for data literacy with local partners and a free online course that "
                  "thousands of owners finish every single year. " * 4)[:500].strip()),
    ("segments", "small business owners; freelancers; cafe managers; market traders; accountants; students"),
    ("priority_segment", ("tap", "a:priority_segment:0")),
    ("competitors", ("Big consulting firms and generic online courses that talk in jargon and never answer "
                     "questions from the people who actually run the shop every day. " * 4)[:500].strip()),
    ("needs", ("Simple, cheap and honest ways to use their own sales data to decide what to stock, when to open "
               "and how to price, without hiring anyone or buying expensive software. " * 4)[:600].strip()),
    ("focus_platforms", ("multi", ["linkedin", "youtube", "instagram"])),
    ("pillars", "data tips; case studies; tool reviews; owner interviews; myth busting"),
    ("formats", ("multi", ["photo", "text", "long_video"])),
    ("cadence", ("tap", "a:cadence:5")),
    ("creative_angle", ("Plain words, no jargon, real numbers from real shops, drawn by hand on paper and "
                        "explained in under a minute. " * 4)[:400].strip()),
    ("quality", ("Every chart is sourced, checked twice and readable on a phone screen in bright sunlight "
                 "outside a market stall. " * 4)[:400].strip()),
    ("daily_minutes", ("tap", "a:daily_minutes:30")),
    ("response_time", ("tap", "a:response_time:12")),
    ("offline", ("Monthly meetups at the local chamber of commerce, free clinics at the library and talks at "
                 "the traders association. " * 4)[:400].strip()),
    ("criticism", ("tap", "a:criticism:calm")),
    ("controversy", ("tap", "a:controversy:never")),
    ("get_noticed", ("Guest posts, podcasts, and useful templates people share with their friends who run "
                     "small businesses. " * 4)[:400].strip()),
]

SCRIPT_ID = A.chat_actions(A.persona_from_actions(WANTED_ID), "id")
SCRIPT_EN = A.chat_actions(A.persona_from_actions(WANTED_EN), "en")


async def finish(chat: Chat, summary: Call) -> list[Call]:
    """Confirm the summary; returns what the bot sent for the plan (text chunks and the document)."""
    tg = chat.tg
    mark = tg.mark()
    await chat.tap(summary, "c:yes")
    # the first plan ends by asking the time zone for the reminders made from it (buttons WIB/WITA/WIT)
    ask = await chat.reply(lambda text: chat.t("rem.first_zone") in text, mark)
    assert "r:z:WIB" in str(ask.params)
    # the pictures follow, once drawn: after the plan's text (and the chat's other replies), never before
    await tg.wait_for(lambda c: c.method == "senddocument" and c.files["document"]["filename"].endswith(".pdf"),
                      mark, timeout=120)
    sent = tg.sent(chat.uid, mark)
    first_picture = next(i for i, c in enumerate(sent) if c.method == "sendphoto")
    plan_text = next(i for i, c in enumerate(sent) if c.method == "sendmessage"
                     and chat.t("plan.title", name="").strip() in c.text)
    assert plan_text < first_picture and sent.index(ask) < first_picture
    return sent


def squash(text: str) -> str:
    return "".join(text.split())


# -- the whole questionnaire ------------------------------------------------------------------

async def test_whole_questionnaire_in_indonesian_with_taps_sticker_and_edit(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        # The command menus: Indonesian for language code "id", English by default.
        assert [c["command"] for c in tg.commands["id"]] == list(COMMANDS)
        assert [c["command"] for c in tg.commands[""]] == list(COMMANDS)
        assert tg.commands["id"][0]["description"] == run.core.catalog.t("id", "cmd.start")
        assert tg.commands[""][1]["description"] == run.core.catalog.t("en", "cmd.plan")

        mark = tg.mark()
        await tg.say(chat.user, "/start")
        welcome = await chat.reply(lambda text: "brandcoach" in text, mark)
        assert welcome.params.get("parse_mode") == "HTML"
        first = await chat.question("name", mark)

        # Play up to "vision", then a sticker and an edited message mid-step.
        at = [step for step, _ in SCRIPT_ID].index("vision")
        head = SCRIPT_ID[:at + 1]
        q = first
        for i, (step, action) in enumerate(head[:-1]):
            q = await play_one(chat, q, step, action, head[i + 1][0])
        assert chat.t("q.vision.prompt") in q.text
        mark = tg.mark()
        await tg.sticker(chat.user)
        await chat.reply(lambda text: text.startswith(chat.t("err.not_text")), mark)
        q = await chat.question("vision", mark)
        mark = tg.mark()
        await tg.edit(chat.user, 2, "Budi Santoso yang baru")  # an edited message does not re-answer a step
        summary = await play(chat, SCRIPT_ID[at:], q)
        after_vision = SCRIPT_ID[at + 1][0]
        assert chat.t(f"q.{after_vision}.prompt") in tg.sent(chat.uid, mark)[0].text  # nothing answered the edit
        assert (await chat.flow()).status == "confirm"

        # User text is escaped for HTML: the raw message has entities, the user sees the name as typed.
        assert "Budi <Santoso> & Co" in summary.text
        assert "Budi &lt;Santoso&gt; &amp; Co" in summary.params["text"]
        plan = await finish(chat, summary)

    docs = [c for c in plan if c.method == "senddocument" and c.files["document"]["filename"].endswith(".md")]
    assert len(docs) == 1
    photos = [c for c in plan if c.method == "sendphoto"]
    assert [p.files["photo"]["filename"] for p in photos] == [chat.t("pic.card.file_name")]  # the card, as a photo
    assert any(c.files["document"]["data"].startswith(b"%PDF-") for c in plan if c.method == "senddocument")
    doc = docs[0].files["document"]
    assert doc["filename"] == chat.t("plan.file_name")
    assert doc["data"].decode("utf-8").startswith("# ")
    assert "Budi <Santoso> & Co" in doc["data"].decode("utf-8")
    texts = [c for c in plan if c.method == "sendmessage"]
    assert any(chat.t("plan.done") in c.text.split("\n\n") for c in texts)  # a paragraph of a combined message
    assert all(F.utf16_len(c.params["text"]) <= 4096 for c in texts)


async def play_one(chat: Chat, q: Call, step: str, action: Any, next_step: str) -> Call:
    """Answer one step; returns the next question."""
    tg = chat.tg
    mark = tg.mark()
    if isinstance(action, str):
        await tg.say(chat.user, action)
    elif action[0] == "tap":
        await chat.tap(q, action[1])
    else:
        for opt in action[1]:
            m = tg.mark()
            await chat.tap(q, f"t:{step}:{opt}")
            await tg.wait_for(lambda c: c.method == "editmessagereplymarkup" and c.message_id == q.message_id,
                              after=m)
        await tg.tap(chat.user, q.message_id or 0, f"d:{step}")
    return await chat.question(next_step, mark)


async def test_whole_questionnaire_in_english_plan_split_under_4096(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_EN, "en", name="Alex")
        mark = tg.mark()
        await tg.say(chat.user, "/start")
        first = await chat.question("name", mark)
        summary = await play(chat, SCRIPT_EN, first)
        plan = await finish(chat, summary)
        user = await run.core.storage.find_user("telegram", str(UID_EN))
        assert user is not None and user.language == "en"
        answers = await run.core.storage.answers(user.id)
        assert answers["purposes"] == ["exist", "engage", "explain"]
        assert answers["priority_segment"] == "small business owners"

        def t(key: str, **params: Any) -> str:
            return run.core.catalog.t("en", key, **params)

        expected = render_text(t("plan.title", name="Alex Rivera"), build_plan(answers, t))
        assert len(expected) > 4096  # long answers: the plan needs several messages
        # /plan again later sends the same text, split, plus the document.
        mark = tg.mark()
        await tg.say(chat.user, "/plan")
        await chat.reply(lambda text: t("plan.next") in text, mark)
        again = tg.sent(UID_EN, mark)

    for sent in (plan, again):
        # the plan's text, then the sections other features add (the content calendar), split in chunks
        texts = [c for c in sent if c.method == "sendmessage"]
        title = squash(t("plan.title", name="Alex Rivera"))
        # the note before the plan (if any) shares its first message: the plan's text starts at its title
        start = next(i for i, c in enumerate(texts) if title in squash(c.text))
        chunks, joined = [], ""
        for c in texts[start:]:
            chunks.append(c)
            joined += squash(c.text)[squash(c.text).index(title):] if c is texts[start] else squash(c.text)
            if squash(t("cal.plan_more")) in joined:
                break
        assert len(chunks) >= 2
        assert all(F.utf16_len(c.params["text"]) <= 4096 for c in chunks)
        assert joined.startswith(squash(expected))
        assert joined[len(squash(expected)):].startswith(squash("▶ " + t("cal.plan_title")))
        assert "<b>▶ " in "".join(c.params["text"] for c in chunks)  # section titles in bold
        doc = [c for c in sent if c.method == "senddocument"][0]
        assert doc.files["document"]["filename"] == "personal-branding-plan.md"
        assert doc.text == f"{t('plan.file_caption')}\n\n{t('pic.coming')}"  # says the pictures follow


async def test_photo_voice_location_contact_are_re_asked(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_EN, "en", name="Alex")
        mark = tg.mark()
        await tg.say(chat.user, "/start")
        await chat.question("name", mark)
        for content in ({"photo": [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]},
                        {"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 3}},
                        {"location": {"latitude": -6.2, "longitude": 106.8}},
                        {"contact": {"phone_number": "+620000", "first_name": "Dina"}}):
            mark = tg.mark()
            await tg.media(chat.user, **content)
            await chat.reply(lambda text: text.startswith(chat.t("err.not_text")), mark)
            await chat.question("name", mark)
        flow = await chat.flow()
        assert flow.step == "name"


# -- restart, forged taps, errors --------------------------------------------------------------

async def test_resume_after_restart_on_the_same_database(tg: FakeTelegram, db_path: str) -> None:
    chat_user = FakeTelegram.user(UID_ID, "Budi", "id")
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        await tg.say(chat_user, "/start")
        q = await chat.question("name", mark)
        q = await play_one(chat, q, "name", "Budi Santoso", "role")
        q = await play_one(chat, q, "role", ("tap", "a:role:artist"), "platforms_now")
        # An update taken just before shutdown is still handled (it was already confirmed to Telegram).
        mark = tg.mark()
        last = await tg.tap(chat_user, q.message_id or 0, "t:platforms_now:youtube")
        await tg.wait_confirmed(last)
    assert tg.confirmed_offset > last
    assert any(c.method == "editmessagereplymarkup" for c in tg.calls[mark:])

    async with running(tg, db_path) as run:  # a new process on the same database
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        await tg.say(chat_user, "/start")
        await chat.reply(lambda text: text.startswith(chat.t("flow.welcome_back")), mark)
        q = await chat.question("platforms_now", mark)
        assert (F.TICK_ON + chat.t("opt.platforms_now.youtube")) in [lbl for lbl, _ in q.buttons]
        # one message: the welcome back and the open question share it (combined); nothing from before came again
        assert len(tg.sent(UID_ID, mark)) == 1
        flow = await chat.flow()
        assert flow.step == "platforms_now" and flow.draft == Ticks(("youtube",))


async def test_forged_and_stale_callbacks_change_nothing(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        await tg.say(chat.user, "/start")
        q = await chat.question("name", mark)
        name_q = q
        q = await play_one(chat, q, "name", "Budi Santoso", "role")
        mark = tg.mark()
        notices = []
        for data in ("a:role:king", "zz:hack", "a:vision:x", "t:role:artist", "d:purposes", "c:yes"):
            update_id = await tg.tap(chat.user, q.message_id or 0, data)
            notices.append((await chat.answer_query(update_id)).params.get("text"))
        assert all(n in (chat.t("err.stale_button"), chat.t("err.pick_option")) for n in notices)
        assert notices[1] == notices[2] == chat.t("err.stale_button")
        # An old question's button: only the notice; the open question is not sent a second time.
        update_id = await tg.tap(chat.user, name_q.message_id or 0, "a:name:x")
        assert (await chat.answer_query(update_id)).params.get("text") == chat.t("err.stale_button")
        assert [c for c in tg.calls[mark:] if c.method == "sendmessage"] == []
        flow = await chat.flow()
        assert flow.step == "role" and flow.status == "active"
        user = await run.core.storage.find_user("telegram", str(UID_ID))
        assert user is not None and set(await run.core.storage.answers(user.id)) == {"name"}
        # The real button still works afterwards.
        mark = tg.mark()
        await chat.tap(q, "a:role:artist")
        await chat.question("platforms_now", mark)


async def test_429_waits_as_told_then_sends_and_network_errors_retry(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        grants: list[float] = []  # when the limiter let each send or edit go (its virtual time)
        run.core.limiter.on_grant = lambda t, *_: grants.append(t)
        tg.fail("sendMessage", 429, retry_after=7)
        mark = tg.mark()
        await tg.say(chat.user, "/start")
        await chat.question("name", mark)
        assert grants[1] - grants[0] >= 7.0  # the re-send waited as told, in the limiter (every send waits)
        assert [c.status for c in tg.calls[mark:] if c.method == "sendmessage"][0] == 429
        welcome = [c for c in tg.sent(UID_ID, mark) if "brandcoach" in c.text]
        assert len(welcome) == 1  # delivered once, not dropped

        tg.fail("sendMessage", 502, times=2)  # network trouble: retried with backoff
        mark = tg.mark()
        run.waits.clear()
        await tg.say(chat.user, "Budi Santoso")
        await chat.question("role", mark)
        assert run.waits[:2] == [1.0, 2.0]

        # Unprompted sends (nudges): a short 429 is waited out, a long one becomes RetryLater.
        tg.fail("sendMessage", 429, retry_after=3)
        run.waits.clear()
        grants.clear()
        mark = tg.mark()
        await run.core.send_to("telegram", str(UID_ID), [Outbound(text="Jangan lupa posting hari ini!")])
        assert len(grants) == 2 and grants[1] - grants[0] >= 3.0 and run.waits == []
        assert tg.sent(UID_ID, mark)[0].text == "Jangan lupa posting hari ini!"
        tg.fail("sendMessage", 429, retry_after=600)
        with pytest.raises(RetryLater) as info:
            await run.core.send_to("telegram", str(UID_ID), [Outbound(text="Nanti saja")])
        assert info.value.after == 600

        # A failed getUpdates does not end polling.
        tg.fail("getUpdates", 502)  # the long poll in flight returns this update; the next poll fails
        mark = tg.mark()
        await tg.say(chat.user, "/help")
        await tg.wait_for(lambda c: c.method == "getupdates" and c.status == 502, after=mark)
        mark = tg.mark()
        await tg.say(chat.user, "/help")
        await chat.reply(lambda text: chat.t("help.title") in text, mark)


async def test_403_marks_unreachable_until_the_user_writes_again(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        chat = Chat(tg, run.core, UID_ID, "id")
        mark = tg.mark()
        await tg.say(chat.user, "/start")
        await chat.question("name", mark)
        tg.blocked.add(UID_ID)
        with pytest.raises(UserUnreachable):
            await run.core.send_to("telegram", str(UID_ID), [Outbound(text="Waktunya membalas komentar!")])
        user = await run.core.storage.find_user("telegram", str(UID_ID))
        assert user is not None and not user.reachable  # the nudge scheduler skips unreachable users

        tg.blocked.clear()
        mark = tg.mark()
        await tg.say(chat.user, "/start")
        await chat.reply(lambda text: text.startswith(chat.t("reach.back")), mark)
        user = await run.core.storage.find_user("telegram", str(UID_ID))
        assert user is not None and user.reachable

        # Blocking the bot (my_chat_member "kicked") also marks the user unreachable.
        await tg.block(chat.user)
        for _ in range(500):
            user = await run.core.storage.find_user("telegram", str(UID_ID))
            if user is not None and not user.reachable:
                break
            await asyncio.sleep(0.01)
        assert user is not None and not user.reachable
        # A reply that meets a 403 is not retried and does not break the bot.
        mark = tg.mark()
        await tg.say(chat.user, "Budi Santoso")
        await tg.wait_for(lambda c: c.method == "sendmessage" and c.status == 403, after=mark)


async def test_group_chat_gets_a_deep_link_and_nothing_is_collected(tg: FakeTelegram, db_path: str) -> None:
    async with running(tg, db_path) as run:
        group = -100777
        user = FakeTelegram.user(UID_EN, "Alex", "en")
        mark = tg.mark()
        await tg.group_say(user, group, "Alex Rivera, professional, hello everyone")
        await tg.group_say(user, group, "/start@someotherbot")
        await tg.group_say(user, group, f"/start@{tg.username}")
        hint = await tg.wait_for(lambda c: c.method == "sendmessage" and c.chat_id == group, after=mark)
        link = f"https://t.me/{tg.username}?start=group"
        assert hint.text == run.core.catalog.t("en", "group.hint")
        assert ("💬 Private chat with brandcoach", link) in hint.buttons
        await tg.group_say(FakeTelegram.user(UID_ID, "Budi", "id"), group, "/plan")
        hint_id = await tg.wait_for(lambda c: c.method == "sendmessage" and c.chat_id == group
                                    and c.index > hint.index, after=mark)
        assert hint_id.text == run.core.catalog.t("id", "group.hint")
        assert (run.core.catalog.t("id", "group.button"), link) in hint_id.buttons
        assert len([c for c in tg.calls[mark:] if c.method == "sendmessage"]) == 2
        assert await run.core.storage.find_user("telegram", str(UID_EN)) is None
        assert await run.core.storage.find_user("telegram", str(UID_ID)) is None


async def test_webhook_mode_checks_the_secret_token(tg: FakeTelegram, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/tg/hook"
    db = str(tmp_path / "hook.sqlite3")
    async with running(tg, db, telegram_webhook_url=url, telegram_webhook_port=port,
                       telegram_webhook_secret="s3cret-token") as run:
        assert tg.webhook["url"] == url and tg.webhook["secret_token"] == "s3cret-token"
        chat = Chat(tg, run.core, UID_EN, "en", name="Alex")
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                                              "chat": {"id": UID_EN, "type": "private"}, "from": chat.user,
                                              "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        mark = tg.mark()
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                assert r.status == 403
            async with http.post(url, json=update) as r:
                assert r.status == 403
            async with http.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}) as r:
                assert r.status == 200
        await chat.question("name", mark)
        assert len([c for c in tg.sent(UID_EN, mark) if chat.t("q.name.prompt") in c.text]) == 1
    assert not any(c.method == "getupdates" for c in tg.calls)


# -- pure helpers ---------------------------------------------------------------------------------

def test_split_html_keeps_every_chunk_under_the_limit_and_escapes() -> None:
    text = "\n".join(["▶ Judul <b>", "a & b " * 900, "x" * 5000, "", "akhir"])
    chunks = F.split_html(text)
    assert all(F.utf16_len(c) <= F.TEXT_LIMIT for c in chunks)
    assert squash("".join(F.visible_text(c) for c in chunks)) == squash(text)
    assert chunks[0].startswith("<b>▶ Judul &lt;b&gt;</b>")
    assert F.split_html("😀" * 3000) and all(F.utf16_len(c) <= 4096 for c in F.split_html("😀" * 3000))


def test_keyboard_ticks_by_role() -> None:
    choices = (Choice(Toggle("s", "a"), "Alpha", True), Choice(Toggle("s", "b"), "Beta"), Choice(Submit("s"), "Done"))
    rows = F.keyboard_rows(choices, multi=True)
    assert rows == [[(F.TICK_ON + "Alpha", "t:s:a", "toggle")], [(F.TICK_OFF + "Beta", "t:s:b", "toggle")],
                    [("Done", "d:s", "submit")]]
    assert F.command_target("/start@MyBot x") == ("start", "MyBot")
    assert F.command_target("hello") is None
    assert F.deep_link("bot", "bad payload!") == "https://t.me/bot?start=group"
