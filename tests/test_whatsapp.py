"""End to end: the WhatsApp adapter (aiohttp webhook, pywa's Graph API client) against a strict fake Graph API on
127.0.0.1 (tests/fake_graph.py), on one injected clock: the fake's 24-hour window and the core's agree."""
from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest

import answers as A
from bot.adapters.whatsapp.adapter import WhatsAppAdapter
from bot.backends import open_storage
from bot.clock import FakeClock
from bot.config import Config
from bot.core import Core
from fake_graph import Call, FakeGraph

WA_ID, WA_EN = "6281234567890", "447700900123"
VERIFY = "verify-me-please"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def graph(clock: FakeClock) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(clock)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@dataclass
class Running:
    core: Core
    adapter: WhatsAppAdapter
    url: str


@contextlib.asynccontextmanager
async def running(graph: FakeGraph, db: str, clock: FakeClock, timeout: float = 20.0,
                  **settings: Any) -> AsyncIterator[Running]:
    """A bot process serving WhatsApp on a free port, sending to the fake; stopped as SIGTERM would."""
    core = Core(open_storage(db, clock=clock), clock=clock)  # injected clock: the limits on virtual time
    await core.start()
    port = free_port()
    config = Config(db_path=db, whatsapp_token=graph.token, whatsapp_phone_id=graph.phone_id,
                    whatsapp_app_secret=graph.app_secret, whatsapp_verify_token=VERIFY,
                    whatsapp_webhook_port=port, whatsapp_api_url=graph.api_url, **settings)
    adapter = WhatsAppAdapter(core, config, timeout=timeout)
    adapter.webhook_listen = "127.0.0.1"
    core.add_adapter(adapter)
    await adapter.connect()
    graph.webhook_url = f"http://127.0.0.1:{port}/webhook"
    task = asyncio.create_task(adapter.listen())
    try:
        yield Running(core, adapter, graph.webhook_url)
    finally:
        await adapter.disconnect()
        await asyncio.wait_for(task, 10)
        await core.stop()


def post_template(graph: FakeGraph, db: str, clock: FakeClock) -> contextlib.AbstractAsyncContextManager[Running]:
    """`running` with nudges outside the 24 hours sent as templates, and the post reminder's template (bc_post_v2,
    in Indonesian) approved at the fake Meta."""
    graph.templates.add(("bc_post_v2", "id_ID"))
    return running(graph, db, clock, whatsapp_outside_window="template",
                   whatsapp_templates=(("brandcoach_post_reminder", "bc_post_v2"),),
                   whatsapp_template_languages=(("id", "id_ID"),))


class Chat:
    """One WhatsApp user; every action waits until the bot has answered it (no timing)."""

    def __init__(self, graph: FakeGraph, run: Running, wa_id: str, lang: str, name: str = "Budi") -> None:
        self.graph, self.run, self.wa_id, self.lang, self.name = graph, run, wa_id, lang, name
        self.turns: list[list[Call]] = []

    def t(self, key: str, **params: Any) -> str:
        return self.run.core.catalog.t(self.lang, key, **params)

    async def _turn(self, act: Any) -> list[Call]:
        self.graph.clock.advance(seconds=20)  # the user reads and types
        mark = self.graph.mark()
        status = await act()
        assert status == 200
        await self.run.adapter.settled()
        sent = self.graph.sent(self.wa_id, mark)
        self.turns.append(sent)
        return sent

    async def say(self, text: str) -> list[Call]:
        return await self._turn(lambda: self.graph.say(self.wa_id, text, self.name))

    async def tap(self, message: Call, option: str) -> list[Call]:
        return await self._turn(lambda: self.graph.tap(self.wa_id, message, option, self.name))

    @property
    def last(self) -> Call:
        return self.turns[-1][-1]

    def shown(self) -> str:
        return "\n".join(c.text for c in self.turns[-1])


def number_of(message: Call, label: str) -> int:
    """The number of a numbered line showing `label` (a tick box may precede it)."""
    for line in message.text.splitlines():
        m = re.match(r"^\s*(\d+)\. (?:✅ |▫️ |\[x\] |\[ \] )?(.*)$", line)
        if m and m.group(2) == label:
            return int(m.group(1))
    raise AssertionError(f"{label!r} is not a numbered line of {message.text[-400:]!r}")


async def shown_with(chat: Chat, option: str) -> Call | None:
    """The message offering `option` as a button or row: the last one, or a later page of its list (its "more" row
    tapped); None when the choices are numbered lines instead."""
    for _ in range(5):
        q = chat.last
        ids = [i for _, i in q.options]
        if option in ids:
            return q
        more = [i for i in ids if i.startswith("g:more:")]
        if not more:
            return None
        await chat.tap(q, more[0])
    raise AssertionError(f"{option} is on no page of the list")


async def play(chat: Chat, script: list[tuple[str, Any]]) -> None:
    """Answer each step as a WhatsApp user: type, tap a button or a row, or type the numbers of numbered lines."""
    for step, action in script:
        assert chat.t(f"q.{step}.prompt") in chat.shown(), (step, chat.shown()[-300:])
        q = chat.last
        if isinstance(action, str):
            await chat.say(action)
        elif action[0] == "tap":
            shown = await shown_with(chat, action[1])
            if shown is not None:
                await chat.tap(shown, action[1])
            else:
                opt = action[1].rsplit(":", 1)[-1]
                label = chat.t("common.skip") if action[1].startswith("s:") else chat.t(f"opt.{step}.{opt}")
                await chat.say(str(number_of(q, label)))
        elif await shown_with(chat, f"t:{step}:{action[1][0]}") is not None:
            for opt in action[1]:
                shown = await shown_with(chat, f"t:{step}:{opt}")
                assert shown is not None
                await chat.tap(shown, f"t:{step}:{opt}")
                assert "✅ " in str(chat.last.options)  # the ticks redrawn, as a new message
            done = await shown_with(chat, f"d:{step}")
            assert done is not None
            await chat.tap(done, f"d:{step}")
        else:
            await chat.say(",".join(str(number_of(q, chat.t(f"opt.{step}.{o}"))) for o in action[1]))
        # one message per message or tap, the summary before the plan too (over the 1,024 characters a message with
        # buttons holds: its choices are numbered lines in it)
        turn = chat.turns[-1]
        assert len(turn) <= 1, [c.text[:80] for c in turn]


# -- the webhook -----------------------------------------------------------------------------------

async def test_handshake_answers_the_challenge_only_for_the_verify_token(graph: FakeGraph, db_path: str,
                                                                         clock: FakeClock) -> None:
    async with running(graph, db_path, clock) as run, aiohttp.ClientSession() as http:
        good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
        async with http.get(run.url, params=good) as r:
            assert r.status == 200 and await r.text() == "1158201444"
        for bad in ({**good, "hub.verify_token": "guess"}, {**good, "hub.mode": "unsubscribe"},
                    {"hub.mode": "subscribe", "hub.challenge": "1"}):
            async with http.get(run.url, params=bad) as r:
                assert r.status == 403 and "1158201444" not in await r.text()


async def test_unsigned_or_badly_signed_posts_are_refused_and_nothing_is_handled(graph: FakeGraph, db_path: str,
                                                                                 clock: FakeClock) -> None:
    async with running(graph, db_path, clock) as run:
        message = graph.message(WA_ID, "Budi", "text", {"body": "/start"})
        assert await graph.send_user_message(WA_ID, "Budi", message, signature=None) == 401
        assert await graph.send_user_message(WA_ID, "Budi", message, signature="sha256=" + "0" * 64) == 403
        assert await graph.send_user_message(WA_ID, "Budi", message, signature="md5=abc") == 403
        await run.adapter.settled()
        assert graph.calls == []
        assert await run.core.storage.find_user("whatsapp", WA_ID) is None
        # the same message signed: handled once, and a second delivery of it changes nothing
        assert await graph.send_user_message(WA_ID, "Budi", message) == 200
        await run.adapter.settled()
        first = graph.sent(WA_ID)
        assert len(first) == 1 and run.core.catalog.t("id", "q.name.prompt") in first[0].text
        assert await graph.send_user_message(WA_ID, "Budi", message) == 200
        await run.adapter.settled()
        assert len(graph.sent(WA_ID)) == 1
        assert graph.refused() == []


# -- the whole questionnaire -----------------------------------------------------------------------

SCRIPT_ID = A.chat_actions(A.persona_from_actions([("name", "Budi Santoso")]), "id")
SCRIPT_EN = A.chat_actions(A.persona_from_actions([("name", "Alex Rivera")]), "en")


async def finish(chat: Chat) -> list[Call]:
    """Confirm the summary; returns what the bot sent for the plan once its pictures followed."""
    summary = chat.last
    assert chat.t("summary.title") in chat.shown()
    mark = chat.graph.mark()
    if "c:yes" in [i for _, i in summary.options]:
        await chat.tap(summary, "c:yes")
    else:  # too long for buttons: its choices are numbered lines in the same message
        await chat.say(str(number_of(summary, chat.t("btn.confirm"))))
    await chat.run.core.follow_ups.drain(120)
    await chat.run.adapter.settled()
    return chat.graph.sent(chat.wa_id, mark)


@pytest.mark.parametrize("lang,wa_id,name,script", [("id", WA_ID, "Budi", SCRIPT_ID),
                                                     ("en", WA_EN, "Alex", SCRIPT_EN)])
async def test_whole_questionnaire_to_a_plan(graph: FakeGraph, db_path: str, clock: FakeClock, lang: str,
                                             wa_id: str, name: str, script: list[tuple[str, Any]]) -> None:
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, wa_id, lang, name)
        await chat.say("/start")
        assert len(chat.turns[-1]) == 1
        await play(chat, script)
        plan = await finish(chat)
        # /plan later: the plan again, with its PDF and card
        mark = graph.mark()
        await chat.say("/plan")
        await run.core.follow_ups.drain(120)
        await run.adapter.settled()
        again = graph.sent(wa_id, mark)
        user = await run.core.storage.find_user("whatsapp", wa_id)
        assert user is not None and user.language == lang
        assert (await run.core.storage.get_flow(user.id)).status == "done"  # type: ignore[union-attr]
    assert graph.refused() == []  # nothing WhatsApp would refuse was ever sent
    for sent in (plan, again):
        kinds = [c.type for c in sent]
        assert "image" in kinds  # the card
        pdfs = [c for c in sent if c.type == "document" and graph.media[c.body["document"]["id"]]["mime"]
                == "application/pdf"]
        assert len(pdfs) == 1 and graph.media[pdfs[0].body["document"]["id"]]["data"].startswith(b"%PDF-")
        texts = "\n".join(c.text for c in sent)
        assert chat.t("plan.title", name="").strip() in texts
        assert all(len(c.text) <= 4096 for c in sent)


# -- nudges and the 24-hour window -------------------------------------------------------------------

async def _planned(run: Running, chat: Chat) -> Any:
    """The user wrote (/start, their name) and has a finished plan with the daily post nudge at 09:00 only."""
    from nudge_helpers import done_user, only

    await chat.say("/start")
    await chat.say("Budi Santoso")
    user = await done_user(run.core, chat.wa_id, platform="whatsapp", answers={**NUDGE_ANSWERS, "name": "Budi"})
    return user, await only(run.core, user, "post", times=["09:00"], days=[0, 1, 2, 3, 4, 5, 6])


NUDGE_ANSWERS: dict[str, Any] = {}


async def _tick_at(run: Running, clock: FakeClock, due_at: int) -> Any:
    from nudge_helpers import service

    clock.set(datetime.fromtimestamp(due_at, timezone.utc) + timedelta(minutes=1))
    stats = await service(run.core).tick()
    await run.adapter.settled()
    return stats


async def _next_due(run: Running, nudge_id: int) -> int:
    from handlers.reminders.store import NudgeStore

    found = await NudgeStore(run.core.storage).get(nudge_id)
    assert found is not None and found.due_at is not None
    return int(found.due_at)


async def test_reminders_and_nudges_inside_the_window_free_form_outside_held(graph: FakeGraph, db_path: str,
                                                                           clock: FakeClock) -> None:
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        user, nudge = await _planned(run, chat)
        turn = await chat.say("/reminders")
        assert len(turn) == 1 and turn[0].text
        # inside the window (the user wrote less than 24 hours ago): the nudge goes free-form, with its buttons
        mark = graph.mark()
        stats = await _tick_at(run, clock, nudge.due_at)
        sent = graph.sent(WA_ID, mark)
        assert stats.sent == 1 and len(sent) == 1 and sent[0].type in ("text", "interactive")
        # the next day's nudge: more than 24 hours since they wrote: held, nothing sent (nor refused)
        mark = graph.mark()
        stats = await _tick_at(run, clock, await _next_due(run, nudge.id))
        assert graph.sent(WA_ID, mark) == [] and graph.refused(mark) == []
        assert await run.adapter.store.held_count(user.id) == 1
        held = await run.core.storage.fetch_one("SELECT message FROM whatsapp_held WHERE user_id = ?", (user.id,))
        held_text = json.loads(held[0])["text"]
        # the user writes: their reply first, then the held nudge, inside the window
        turn = await chat.say("/help")
        assert len(turn) == 2 and chat.t("help.title") in turn[0].text
        assert turn[1].text.startswith(held_text[:200]) and turn[1].type in ("text", "interactive")
        assert await run.adapter.store.held_count(user.id) == 0
        assert graph.refused() == []


async def test_outside_the_window_a_nudge_goes_as_its_approved_template(graph: FakeGraph, db_path: str,
                                                                       clock: FakeClock) -> None:
    async with post_template(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        user, nudge = await _planned(run, chat)
        await _tick_at(run, clock, nudge.due_at)  # inside the window: free-form
        mark = graph.mark()
        stats = await _tick_at(run, clock, await _next_due(run, nudge.id))
        sent = graph.sent(WA_ID, mark)
        assert stats.sent == 1 and [c.type for c in sent] == ["template"]
        template = sent[0].body["template"]
        assert template["name"] == "bc_post_v2" and template["language"]["code"] == "id_ID"
        assert template["components"][0]["parameters"] == [{"type": "text", "text": "Budi"}]
        assert await run.adapter.store.held_count(user.id) == 0
        # a kind without an approved template at WhatsApp (refused 132001) is held instead, never sent free-form
        graph.templates.clear()
        mark = graph.mark()
        await _tick_at(run, clock, await _next_due(run, nudge.id))
        assert [c.code for c in graph.calls[mark:]] == [132001]
        assert await run.adapter.store.held_count(user.id) == 1


async def test_a_free_form_refusal_131047_is_never_retried_free_form(graph: FakeGraph, db_path: str,
                                                                    clock: FakeClock) -> None:
    """WhatsApp's clock says the window closed while ours says open: the nudge is held, not sent again."""
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        user, nudge = await _planned(run, chat)
        graph.last_inbound[WA_ID] -= timedelta(hours=30)
        mark = graph.mark()
        stats = await _tick_at(run, clock, nudge.due_at)
        assert [c.code for c in graph.calls[mark:]] == [131047]
        assert stats.sent == 1 and await run.adapter.store.held_count(user.id) == 1


# -- privacy ---------------------------------------------------------------------------------------

async def test_export_holds_the_number_as_the_users_own_data_and_delete_removes_it(graph: FakeGraph, db_path: str,
                                                                                   clock: FakeClock) -> None:
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        other = Chat(graph, run, WA_EN, "en", "Alex")
        await chat.say("/start")
        await other.say("/start")
        turn = await chat.say("/export")
        files = [c for c in turn if c.type == "document"]
        assert len(turn) == 1 and len(files) == 1  # JSON goes as a plain-text document (WhatsApp takes no JSON)
        media = graph.media[files[0].body["document"]["id"]]
        assert media["mime"] == "text/plain" and files[0].body["document"]["filename"] == "brandcoach-data.json"
        data = json.loads(media["data"])
        assert data["user"]["platform_user_id"] == WA_ID and WA_EN not in media["data"].decode()
        assert data["whatsapp_window"] and data["whatsapp_delivery"]  # the channel's rows are theirs too
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None

        turn = await chat.say("/delete")
        await chat.tap(chat.last, "x:delete:yes") if "x:delete:yes" in [i for _, i in chat.last.options] \
            else await chat.say(str(number_of(chat.last, chat.t("btn.delete_yes"))))
        assert await run.core.storage.find_user("whatsapp", WA_ID) is None
        for table in ("whatsapp_window", "whatsapp_held", "whatsapp_delivery"):
            row = await run.core.storage.fetch_one(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user.id,))
            assert row[0] == 0, table
        assert await run.core.storage.find_user("whatsapp", WA_EN) is not None  # the other user keeps theirs


async def test_phone_numbers_never_reach_the_logs(graph: FakeGraph, db_path: str, clock: FakeClock,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO)
    for name in ("bot", "handlers", "pywa", "pywa_async", "httpx", "aiohttp"):  # aiosqlite's debug prints SQL values
        caplog.set_level(logging.DEBUG, logger=name)
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        await graph.post_failed(WA_ID, chat.last.message_id, 131056)  # logged, by its code
        await run.adapter.settled()
        graph.refuse["messages"] = 131026  # undeliverable: the user is marked unreachable
        await chat.say("Budi Santoso")
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None and not user.reachable
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "131056" in caplog.text and run.adapter.who(WA_ID) in caplog.text
    assert WA_ID not in text and WA_ID[2:] not in text


# -- restarts, failures ------------------------------------------------------------------------------

async def test_a_restart_mid_questionnaire_loses_no_acknowledged_answer(graph: FakeGraph, db_path: str,
                                                                       clock: FakeClock) -> None:
    from bot.inbox import InboxSweep

    at = next(i for i, (_, action) in enumerate(SCRIPT_ID) if i > 0 and isinstance(action, str))
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        await play(chat, SCRIPT_ID[:at])
        # the process dies between WhatsApp's 200 and the handling: the answer was acknowledged, never handled
        run.adapter._spawn = lambda coro: coro.close()  # type: ignore[method-assign]
        step, typed = SCRIPT_ID[at]
        assert chat.t(f"q.{step}.prompt") in chat.shown()
        mark = graph.mark()
        answer = graph.message(WA_ID, "Budi", "text", {"body": typed})
        assert await graph.send_user_message(WA_ID, "Budi", answer) == 200
        assert graph.sent(WA_ID, mark) == []
    async with running(graph, db_path, clock) as run:  # a new process on the same database
        chat.run = run
        mark = graph.mark()
        clock.advance(seconds=5)
        await InboxSweep(run.core, age=2).once()  # at start, the inbox's waiting rows are answered
        await run.adapter.settled()
        after = graph.sent(WA_ID, mark)
        assert len(after) == 1  # the answer's reply, once
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None
        answers = await run.core.storage.answers(user.id)
        flow = await run.core.storage.get_flow(user.id)
        assert step in answers and flow is not None and flow.step != step  # the acknowledged answer was kept
        assert chat.t(f"q.{SCRIPT_ID[at + 1][0]}.prompt") in after[0].text  # and the next question asked
        # WhatsApp delivers the same message again: recognised, not answered twice
        mark = graph.mark()
        assert await graph.send_user_message(WA_ID, "Budi", answer) == 200
        await run.adapter.settled()
        assert graph.sent(WA_ID, mark) == []


async def test_5xx_is_retried_for_replies_and_rescheduled_for_nudges_a_timeout_is_never_resent(
        graph: FakeGraph, db_path: str, clock: FakeClock) -> None:
    async with running(graph, db_path, clock, timeout=0.5) as run:
        waits: list[float] = []

        async def record(seconds: float) -> None:  # waits are recorded, not slept through
            waits.append(seconds)

        run.adapter.sleep = record
        chat = Chat(graph, run, WA_ID, "id")
        # seeded: some answers 5xx: a reply is tried again until WhatsApp takes it (one message reaches the user)
        graph.set_chaos(seed=7, fail_rate=0.5)
        user, nudge = await _planned(run, chat)
        assert all(len(turn) == 1 for turn in chat.turns) and waits
        assert any(c.status == 503 for c in graph.calls)
        # a nudge that meets a 5xx is not sent: retried later by the scheduler
        graph.set_chaos(seed=1, fail_rate=1.0)
        mark = graph.mark()
        stats = await _tick_at(run, clock, nudge.due_at)
        assert stats.retried == 1 and graph.sent(WA_ID, mark) == []
        # an answer that comes too late: the message went, the bot cannot know: never sent again
        graph.set_chaos(seed=1, slow_rate=1.0, slow_seconds=2.0)
        mark = graph.mark()
        stats = await _tick_at(run, clock, await _next_due(run, nudge.id))
        assert stats.unknown == 1 and len(graph.sent(WA_ID, mark)) == 1
        graph.chaos = None
        mark = graph.mark()
        await _tick_at(run, clock, await _next_due(run, nudge.id) - 3600)
        assert graph.sent(WA_ID, mark) == []


async def test_run_serves_whatsapp_when_its_variables_are_set(graph: FakeGraph, tmp_path: Any) -> None:
    from bot.app import build_app
    from bot.config import from_env

    port = free_port()
    env = {"WHATSAPP_TOKEN": graph.token, "WHATSAPP_PHONE_ID": graph.phone_id,
           "WHATSAPP_APP_SECRET": graph.app_secret, "WHATSAPP_VERIFY_TOKEN": VERIFY,
           "WHATSAPP_WEBHOOK_PORT": str(port), "WHATSAPP_API_URL": graph.api_url}
    app = await build_app(from_env(env, db_path=str(tmp_path / "run.sqlite3")))
    lines: list[str] = []
    app.report = lines.append
    await app.start()
    try:
        assert [a.platform for a in app.adapters] == ["whatsapp"]
        assert lines == [f"serving WhatsApp (webhook on port {port})"]
        async with aiohttp.ClientSession() as http:
            params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "42"}
            async with http.get(f"http://127.0.0.1:{port}/", params=params) as r:
                assert await r.text() == "42"
    finally:
        await app.stop()


async def test_typed_command_words_and_other_message_kinds(graph: FakeGraph, db_path: str, clock: FakeClock) -> None:
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        slash = await chat.say("/plan")
        word = await chat.say("Rencana")  # a word from content/whatsapp.toml runs the command
        assert len(slash) == len(word) == 1 and slash[0].text == word[0].text
        for kind, content in (("image", {"id": "img1", "mime_type": "image/jpeg"}), ("sticker", {"id": "st1"}),
                              ("location", {"latitude": -6.2, "longitude": 106.8})):
            turn = await chat._turn(lambda kind=kind, content=content: graph.send_user_message(
                WA_ID, "Budi", graph.message(WA_ID, "Budi", kind, content)))
            assert len(turn) == 1 and chat.t("err.not_text") in turn[0].text
        flow = await run.core.storage.get_flow((await run.core.storage.find_user("whatsapp", WA_ID)).id)  # type: ignore[union-attr]
        assert flow is not None and flow.step == "name"
        # a reaction needs no answer
        mark = graph.mark()
        assert await graph.send_user_message(WA_ID, "Budi", graph.message(WA_ID, "Budi", "reaction", {
            "message_id": "wamid.x", "emoji": "👍"})) == 200
        await run.adapter.settled()
        assert graph.sent(WA_ID, mark) == []


async def test_a_file_whatsapp_refuses_goes_as_text(graph: FakeGraph, db_path: str, clock: FakeClock) -> None:
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        graph.refuse["media"] = 131053  # the upload of /export's file is refused once
        turn = await chat.say("/export")
        assert [c.type for c in turn] == ["text"]
        assert chat.t("privacy.export").split("{")[0][:20] in turn[0].text and '"platform_user_id"' in turn[0].text


async def test_a_message_redelivered_after_a_day_is_not_answered_again(graph: FakeGraph, db_path: str,
                                                                       clock: FakeClock) -> None:
    """WhatsApp retries a webhook for up to 7 days; the inbox keeps ids for 24 h: an old message from a user who has
    written since is dropped, an old one from a user who has not is answered (it was never delivered before)."""
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        old = graph.message(WA_ID, "Budi", "text", {"body": "Budi Santoso"})
        await chat.say("/help")
        clock.advance(hours=30)
        mark = graph.mark()
        assert await graph.send_user_message(WA_ID, "Budi", old) == 200
        await run.adapter.settled()
        assert graph.sent(WA_ID, mark) == []
        late = graph.message(WA_EN, "Alex", "text", {"body": "/start"})
        late["timestamp"] = str(int(clock.now().timestamp()) - 40 * 3600)
        assert await graph.send_user_message(WA_EN, "Alex", late) == 200
        await run.adapter.settled()
        assert len(graph.sent(WA_EN, mark)) == 1


async def test_a_nudge_refused_after_sending_with_131047_is_held(graph: FakeGraph, db_path: str,
                                                                clock: FakeClock) -> None:
    """WhatsApp often takes a free-form message (200) and refuses it later in a failed status: the nudge is held
    and sent after the user's next message, never lost and never sent free-form again before."""
    async with running(graph, db_path, clock) as run:
        graph.late_refusals = True
        chat = Chat(graph, run, WA_ID, "id")
        user, nudge = await _planned(run, chat)
        graph.last_inbound[WA_ID] -= timedelta(hours=30)  # by WhatsApp's clock the window has closed
        mark = graph.mark()
        stats = await _tick_at(run, clock, nudge.due_at)
        await graph.idle()
        await run.adapter.settled()
        [taken] = graph.sent(WA_ID, mark)
        assert stats.sent == 1 and taken.late_code == 131047
        assert (taken.message_id, "failed", 131047) in await run.adapter.store.deliveries(user.id)
        assert await run.adapter.store.held_count(user.id) == 1
        turn = await chat.say("/help")
        assert len(turn) == 2 and turn[1].text == taken.text  # the same nudge, now inside the window
        assert await run.adapter.store.held_count(user.id) == 0


async def test_a_late_refusal_holds_the_nudge_whichever_comes_first(graph: FakeGraph, db_path: str,
                                                                    clock: FakeClock) -> None:
    from bot.adapters.whatsapp.webhook import Status
    from bot.types import Outbound

    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None
        at = int(clock.now().timestamp())
        post = Outbound("Waktunya posting", key="nudge.post.a", kind="nudge")
        respond = Outbound("Waktunya membalas", key="nudge.respond.a", kind="nudge")
        await run.adapter._status(Status("wamid.X", WA_ID, "failed", at, 131047))  # the failed status first
        await run.adapter._keep_nudges(WA_ID, [post], ["wamid.X"])
        await run.adapter._keep_nudges(WA_ID, [respond], ["wamid.Y"])  # the send's record first
        await run.adapter._status(Status("wamid.Y", WA_ID, "failed", at, 131047))
        await run.adapter._status(Status("wamid.Y", WA_ID, "failed", at, 131047))  # the status delivered again
        held = await run.adapter.store.take_held(user.id)
        assert sorted(m.text for m in held) == ["Waktunya membalas", "Waktunya posting"]
