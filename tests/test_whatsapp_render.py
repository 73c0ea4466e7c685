"""The WhatsApp channel's pure parts: rendering a turn within WhatsApp's limits, reading webhooks, signatures, the
settings and the content check."""
from __future__ import annotations

import json
from typing import Any

import pytest

from bot.adapters.whatsapp import render as R
from bot.adapters.whatsapp.content import findings, load
from bot.adapters.whatsapp.settings import WhatsAppSettings
from bot.adapters.whatsapp.webhook import read_payload, sign, signature_ok, update_id
from bot.config import ConfigError, from_env
from bot.i18n import Catalog
from bot.redact import redact
from bot.types import Choice, OutFile, Outbound
from handlers.questionnaire import Submit, Toggle
from handlers.privacy import ConfirmDanger

CATALOG = Catalog()


def texts(lang: str, key: str) -> str:
    return CATALOG.t(lang, key)


def toggles(n: int, label: str = "Option {i}") -> tuple[Choice, ...]:
    return tuple(Choice(Toggle("platforms_now", f"o{i}"), label.format(i=i)) for i in range(n))


def test_buttons_lists_and_numbered_lines_keep_to_whatsapps_limits() -> None:
    three = (Choice(ConfirmDanger("delete"), "Yes"), Choice(ConfirmDanger("reset"), "No"),
             Choice(Submit("x"), "Later"))
    [msg] = R.render_turn([Outbound("Sure?", choices=three)], texts)
    assert msg.body["type"] == "button" and len(msg.body["action"]["buttons"]) == 3
    # a 4th choice, or a 21-character title: a list instead (titles up to 24, the rest in the description)
    for choices in (three + (Choice(Submit("y"), "Four"),),
                    (Choice(ConfirmDanger("delete"), "x" * 21),)):
        [msg] = R.render_turn([Outbound("Pick", choices=choices)], texts)
        assert msg.body["type"] == "list"
    long = toggles(10, "A long option label number {i} that goes on")
    [msg] = R.render_turn([Outbound("Pick", choices=long, multi=True)], texts)
    rows = msg.body["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)
    assert rows[0]["title"].startswith(R.TICK_OFF)
    # an 11th row: numbered lines in one text message
    [msg] = R.render_turn([Outbound("Pick", choices=toggles(11), multi=True, step="platforms_now")], texts)
    assert msg.type == "text" and "11. " in msg.body["body"] and msg.choices == ()  # a question: the core reads it
    [msg] = R.render_turn([Outbound("Pick", choices=toggles(11))], texts)
    assert len(msg.choices) == 11  # not a question: the adapter maps typed numbers to these


def test_a_turn_is_one_message_and_long_text_splits_under_4096() -> None:
    turn = [Outbound("Saved.", kind="settled"), Outbound("Noted."), Outbound("Next question?", choices=toggles(2))]
    [msg] = R.render_turn(turn, texts)
    assert msg.body["body"]["text"] == "Noted.\n\nNext question?"  # the tapped answer is not repeated
    long = ("A paragraph of the plan. " * 40 + "\n\n") * 12
    out = R.render_turn([Outbound(long), Outbound("What next?", choices=toggles(2))], texts)
    assert len(out) >= 3 and all(m.type == "text" and len(m.body["body"]) <= 4096 for m in out[:-1])
    assert out[-1].type == "interactive" and len(out[-1].body["body"]["text"]) <= 1024
    assert "".join(m.body["body"] for m in out[:-1]).replace("\n", "").replace(" ", "") \
        .startswith(long[:500].replace("\n", "").replace(" ", ""))


def test_files_go_as_documents_or_images_and_unsupported_types_as_plain_text() -> None:
    out = R.render_turn([Outbound("Your plan", file=OutFile("plan.md", b"# Plan", "text/markdown")),
                         Outbound("Card", file=OutFile("card.png", b"\x89PNG", "image/png")),
                         Outbound("PDF", file=OutFile("plan.pdf", b"%PDF-1.4", "application/pdf"))], texts)
    assert [(m.type, m.media.mime if m.media else "") for m in out] == [
        ("document", "text/plain"), ("image", "image/png"), ("document", "application/pdf")]
    assert out[0].body == {"caption": "Your plan", "filename": "plan.md"}
    huge = OutFile("big.mp4", b"0" * (6 << 20), "video/mp4")
    assert R.media_for(huge) is None
    [msg] = R.render_turn([Outbound("Your video", file=huge, lang="en")], texts)
    assert msg.body["body"] == f"Your video\n\n{texts('en', 'whatsapp.file_too_big')}"


def test_webhook_reading_and_signatures() -> None:
    raw = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
                      "value": {"contacts": [{"wa_id": "628111", "profile": {"name": "Budi"}}], "messages": [
                          {"from": "628111", "id": "wamid.A", "timestamp": "1700000000", "type": "text",
                           "text": {"body": "halo"}},
                          {"from": "628111", "id": "wamid.B", "timestamp": "1700000001", "type": "interactive",
                           "interactive": {"type": "list_reply", "list_reply": {"id": "a:role:creator", "title": "x"}}},
                          {"from": "628111", "id": "wamid.C", "timestamp": "1700000002", "type": "sticker",
                           "sticker": {}},
                          {"from": "628111", "id": "wamid.D", "timestamp": "1700000003", "type": "reaction",
                           "reaction": {}}],
                      "statuses": [{"id": "wamid.S", "status": "failed", "timestamp": "1700000004",
                                    "recipient_id": "628111", "errors": [{"code": 131047}]}]}}]}]}).encode()
    messages, statuses = read_payload(json.loads(raw))
    assert [(m.kind, m.text or m.choice or m.other) for m in messages] == [
        ("text", "halo"), ("choice", "a:role:creator"), ("other", "sticker")]  # a reaction needs no answer
    assert messages[0].name == "Budi" and statuses[0].code == 131047 and statuses[0].status == "failed"
    assert signature_ok(raw, sign(raw, "s3cret"), "s3cret")
    assert not signature_ok(raw, sign(raw, "other"), "s3cret")
    assert not signature_ok(raw + b" ", sign(raw, "s3cret"), "s3cret")
    assert not signature_ok(raw, "sha1=" + sign(raw, "s3cret")[7:], "s3cret")
    ids = [update_id(m.id, m.timestamp) for m in messages]
    assert ids == sorted(ids) and update_id("wamid.A", 1700000000) == ids[0]  # ordered by time, stable


def test_settings_from_the_environment_and_secrets_redacted() -> None:
    token = "EAAG" + "a1B2c3" * 20
    env = {"WHATSAPP_TOKEN": token, "WHATSAPP_PHONE_ID": " 1098765 ", "WHATSAPP_APP_SECRET": "app-secret-xyz",
           "WHATSAPP_VERIFY_TOKEN": "verify-xyz", "WHATSAPP_OUTSIDE_WINDOW": "Template",
           "WHATSAPP_TEMPLATES": "brandcoach_post_reminder=post_v2", "WHATSAPP_TEMPLATE_LANGUAGES": "en=en_US"}
    config = from_env(env)
    settings: WhatsAppSettings = config.channels["whatsapp"]
    assert config.has_platform and settings.phone_id == "1098765" and settings.webhook_port == 8444
    assert settings.outside_window == "template" and settings.templates == (("brandcoach_post_reminder", "post_v2"),)
    assert {token, "app-secret-xyz", "verify-xyz"} <= set(config.secrets)
    assert token not in repr(config) and "app-secret-xyz" not in repr(config)
    line = f"failed with {token} and app-secret-xyz"
    assert token not in redact(line, config.secrets) and "app-secret-xyz" not in redact(line, config.secrets)
    assert token not in redact(f"token {token}")  # its shape, even when not this process's own
    for bad in ({"WHATSAPP_OUTSIDE_WINDOW": "sometimes"}, {"WHATSAPP_TEMPLATES": "no-equals"},
                {"WHATSAPP_WEBHOOK_PORT": "http"}, {"WHATSAPP_APP_SECRET": ""}):
        with pytest.raises(ConfigError):
            from_env({**env, **bad})
    assert WhatsAppSettings(token="x").missing() == ["WHATSAPP_PHONE_ID", "WHATSAPP_APP_SECRET",
                                                     "WHATSAPP_VERIFY_TOKEN"]


def test_content_maps_nudge_kinds_to_templates_and_the_check_catches_mistakes() -> None:
    content = load()
    assert content.words["rencana"] == "plan" and content.templates
    data: dict[str, Any] = {"commands": {"plan": ["plan"], "help": ["plan", "two words"]},
                            "templates": {"nosuchkind": {"template": "x", "category": "utility"},
                                          "post": {"template": "Bad Name", "category": "promo"}}}
    found = " | ".join(f"{path}: {msg}" for path, msg in findings(data))
    assert "already runs /plan" in found and "one word" in found and "nosuchkind" in found
    assert "templates.post.template" in found and "templates.post.category" in found


async def test_the_fake_graph_api_refuses_what_whatsapp_refuses(clock: Any) -> None:
    """The fake is as strict as WhatsApp: what the adapter's tests see accepted, WhatsApp would accept."""
    from bot.adapters.whatsapp.graph import Graph, OutsideWindow, Refused
    from fake_graph import FakeGraph

    fake = FakeGraph(clock)
    await fake.start()
    client = Graph(fake.token, fake.phone_id, fake.api_url)
    to = "6281234567890"
    fake.last_inbound[to] = clock.now()

    def buttons(*titles: str) -> dict[str, Any]:
        return {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)]}}

    def rows(*titles: str) -> dict[str, Any]:
        return {"type": "list", "body": {"text": "Pick"}, "action": {"button": "Choose", "sections": [
            {"rows": [{"id": f"r{i}", "title": t} for i, t in enumerate(titles)]}]}}

    try:
        assert (await client.send(to, "interactive", buttons("a", "b", "c"))).startswith("wamid.")
        assert await client.send(to, "interactive", rows(*(f"row {i}" for i in range(10))))
        for body in (buttons("a", "b", "c", "d"), buttons("x" * 21), buttons("same", "same"),
                     rows(*(f"row {i}" for i in range(11))), rows("y" * 25)):
            with pytest.raises(Refused):
                await client.send(to, "interactive", body)
        with pytest.raises(Refused):
            await client.send(to, "text", {"body": "z" * 4097})
        try:  # WhatsApp has no edits
            await client.api.send_raw_request("POST", f"/{fake.phone_id}/messages/wamid.fake1", json={"text": "x"})
            edited: Exception | None = None
        except Exception as exc:  # noqa: BLE001  pywa's own error, read as the adapter reads it
            edited = Graph.failure(exc, "edit")
        assert isinstance(edited, Refused) and edited.code == 100
        with pytest.raises(Refused):
            await client.upload(b"{}", "application/json", "data.json")
        clock.advance(hours=24, seconds=1)
        with pytest.raises(OutsideWindow):
            await client.send(to, "text", {"body": "hello again"})
        assert [c.code for c in fake.refused()] == [131009] * 5 + [100, 100, 131053, 131047]
    finally:
        await client.close()
        await fake.stop()
