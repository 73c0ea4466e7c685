"""The shared rendering (bot/compose.py): a turn's replies in as few messages as a channel allows, choices as buttons,
a list or numbered lines, and numbers typed back read through the menu stored per user.

Properties over generated replies: nothing is lost (every paragraph and every choice survives), no message is over
the channel's text limit, no message carries more buttons or rows than the channel shows, a numbered menu maps back.
Then the whole questionnaire on each channel's shape: at most one message per user input, budgets derived from what
the bot says (a file is its own message, a text over the limit its parts), never from today's counts.
"""
from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import answers as A
from bot import compose
from bot.actions import Action, action, encode
from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord_reply import CAPABILITIES as DISCORD
from bot.adapters.telegram_out import CAPABILITIES as TELEGRAM
from bot.backends import open_storage
from bot.capabilities import TEXT_ONLY, Capabilities
from bot.clock import FakeClock
from bot.core import Core
from bot.i18n import Catalog
from bot.types import Choice, Inbound, Outbound, OutFile, UserRef

BACKENDS = ("sqlite", "postgresql")
CATALOG = Catalog()
# A channel of three reply buttons or one pick-one list of ten rows, no edits (as WhatsApp's interactive messages).
FEW_BUTTONS = Capabilities(max_text=4096, choices_text_max=1024, buttons=3, button_label_max=20, lists=True,
                           list_rows_max=10, list_title_max=24, list_desc_max=72, multi_select=False, edits=False,
                           files=True,
                           reply_window=24 * 3600)
CHANNELS: dict[str, Capabilities] = {"console": ConsoleAdapter.capabilities, "telegram": TELEGRAM,
                                     "discord": DISCORD, "fewbuttons": FEW_BUTTONS}
SMALL = Capabilities(max_text=120, choices_text_max=60, buttons=2, button_label_max=12, lists=True, list_rows_max=4,
                     list_title_max=10, list_desc_max=30, edits=False)


@action("test:compose:{n}")
class Pick(Action):
    n: int


@action("test:compose:t:{n}", role="toggle")
class Tick(Action):
    n: int


def t(lang: str, key: str) -> str:
    return CATALOG.t(lang, key)


# -- generated replies -------------------------------------------------------------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
paragraph = st.lists(words, min_size=1, max_size=40).map(" ".join)
labels = st.lists(words, min_size=1, max_size=6).map(" ".join)


@st.composite
def replies(draw: Any) -> list[Outbound]:
    out = []
    n = 0
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["message", "question", "nudge", "refusal", "document", "settled", "redraw"]))
        text = "\n\n".join(draw(st.lists(paragraph, min_size=1, max_size=4)))
        choices: tuple[Choice, ...] = ()
        multi = False
        if kind in ("question", "nudge", "redraw") and draw(st.booleans()):
            multi = kind != "nudge" and draw(st.booleans())
            count = draw(st.integers(1, 14))
            make = Tick if multi else Pick
            choices = tuple(Choice(make(n + i), draw(labels), draw(st.booleans()) and multi) for i in range(count))
            n += count
        step = f"s{len(out)}" if kind in ("question", "redraw") and draw(st.booleans()) else ""
        file = OutFile("plan.md", b"x") if kind == "document" else None
        out.append(Outbound(text=text, key=f"k{len(out)}", choices=choices, multi=multi, file=file, step=step,
                            expects="multi" if multi else "choice" if choices and step else "", kind=kind,
                            private=draw(st.booleans()), lang="en"))
    return out


def stream(text: str) -> list[str]:
    return text.split()


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies(), st.sampled_from([TEXT_ONLY, TELEGRAM, DISCORD, FEW_BUTTONS, SMALL]), st.booleans())
def test_rendering_loses_nothing_and_keeps_the_limits(out: list[Outbound], caps: Capabilities, tapped: bool) -> None:
    rendered = compose.render(out, caps, t, tapped=tapped)
    shown = rendered.messages
    # no message over the text limit (nor, carrying choices, over the limit of such a message)
    assert all(len(m.text) <= caps.max_text for m in shown)
    assert all(len(m.text) <= (caps.choices_text_max or caps.max_text) for m in shown if m.choices)
    # every paragraph survives, whole or cut only at spaces (its words in order, across consecutive messages of the
    # same audience); a settled answer is shown only where it can be (its own message when edits are missing)
    texts = stream(" ".join(m.text for m in shown))
    for msg in out:
        if msg.kind == "settled" and caps.edits:
            assert msg in shown
            continue
        for para in msg.text.split("\n\n"):
            assert contains_run(texts, stream(para)), para
    # every choice survives: on a message (buttons, a list's page), as a numbered line, or in the stored menu
    for msg in out:
        for ch in msg.choices:
            on_message = any(ch in m.choices for m in shown)
            numbered = any(re.search(rf"^  \d+\. (\[[ x]\] )?{re.escape(ch.label)}$", m.text, re.M) for m in shown)
            in_menu = rendered.menu is not None and ch in rendered.menu.choices
            assert on_message or numbered or in_menu, ch
    # never more buttons or rows than the channel shows, labels within its lengths
    for m in shown:
        if not m.choices:
            continue
        how = compose.present(m, caps)
        assert how in ("buttons", "list")
        if how == "buttons":
            assert len(m.choices) <= caps.buttons and all(caps.label_fits(c.label) for c in m.choices)
        else:
            assert len(m.choices) <= caps.list_rows_max
            for c in m.choices:
                title, desc = compose.list_row(c.label, caps)
                assert len(title) <= caps.list_title_max and len(desc) <= caps.list_desc_max
    # parts for different audiences never share a message; a file stays its own message, with its text
    for m in shown:
        assert m.file is None or any(o.text.endswith(m.text) for o in out if o.file is m.file)
    assert sum(m.file is not None for m in shown) == sum(m.file is not None for m in out)
    assert sum(m.private for m in shown) >= 1 if any(o.private for o in out) else True
    # a channel that cannot edit gets no redraw nor settled to edit
    if not caps.edits:
        assert not any(m.kind in ("redraw", "settled") for m in shown)


@settings(max_examples=200, deadline=None)
@given(st.lists(labels, min_size=1, max_size=30), st.booleans())
def test_a_numbered_menu_maps_back_through_the_stored_menu(names: list[str], multi: bool) -> None:
    make = Tick if multi else Pick
    choices = tuple(Choice(make(i), name) for i, name in enumerate(names))
    msg = Outbound("Which?", choices=choices, multi=multi, kind="question", lang="en")
    rendered = compose.render([msg], TEXT_ONLY, t)
    assert rendered.menu is not None and not rendered.messages[-1].choices
    menu = compose.Menu.from_json(rendered.menu.to_json())  # as stored and read back by another worker
    assert menu == rendered.menu
    for i, ch in enumerate(choices, 1):
        assert f"  {i}. " in rendered.messages[-1].text
        picked = compose.pick(str(i), menu)
        assert picked == ((ch.value,), multi)
    if multi and len(choices) >= 3:
        assert compose.pick("1 3", menu) == ((choices[0].value, choices[2].value), True)
        assert compose.pick("1,3,1", menu) == ((choices[0].value, choices[2].value), True)
    assert compose.pick(str(len(choices) + 1), menu) is None
    assert compose.pick("0", menu) is None and compose.pick("two", menu) is None


def test_a_questions_own_numbers_are_left_to_the_question() -> None:
    """Issue 22: a question reads a typed number as a position itself (and says what it took: "3" may be a value in a
    label), so the menu does not turn its options into taps."""
    msg = Outbound("How many?", choices=(Choice(Pick(1), "1"), Choice(Pick(3), "3")), step="cadence",
                   expects="choice", kind="question", lang="en")
    menu = compose.render([msg], TEXT_ONLY, t).menu
    assert menu is not None and compose.pick("2", menu) is None


def test_a_note_a_suggestion_and_the_next_question_are_one_message() -> None:
    note = Outbound("Oke, aku catat: Musisi.", key="common.noted", kind="message", private=True)
    tip = Outbound("Tip: pick one audience first.", key="tip", kind="message", private=True)
    question = Outbound("Who is your audience?", key="q.audience.prompt", choices=(Choice(Pick(1), "Students"),),
                        expects="choice", step="audience", kind="question", private=True)
    for caps in (TEXT_ONLY, TELEGRAM, DISCORD, FEW_BUTTONS):
        shown = compose.render([note, tip, question], caps, t).messages
        assert len(shown) == 1
        assert shown[0].kind == "question" and shown[0].step == "audience" and shown[0].expects == "choice"
        assert shown[0].text.startswith("Oke, aku catat: Musisi.\n\nTip: pick one audience first.\n\nWho is")
    # a question ends its message: what follows is a message of its own
    assert len(compose.render([question, note], TELEGRAM, t).messages) == 2
    # different audiences, a file, a tap's notice are never merged
    public = Outbound("Everyone sees this.", kind="message", private=False)
    assert len(compose.render([note, public], TELEGRAM, t).messages) == 2
    doc = Outbound("Your plan", kind="document", file=OutFile("plan.md", b"#"), private=True)
    assert len(compose.render([note, doc, question], TELEGRAM, t).messages) == 3
    refusal = Outbound("That button has expired.", kind="refusal", private=True)
    assert len(compose.render([refusal, question], TELEGRAM, t, tapped=True).messages) == 2
    assert len(compose.render([refusal, question], TELEGRAM, t, tapped=False).messages) == 1
    assert len(compose.render([refusal, question], FEW_BUTTONS, t, tapped=True).messages) == 1


def test_nudges_due_together_are_one_message_with_each_ones_buttons() -> None:
    a = Outbound("Time to post.", kind="nudge", choices=(Choice(Pick(1), "Done"), Choice(Pick(2), "Later")))
    b = Outbound("Weekly check-in.", kind="nudge", choices=(Choice(Pick(3), "Open"),))
    shown = compose.render([a, b], TELEGRAM, t).messages
    assert len(shown) == 1 and shown[0].choices == a.choices + b.choices and shown[0].kind == "nudge"
    shown = compose.render([a, b], FEW_BUTTONS, t).messages  # three buttons: they fit
    assert len(shown) == 1
    c = Outbound("Idea of the day.", kind="nudge", choices=(Choice(Pick(4), "Use it"),))
    shown = compose.render([a, b, c], FEW_BUTTONS, t).messages  # four do not fit three buttons: as a list
    assert len(shown) == 1 and compose.present(shown[0], FEW_BUTTONS) == "list"


def test_long_menus_are_paged_with_more_and_long_text_split_at_paragraphs() -> None:
    choices = tuple(Choice(Pick(i), f"Option {i}") for i in range(23))
    msg = Outbound("Pick one", choices=choices, expects="choice", kind="question", lang="en")
    rendered = compose.render([msg], FEW_BUTTONS, t)
    first = rendered.messages[0].choices
    assert len(first) == FEW_BUTTONS.list_rows_max and isinstance(first[-1].action, compose.MoreChoices)
    assert rendered.menu is not None and rendered.menu.choices == choices and not rendered.menu.numbered
    seen: list[Choice] = []
    page = 0
    for _ in range(compose.pages(len(choices), FEW_BUTTONS)):
        rows = compose.page_of(choices, FEW_BUTTONS, page, "More")
        seen += [c for c in rows if not isinstance(c.action, compose.MoreChoices)]
        page = rows[-1].action.page if isinstance(rows[-1].action, compose.MoreChoices) else page
    assert seen == list(choices)
    paras = [f"Paragraph {i} " + "word " * 30 for i in range(10)]
    long = Outbound("\n\n".join(paras), kind="message")
    parts = compose.render([long], Capabilities(max_text=400), t).messages
    assert all(len(p.text) <= 400 for p in parts)
    assert "\n\n".join(p.text for p in parts) == long.text  # cut at paragraph breaks only


def test_without_edits_the_answer_is_a_note_before_the_next_question() -> None:
    settled = Outbound("✅ Your answer: Music", kind="settled", private=True)
    question = Outbound("Next?", choices=(Choice(Pick(1), "A"),), expects="choice", step="x", kind="question",
                        private=True)
    redraw = Outbound("Pick several", choices=(Choice(Tick(1), "A", True),), multi=True, expects="multi", step="y",
                      kind="redraw", private=True)
    shown = compose.render([question, settled], FEW_BUTTONS, t).messages
    assert len(shown) == 1 and shown[0].text == "✅ Your answer: Music\n\nNext?"
    assert [m.kind for m in compose.render([redraw], FEW_BUTTONS, t).messages] == ["question"]
    assert [m.kind for m in compose.render([question, settled], TELEGRAM, t).messages] == ["question", "settled"]


# -- through the core: the stored menu ---------------------------------------------------------------------------

async def test_typed_numbers_read_the_stored_menu_across_a_restart(db_path: str, clock: FakeClock) -> None:
    """The terminal shows /language's buttons as numbered lines; "2" typed after a restart (another core on the
    same database) takes the second one shown."""
    user = UserRef("console", "menu-user", "Ayu")
    first = Core(open_storage(db_path, clock=clock), clock=clock)
    await first.start()
    first.declare("console", TEXT_ONLY)
    shown: list[Outbound] = []

    async def deliver(replies: list[Outbound]) -> None:
        shown.extend(replies)

    try:
        await first.handle(Inbound(user, "command", command="start", locale="en"), deliver)
        raw = await first.handle(Inbound(user, "command", command="language"), deliver)
    finally:
        await first.stop()
    offered = next(m for m in raw if m.choices)
    assert not shown[-1].choices and "  2. " in shown[-1].text  # numbered on a text-only channel
    second = Core(open_storage(db_path, clock=clock), clock=clock)
    await second.start()
    second.declare("console", TEXT_ONLY)
    try:
        by_number = await second.handle(Inbound(user, "text", text="2"))
        by_tap = await second.handle(Inbound(user, "choice", choice=offered.choices[1].value))
        stored = await second.storage.find_user("console", "menu-user")
        assert stored is not None
    finally:
        await second.stop()
    assert [m.key for m in by_number] == [m.key for m in by_tap]  # the same as tapping the second option
    assert by_number and by_number[0].key != "err.stale_button"


# -- the whole questionnaire on each channel ---------------------------------------------------------------------

def sends(delivered: list[Outbound], caps: Capabilities, tapped: bool) -> int:
    """New messages a delivery makes: edits of the tapped message and a tap's notice are no messages."""
    return sum(not (caps.edits and m.kind in ("redraw", "settled")) and not (tapped and caps.notices
                                                                             and m.kind == "refusal")
               for m in delivered)


def budget(raw: list[Outbound], caps: Capabilities, tapped: bool) -> int:
    """What the replies need at least as separate messages, from their content: one per file (a file is never
    merged), and one for each run of conversation text between them (its parts when longer than the channel's limit:
    at most two pieces per limit's worth, cut at paragraphs), one more per change of audience."""
    runs: list[list[Outbound]] = [[]]
    files = 0
    for m in raw:
        if caps.edits and m.kind in ("redraw", "settled") or tapped and caps.notices and m.kind == "refusal":
            continue  # an edit of the tapped message, a notice on the tap: no message
        if m.file is not None or m.kind in ("document", "private_only"):
            files += 1
            runs.append([])
        else:
            runs[-1].append(m)
    total = files
    for run in runs:
        chars = sum(len(m.text) + 2 for m in run)
        if run:
            total += (1 if chars <= caps.max_text else 2 * math.ceil(chars / caps.max_text))
            total += bool(run[-1].choices and caps.choices_text_max and chars > caps.choices_text_max)
            total += len({m.private for m in run}) - 1
    return total


async def questionnaire_on(platform: str, caps: Capabilities, db_path: str,
                           clock: FakeClock) -> tuple[int, int, int]:
    core = Core(open_storage(db_path, clock=clock), clock=clock, throttle=False)
    await core.start()
    core.declare(platform, caps)
    user = UserRef(platform, f"{platform}-q", "Sari")
    total_sends = inputs = budgets = 0
    try:
        answers: dict[str, Any] = {}
        todo: list[Inbound] = [Inbound(user, "command", command="start", locale="id")]
        for step, value in A.script(None, "id"):
            if caps.buttons or caps.lists:
                todo += [Inbound(user, "choice", choice=tap) for tap in A.taps(step, value, answers)] \
                    if step.kind in ("choice", "multi") or value is A.SKIP else \
                    [Inbound(user, "text", text=A.typed(step, answers, value))]
            else:
                todo.append(Inbound(user, "text", text=A.typed(step, answers, value)))
            answers[step.id] = A.stored(value)
        todo.append(Inbound(user, "choice", choice=A.CONFIRM_TAP) if caps.buttons or caps.lists else
                    Inbound(user, "text", text=A.CONFIRM_TYPED))
        for inbound in todo:
            got: list[Outbound] = []

            async def deliver(replies: list[Outbound], got: list[Outbound] = got) -> None:
                got.extend(replies)

            raw = await core.handle(inbound, deliver)
            tapped = inbound.kind == "choice"
            n = sends(got, caps, tapped)
            allowed = max(1, budget(raw, caps, tapped))
            assert n <= allowed, (platform, inbound, [m.key for m in raw])
            budgets += allowed
            assert all(len(m.text) <= caps.max_text for m in got)
            total_sends += n
            inputs += 1
        user_row = await core.storage.find_user(platform, user.user_id)
        assert user_row is not None
        flow = await core.storage.get_flow(user_row.id)
        assert flow is not None and flow.status == "done"  # the whole questionnaire went through on this channel
    finally:
        await core.stop()
    return total_sends, inputs, budgets


async def test_the_questionnaire_sends_at_most_one_message_per_input_on_every_channel(db_path: str, backend: str,
                                                                                       clock: FakeClock) -> None:
    if backend != "sqlite":
        return  # storage-neutral: the menu's storage is covered on both backends above
    for platform, caps in CHANNELS.items():
        total, inputs, budgets = await questionnaire_on(platform, caps, f"{db_path}.{platform}", clock)
        # beyond one message per input only what the content needs: the plan's file, a text over the limit
        assert 0 < total <= budgets, (platform, total, inputs, budgets)


async def test_a_long_list_pages_with_more_through_the_stored_menu(db_path: str, backend: str,
                                                                   clock: FakeClock) -> None:
    """On a channel of ten-row lists, the first question with more options than rows shows a page and "more"; "more"
    shows the next page from the menu stored for the user, every option on exactly one page; a pick from a later page
    counts, and a tick there is shown on that page again."""
    if backend != "sqlite":
        return  # the menu's storage on PostgreSQL is covered by the restart test above
    core = Core(open_storage(db_path, clock=clock), clock=clock, throttle=False)
    await core.start()
    core.declare("fewbuttons", FEW_BUTTONS)
    user = UserRef("fewbuttons", "pager", "Sari")
    got: list[Outbound] = []

    async def deliver(replies: list[Outbound]) -> None:
        got.extend(replies)

    def more_of(msg: Outbound) -> compose.MoreChoices | None:
        return next((c.action for c in msg.choices if isinstance(c.action, compose.MoreChoices)), None)

    try:
        await core.handle(Inbound(user, "command", command="start", locale="id"), deliver)
        answers: dict[str, Any] = {}
        for step, value in A.script(None, "id"):
            if more_of(got[-1]) is not None:
                break
            todo = [Inbound(user, "choice", choice=tap) for tap in A.taps(step, value, answers)] \
                if step.kind in ("choice", "multi") or value is A.SKIP else \
                [Inbound(user, "text", text=A.typed(step, answers, value))]
            for inbound in todo:
                await core.handle(inbound, deliver)
            answers[step.id] = A.stored(value)
        first = got[-1]
        more = more_of(first)
        assert more is not None, "the content has no question with more options than a list's rows"
        row = await core.storage.find_user("fewbuttons", "pager")
        assert row is not None
        raw = await core.storage.menu(row.id)
        menu = compose.Menu.from_json(raw or "")
        assert menu is not None and not menu.numbered
        seen = [c for c in first.choices if c.action != more]
        while more is not None and more.page != 0:
            await core.handle(Inbound(user, "choice", choice=encode(more)), deliver)
            page = got[-1]
            assert len(page.choices) <= FEW_BUTTONS.list_rows_max and page.kind == "question"
            more = more_of(page)
            seen += [c for c in page.choices if not isinstance(c.action, compose.MoreChoices)]
        assert [c.value for c in seen] == [c.value for c in menu.choices]  # every option on exactly one page
        pick = next(c for c in reversed(seen) if c.role in ("option", "toggle"))
        await core.handle(Inbound(user, "choice", choice=pick.value), deliver)
        assert got[-1].kind != "refusal", got[-1].key  # a pick from a later page counts
        if pick.role == "toggle":  # ticked, and shown on the page it was ticked on
            assert any(c.value == pick.value and c.selected for c in got[-1].choices), [c.label for c in got[-1].choices]
    finally:
        await core.stop()


async def test_a_prompt_without_numbers_forgets_the_menu(db_path: str, backend: str, clock: FakeClock) -> None:
    """After numbered choices, a question that waits for typed text forgets them: a "2" typed as its answer is the
    answer, never the second option of a menu no longer shown."""
    core = Core(open_storage(db_path, clock=clock), clock=clock, throttle=False)
    await core.start()
    core.declare("console", TEXT_ONLY)
    user = UserRef("console", "forget-menu", "Ayu")
    shown: list[Outbound] = []

    async def deliver(replies: list[Outbound]) -> None:
        shown.extend(replies)

    try:
        await core.handle(Inbound(user, "command", command="language", locale="en"), deliver)
        row = await core.storage.find_user("console", "forget-menu")
        assert row is not None and await core.storage.menu(row.id) is not None  # numbered: stored
        await core.handle(Inbound(user, "command", command="start"), deliver)
        if shown[-1].expects != "text" or shown[-1].choices:
            pytest.skip("the content's first question is not a typed one")
        assert await core.storage.menu(row.id) is None
    finally:
        await core.stop()
