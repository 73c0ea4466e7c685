"""Review of the WhatsApp channel against what WhatsApp's Cloud API refuses or sends: the fake as strict as the
platform, webhook payload variants that must not crash, and replies WhatsApp would refuse."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from test_whatsapp import WA_ID, Chat, _next_due, _tick_at, post_template, running

from bot.adapters.whatsapp import render as R
from bot.i18n import Catalog
from bot.types import Choice, Outbound
from handlers.privacy import ConfirmDanger
from handlers.questionnaire import Submit

CATALOG = Catalog()


def texts(lang: str, key: str) -> str:
    return CATALOG.t(lang, key)


def _buttons(*titles: str, ids: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    ids = ids or tuple(f"b{i}" for i in range(len(titles)))
    return {"type": "button", "body": {"text": "Pick"}, **extra, "action": {"buttons": [
        {"type": "reply", "reply": {"id": i, "title": t}} for i, t in zip(ids, titles)]}}


def _rows(*titles: str, ids: tuple[str, ...] = (), button: str = "Choose", section: str | None = None,
          body: str = "Pick") -> dict[str, Any]:
    ids = ids or tuple(f"r{i}" for i in range(len(titles)))
    sec: dict[str, Any] = {"rows": [{"id": i, "title": t} for i, t in zip(ids, titles)]}
    if section is not None:
        sec["title"] = section
    return {"type": "list", "body": {"text": body}, "action": {"button": button, "sections": [sec]}}


async def test_the_fake_refuses_every_interactive_and_template_message_whatsapp_refuses(clock: Any) -> None:
    from bot.adapters.whatsapp.graph import Graph, Refused
    from fake_graph import FakeGraph

    fake = FakeGraph(clock)
    await fake.start()
    client = Graph(fake.token, fake.phone_id, fake.api_url)
    to = "6281234567890"
    fake.last_inbound[to] = clock.now()
    fake.templates.add(("bc_post", "id"))
    fake.template_params[("bc_post", "id")] = 1

    def template(*params: str) -> dict[str, Any]:
        return {"name": "bc_post", "language": {"code": "id"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]}

    refused: list[tuple[str, dict[str, Any]]] = [
        ("interactive", _buttons("a", "b") | {"body": {"text": "x" * 1025}}),
        ("interactive", _rows("a", "b", body="x" * 1025)),
        ("interactive", _buttons("ok", "  ")),
        ("interactive", _buttons("a", "b", ids=("same", "same"))),
        ("interactive", _buttons("a", ids=(" ",))),
        ("interactive", {**_buttons("a"), "action": {"buttons": [{"type": "url", "reply": {"id": "u", "title": "a"}}]}}),
        ("interactive", _buttons("a", header={"type": "text", "text": "h" * 61})),
        ("interactive", _buttons("a", footer={"text": "f" * 61})),
        ("interactive", _rows("a", "b", ids=("r", "r"))),
        ("interactive", _rows("a", ids=("i" * 201,))),
        ("interactive", _rows("a", button="b" * 21)),
        ("interactive", _rows("a", button="   ")),
        ("interactive", _rows("a", section="s" * 25)),
        ("interactive", _rows("  ")),
        ("template", template("Budi\nSantoso")),
        ("template", template("Budi\tSantoso")),
        ("template", template("Budi     Santoso")),
        ("template", template("Budi", "extra")),
        ("template", template()),
    ]
    try:
        # at the limits: taken
        assert await client.send(to, "interactive", _buttons("a" * 20, header={"type": "text", "text": "h" * 60},
                                                             footer={"text": "f" * 60}))
        assert await client.send(to, "interactive", _rows("t" * 24, ids=("i" * 200,), button="b" * 20,
                                                          section="s" * 24, body="x" * 1024))
        assert await client.send(to, "template", template("Budi Santoso"))
        for kind, body in refused:
            with pytest.raises(Refused):
                await client.send(to, kind, body)
        assert len(fake.refused()) == len(refused)
    finally:
        await client.close()
        await fake.stop()


def test_a_blank_label_never_becomes_a_blank_button_or_row_title() -> None:
    """WhatsApp refuses a title that is only spaces: such choices go as numbered lines instead."""
    for n in (2, 5):
        choices = tuple(Choice(ConfirmDanger(f"c{i}"), " " if i == 0 else f"Choice {i}") for i in range(n))
        out = R.render_turn([Outbound("Pick one", choices=choices)], texts)
        for message in out:
            action = message.body.get("action") or {}
            titles = [b["reply"]["title"] for b in action.get("buttons", [])] + \
                [r["title"] for s in action.get("sections", []) for r in s["rows"]]
            assert all(t.strip() for t in titles), titles
        assert out[-1].type == "text" and "Choice 1" in out[-1].body["body"]
    assert Submit  # imported for the registry of actions


def test_webhook_payloads_of_every_shape_read_without_an_exception() -> None:
    """A field of an unexpected shape must not raise: the POST would be answered 500 and every message in it sent
    again by WhatsApp for days. The good messages beside it are read."""
    from bot.adapters.whatsapp.webhook import read_payload

    good = {"from": "6281", "id": "wamid.ok", "timestamp": "1700000000", "type": "text", "text": {"body": "hai"},
            "context": {"from": "15550001111", "id": "wamid.bot"}}
    odd_messages: list[Any] = [
        {"from": "6281", "id": "m1", "timestamp": "1", "type": "text", "text": "not an object"},
        {"from": "6281", "id": "m2", "timestamp": "1", "type": "interactive", "interactive": "x"},
        {"from": "6281", "id": "m3", "timestamp": "1", "type": "interactive",
         "interactive": {"type": "nfm_reply", "nfm_reply": {"response_json": "{}", "name": "flow"}}},
        {"from": "6281", "id": "m4", "timestamp": "1", "type": "interactive", "interactive": {"button_reply": "x"}},
        {"from": "6281", "id": "m5", "timestamp": "1", "type": "button", "button": "x"},
        {"from": "6281", "id": "m6", "timestamp": 1e400, "type": "brand_new_kind"},
        "not a message", None, 7,
    ]
    payloads: list[Any] = [
        {"entry": 5}, {"entry": [5, None, {"changes": "x"}, {"changes": [None, {"value": "x"}]}]},
        {"entry": [{"changes": [{"value": {"contacts": [{"wa_id": "6281", "profile": "Budi"}, "x"],
                                           "messages": [*odd_messages, good],
                                           "statuses": [{"id": "wamid.s", "status": "failed", "errors": "x"},
                                                        {"id": "wamid.t", "status": "failed", "errors": [None]},
                                                        {"id": "wamid.u", "status": "read"}, "x"]}}]}]},
        {"entry": [{"changes": [{"value": {"messages": {"not": "a list"}, "statuses": "x", "contacts": 3}}]}]},
        [], "x", None,
    ]
    for payload in payloads:
        read_payload(payload, "1098765")
    messages, statuses = read_payload(payloads[2], "1098765")
    assert [m.id for m in messages][-1] == "wamid.ok" and messages[-1].text == "hai"  # a reply-to (context) too
    assert {m.id: m.kind for m in messages} == {"m1": "text", "m2": "other", "m3": "other", "m4": "other",
                                                 "m5": "text", "m6": "other", "wamid.ok": "text"}
    assert [(s.message_id, s.code) for s in statuses] == [("wamid.s", None), ("wamid.t", None), ("wamid.u", None)]


def test_a_change_about_another_business_number_of_the_app_is_left_out() -> None:
    """One Meta app may serve several numbers (a test number beside the real one): each gets every number's
    webhooks, and must answer only its own users."""
    from bot.adapters.whatsapp.webhook import read_payload

    def change(number: str, mid: str) -> dict[str, Any]:
        return {"value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": number},
                          "messages": [{"from": "6281", "id": mid, "timestamp": "1", "type": "text",
                                        "text": {"body": "hai"}}],
                          "statuses": [{"id": f"s-{mid}", "status": "sent", "recipient_id": "6281"}]}}

    payload = {"entry": [{"changes": [change("1098765", "mine"), change("5550000", "theirs")]},
                         {"changes": [change("1098765", "mine2")]}]}  # several entries and changes in one POST
    messages, statuses = read_payload(payload, "1098765")
    assert [m.id for m in messages] == ["mine", "mine2"] and [s.message_id for s in statuses] == ["s-mine", "s-mine2"]


# -- end to end --------------------------------------------------------------------------------------


@pytest.fixture
async def fake(clock: Any) -> AsyncIterator[Any]:
    from fake_graph import FakeGraph

    graph = FakeGraph(clock)
    await graph.start()
    try:
        yield graph
    finally:
        await graph.stop()


async def test_a_template_takes_a_name_with_line_breaks_and_runs_of_spaces(fake: Any, db_path: str,
                                                                           clock: Any) -> None:
    """WhatsApp refuses a template parameter with a newline, a tab or five spaces in a row (132018): the user's
    name is sent on one line, its spaces collapsed, and the template goes instead of the nudge being held."""
    from nudge_helpers import done_user, only

    graph = fake
    async with post_template(graph, db_path, clock) as run:
        graph.template_params[("bc_post_v2", "id_ID")] = 1
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        user = await done_user(run.core, WA_ID, platform="whatsapp", answers={"name": " Budi\n\tSantoso      Jr "})
        nudge = await only(run.core, user, "post", times=["09:00"], days=[0, 1, 2, 3, 4, 5, 6])
        await _tick_at(run, clock, nudge.due_at)  # inside the window: free-form
        mark = graph.mark()
        await _tick_at(run, clock, await _next_due(run, nudge.id))  # a day later: outside, its template
        assert graph.refused(mark) == []
        [sent] = graph.sent(WA_ID, mark)
        assert sent.body["template"]["components"][0]["parameters"] == [{"type": "text", "text": "Budi Santoso Jr"}]
        assert await run.adapter.store.held_count(user.id) == 0


async def test_the_summary_before_the_plan_is_one_message_and_its_typed_number_after_a_restart_makes_the_plan(
        fake: Any, db_path: str, clock: Any) -> None:
    """The summary is longer than the 1,024 characters a message with buttons holds: it goes as one message with its
    choices as numbered lines (one message per turn, issue 24), and the typed number is read against the menu the
    core stored for the user (bot/compose.py, the menus table), so a new process (or another worker) understands it.
    Before the menu was stored, the typed '1' was read from the process's memory and the summary came again."""
    from test_whatsapp import SCRIPT_ID, number_of, play

    graph = fake
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        await play(chat, SCRIPT_ID)
        turn = chat.turns[-1]
        summary = chat.last
        assert len(turn) == 1 and chat.t("summary.title") in summary.text and len(summary.text) > 1024
        yes = number_of(summary, chat.t("btn.confirm"))
    async with running(graph, db_path, clock) as run:  # a new process on the same database
        chat.run = run
        await chat.say(str(yes))
        await run.core.follow_ups.drain(120)
        await run.adapter.settled()
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None and (await run.core.storage.get_flow(user.id)).status == "done"  # type: ignore[union-attr]
    assert graph.refused() == []


def _nudge_in_two_parts() -> list[Outbound]:
    """A nudge the core split for the 1,024 characters of a message with buttons: its text, then its buttons."""
    key = "nudge.post.reminder"
    return [Outbound("Langkah minggu ini. " * 50, key=key, kind="nudge", lang="id", private=True),
            Outbound("Sudah posting hari ini?", key=key, kind="nudge", lang="id", private=True,
                     choices=(Choice(ConfirmDanger("delete"), "Sudah"), Choice(ConfirmDanger("reset"), "Nanti")))]


async def test_a_nudge_in_two_parts_outside_the_window_goes_as_one_template(fake: Any, db_path: str,
                                                                           clock: Any) -> None:
    graph = fake
    async with post_template(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        clock.advance(hours=25)
        mark = graph.mark()
        await run.adapter.send(WA_ID, _nudge_in_two_parts())
        assert [c.type for c in graph.sent(WA_ID, mark)] == ["template"]  # not one template per part


async def test_a_nudge_in_two_parts_outside_the_window_is_held_whole(fake: Any, db_path: str, clock: Any) -> None:
    graph = fake
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        clock.advance(hours=25)
        await run.adapter.send(WA_ID, _nudge_in_two_parts())
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None and await run.adapter.store.held_count(user.id) == 2  # the second kept the first
        turn = await chat.say("halo")
        shown = "\n".join(c.text for c in turn)
        assert "Langkah minggu ini." in shown and turn[-1].type == "interactive"
        assert [t for t, _ in turn[-1].options] == ["Sudah", "Nanti"]
        assert graph.refused() == []


def test_a_phone_number_in_an_error_reaching_a_log_is_masked() -> None:
    """A WhatsApp id is a phone number. PostgreSQL's errors quote the row they refuse (asyncpg's text carries
    'DETAIL: Key (platform, platform_user_id)=(whatsapp, 62...)'), and a logged exception's text is not ours to
    word: anything shaped like an international number (11-15 digits) is masked in every output, as tokens are;
    ids and times in our own log lines (update ids of 19 digits, epoch seconds, counts) stay readable."""
    import io
    import logging

    import asyncpg.exceptions

    from bot.redact import RedactingFilter, redact

    number = "6281234567890"
    error = asyncpg.exceptions.UniqueViolationError.new({
        "M": 'duplicate key value violates unique constraint "users_platform_key"', "C": "23505", "S": "ERROR",
        "D": f"Key (platform, platform_user_id)=(whatsapp, {number}) already exists."})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.whatsapp.review")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise error
    except asyncpg.exceptions.UniqueViolationError:
        logger.exception("the window of %s could not be recorded", "wa:1a2b3c4d5e6f")
    finally:
        logger.removeHandler(handler)
    assert "already exists" in stream.getvalue() and number not in stream.getvalue()
    for text in (f"+{number}", f"to {number}.", "447700900123", "15550001111"):
        assert not any(c.isdigit() for c in redact(text).replace("[secret]", "")), text
    kept = "whatsapp update 3650722201234567890 at 1700000000 (12.5 ms); nudge 12345 of user 42; -1001234567890"
    assert redact(kept) == kept


async def test_a_held_nudge_refused_for_now_after_the_users_message_is_not_lost(fake: Any, db_path: str,
                                                                               clock: Any) -> None:
    """The held nudge goes right after the reply to the user's next message. WhatsApp answering it 'not now'
    (130429, 131056: provably not sent) dropped it: it was taken from the store and never tried again."""
    from fake_graph import Refusal

    graph = fake
    async with running(graph, db_path, clock) as run:
        waits: list[float] = []

        async def no_wait(seconds: float) -> None:
            waits.append(seconds)

        run.adapter.sleep = no_wait  # type: ignore[method-assign]
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        clock.advance(hours=25)
        await run.adapter.send(WA_ID, _nudge_in_two_parts()[1:])
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None and await run.adapter.store.held_count(user.id) == 1
        plain, count = graph._message, [0]

        def second_refused(call: Any) -> dict[str, Any]:
            count[0] += 1
            if count[0] == 2:  # the reply goes; the held nudge after it: "too many messages" once
                raise Refusal(130429, "Rate limit hit")
            return plain(call)

        graph._message = second_refused  # type: ignore[method-assign]
        turn = await chat.say("halo")
        assert turn[-1].type == "interactive" and [t for t, _ in turn[-1].options] == ["Sudah", "Nanti"]
        assert waits and await run.adapter.store.held_count(user.id) == 0


async def test_a_held_nudge_whatsapp_keeps_refusing_for_now_is_held_again(fake: Any, db_path: str,
                                                                         clock: Any) -> None:
    from fake_graph import Refusal

    graph = fake
    async with running(graph, db_path, clock) as run:
        async def no_wait(seconds: float) -> None:
            return None

        run.adapter.sleep = no_wait  # type: ignore[method-assign]
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        clock.advance(hours=25)
        await run.adapter.send(WA_ID, _nudge_in_two_parts())
        user = await run.core.storage.find_user("whatsapp", WA_ID)
        assert user is not None and await run.adapter.store.held_count(user.id) == 2
        plain, count = graph._message, [0]

        def refused_after_the_reply(call: Any) -> dict[str, Any]:
            count[0] += 1
            if count[0] >= 2:
                raise Refusal(131056, "Pair rate limit hit")
            return plain(call)

        graph._message = refused_after_the_reply  # type: ignore[method-assign]
        turn = await chat.say("halo")
        assert len(turn) == 1 and await run.adapter.store.held_count(user.id) == 2  # both parts, for next time
        graph._message = plain  # type: ignore[method-assign]
        turn = await chat.say("halo lagi")
        assert "Langkah minggu ini." in "\n".join(c.text for c in turn) and turn[-1].type == "interactive"
        assert await run.adapter.store.held_count(user.id) == 0


async def test_a_file_refused_when_sent_goes_as_text_and_the_rest_of_the_turn_follows(fake: Any, db_path: str,
                                                                                     clock: Any) -> None:
    """WhatsApp may take the upload and refuse the message that names it (131053, 131052, 131051): the file goes
    as text, as a refused upload does, and the parts after it are sent (before, the turn stopped there)."""
    from bot.types import OutFile
    from fake_graph import Refusal

    graph = fake
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        plain = graph._message

        def no_documents(call: Any) -> dict[str, Any]:
            if call.body.get("type") == "document":
                raise Refusal(131053, "Media upload error")
            return plain(call)

        graph._message = no_documents  # type: ignore[method-assign]
        mark = graph.mark()
        await run.adapter.send(WA_ID, [
            Outbound("Rencanamu", file=OutFile("rencana.txt", b"Minggu 1: perkenalan", "text/plain"), lang="id"),
            Outbound("Sampai besok!", lang="id")])
        sent = graph.sent(WA_ID, mark)
        assert [c.type for c in sent] == ["text", "text"]
        assert "Minggu 1: perkenalan" in sent[0].text and sent[1].text == "Sampai besok!"


async def test_a_user_opening_the_chat_for_the_first_time_is_welcomed(fake: Any, db_path: str,
                                                                      clock: Any) -> None:
    """With Meta's welcome messages on, a user who opens the chat for the first time sends a `request_welcome`
    message (no text): it starts the coach as /start does, instead of "this kind of message cannot be read"."""
    graph = fake
    async with running(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        turn = await chat._turn(lambda: graph.send_user_message(
            WA_ID, "Budi", {"from": WA_ID, "id": "wamid.welcome1", "timestamp": str(int(clock.now().timestamp())),
                            "type": "request_welcome"}))
        assert len(turn) == 1 and chat.t("q.name.prompt") in turn[0].text


@pytest.mark.parametrize("code", [131049, 130472])
async def test_a_template_meta_does_not_deliver_131049_is_held_for_the_users_next_message(fake: Any, db_path: str,
                                                                                          clock: Any, code: int) -> None:
    """Meta takes a marketing template and may then not deliver it (a failed status with 131049: the user's cap of
    marketing messages). The weekly and monthly templates are marketing: such a nudge was lost; it is held now."""
    from nudge_helpers import done_user, only

    graph = fake
    async with post_template(graph, db_path, clock) as run:
        chat = Chat(graph, run, WA_ID, "id")
        await chat.say("/start")
        user = await done_user(run.core, WA_ID, platform="whatsapp", answers={"name": "Budi"})
        nudge = await only(run.core, user, "post", times=["09:00"], days=[0, 1, 2, 3, 4, 5, 6])
        await _tick_at(run, clock, nudge.due_at)
        mark = graph.mark()
        await _tick_at(run, clock, await _next_due(run, nudge.id))
        [template] = graph.sent(WA_ID, mark)
        assert template.type == "template" and await run.adapter.store.held_count(user.id) == 0
        assert await graph.post_failed(WA_ID, template.message_id, code) == 200
        await run.adapter.settled()
        assert await run.adapter.store.held_count(user.id) == 1
        turn = await chat.say("halo")
        assert len(turn) == 2 and await run.adapter.store.held_count(user.id) == 0  # the reply, then the nudge
