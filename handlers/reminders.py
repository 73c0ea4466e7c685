"""/reminders (zone, per-kind on/off and times, quiet hours, pause, stop), snooze buttons, weekly check-in, /progress.

Choice values: r:... settings, n:<nudge>:<slot>:<h|d|w> snooze one occurrence, w:<week>:... weekly check-in.
Typed answers (a zone, times, quiet hours, a win) are caught before the questionnaire's text handler, only while
one is awaited and the plan is finished.
"""
from __future__ import annotations


from bot.context import Context
from bot.nudges import content as NC
from bot.nudges import manage as M
from bot.nudges import schedule as S
from bot.nudges.store import Nudge, NudgeStore, Settings
from bot.router import Handler, Router
from bot.types import Choice

AWAIT_SECONDS = 3600
WIN_MAX = 300
QUIET_PRESETS = ("2200-0700", "2100-0600", "2300-0500")
PROGRESS_WEEKS = 6


def _store(ctx: Context) -> NudgeStore:
    return NudgeStore(ctx.storage)


def _label(ctx: Context, kind: str) -> str:
    return ctx.t(f"nudge.kind.{kind}")


def describe_when(ctx: Context, times: list[str], days: list[int], monthday: int | None) -> str:
    """'every day, at 08:00, 19:00' in the user's language."""
    if monthday is not None:
        day_text = ctx.t("rem.monthly_on", day=monthday)
    elif sorted(days) == list(range(7)):
        day_text = ctx.t("rem.every_day")
    else:
        day_text = ", ".join(ctx.t(f"day.{d}") for d in sorted(days))
    return ctx.t("rem.when", days=day_text, times=", ".join(times) or "-")


def _zone_label(tz: str) -> str:
    for alias, name in S.ZONE_ALIASES.items():
        if name == tz:
            return f"{alias} ({tz})"
    return tz


async def _plan_done(ctx: Context) -> bool:
    """A plan was confirmed (it stays so while the user edits answers afterwards)."""
    flow = await ctx.storage.get_flow(ctx.user.id)
    return flow is not None and (flow.status == "done" or flow.planned_at is not None)


async def _settings(ctx: Context) -> Settings:
    await M.ensure_defaults(ctx.storage, ctx.user.id)
    settings = await _store(ctx).get_settings(ctx.user.id)
    assert settings is not None
    return settings


async def _series(ctx: Context) -> dict[str, Nudge]:
    return {n.kind: n for n in await _store(ctx).series(ctx.user.id)}


# -- /reminders -----------------------------------------------------------------

async def cmd_reminders(ctx: Context) -> None:
    if not await _plan_done(ctx):
        ctx.say("rem.need_plan")
        return
    settings = await _settings(ctx)
    if settings.awaiting:
        await _store(ctx).update_settings(ctx.user.id, awaiting=None, awaiting_at=None)
    await show_main(ctx)


async def show_main(ctx: Context) -> None:
    """Zone, quiet hours, status and each kind with its schedule; buttons for every setting."""
    settings = await _settings(ctx)
    series = await _series(ctx)
    kinds = NC.kinds()
    lines = [ctx.t("rem.title"), ctx.t("rem.zone", zone=_zone_label(settings.tz))]
    if settings.quiet_start and settings.quiet_end:
        lines.append(ctx.t("rem.quiet", start=settings.quiet_start, end=settings.quiet_end))
    else:
        lines.append(ctx.t("rem.quiet_off"))
    lines.append(ctx.t("rem.status_paused") if settings.paused else ctx.t("rem.status_on"))
    lines.append("")
    choices: list[Choice] = []
    for kind_id in kinds:
        n = series.get(kind_id)
        if n is None:
            continue
        lines.append(ctx.t("rem.kind_line", mark=ctx.t("rem.on") if n.enabled else ctx.t("rem.off"),
                           label=_label(ctx, kind_id), when=describe_when(ctx, n.times, n.days, n.monthday)))
        choices.append(Choice(f"r:k:{kind_id}", _label(ctx, kind_id)))
    lines.append("")
    lines.append(ctx.t("rem.pick"))
    choices.append(Choice("r:z", ctx.t("rem.btn_zone")))
    choices.append(Choice("r:q", ctx.t("rem.btn_quiet")))
    choices.append(Choice("r:p:0", ctx.t("rem.btn_resume")) if settings.paused else Choice("r:p:1", ctx.t("rem.btn_pause")))
    if any(n.enabled for n in series.values()):
        choices.append(Choice("r:s", ctx.t("rem.btn_stop")))
    else:
        choices.append(Choice("r:a", ctx.t("rem.btn_all_on")))
    ctx.say("rem.title", text="\n".join(lines), choices=choices, expects="choice")


def show_kind(ctx: Context, n: Nudge) -> None:
    text = ctx.t("rem.kind_title", label=_label(ctx, n.kind), when=describe_when(ctx, n.times, n.days, n.monthday),
                 state=ctx.t("rem.state_on") if n.enabled else ctx.t("rem.state_off"))
    toggle = (Choice(f"r:o:{n.kind}:0", ctx.t("rem.btn_turn_off")) if n.enabled
              else Choice(f"r:o:{n.kind}:1", ctx.t("rem.btn_turn_on")))
    choices = [toggle, Choice(f"r:t:{n.kind}", ctx.t("rem.btn_times"))]
    if n.custom:
        choices.append(Choice(f"r:d:{n.kind}", ctx.t("rem.btn_default")))
    choices.append(Choice("r:m", ctx.t("rem.btn_back")))
    ctx.say("rem.kind_title", text=text, choices=choices, expects="choice")


async def on_settings(ctx: Context) -> None:
    """Every r:... button; anything unknown or not the user's is stale."""
    if not await _plan_done(ctx):
        ctx.say("err.stale_button")
        return
    parts = ctx.inbound.choice.split(":")
    settings = await _settings(ctx)
    store = _store(ctx)
    series = await _series(ctx)
    op, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
    if settings.awaiting and not settings.awaiting.startswith("win:"):
        await store.update_settings(ctx.user.id, awaiting=None, awaiting_at=None)
    kind = series.get(args[0]) if args and op in ("k", "o", "t", "d") else None
    if op in ("k", "o", "t", "d") and kind is None:
        ctx.say("err.stale_button")
        return
    if op == "m" and not args:
        await show_main(ctx)
    elif op == "k" and kind is not None and len(args) == 1:
        show_kind(ctx, kind)
    elif op == "o" and kind is not None and len(args) == 2 and args[1] in ("0", "1"):
        kind.enabled = args[1] == "1"
        await store.update(kind.id, enabled=kind.enabled)
        await M.reschedule(store, kind, settings, ctx.storage.clock.now())
        ctx.say("rem.turned_on" if kind.enabled else "rem.turned_off", label=_label(ctx, kind.kind))
        await show_main(ctx)
    elif op == "t" and kind is not None and len(args) == 1:
        await _await(ctx, f"times:{kind.kind}")
        ctx.say("rem.ask_times", zone=_zone_label(settings.tz), expects="text", max_len=120)
    elif op == "d" and kind is not None and len(args) == 1:
        spec = NC.kinds().get(kind.kind)
        if spec is None:
            ctx.say("err.stale_button")
            return
        times, days, monthday = NC.default_schedule(spec, await ctx.storage.answers(ctx.user.id))
        kind.times, kind.days, kind.monthday, kind.custom = times, days, monthday, False
        await store.update(kind.id, times=times, days=days, monthday=monthday, custom=False)
        await M.reschedule(store, kind, settings, ctx.storage.clock.now())
        ctx.say("rem.default_set", label=_label(ctx, kind.kind), when=describe_when(ctx, times, days, monthday))
    elif op == "z" and not args:
        ctx.say("rem.ask_zone", expects="choice", choices=zone_choices(ctx))
    elif op == "z" and len(args) == 1 and args[0] == "type":
        await _await(ctx, "tz")
        ctx.say("rem.type_zone", expects="text", max_len=64)
    elif op == "z" and len(args) == 1 and args[0] in S.ZONE_ALIASES:
        await set_zone(ctx, S.ZONE_ALIASES[args[0]])
    elif op == "q" and not args:
        choices = [Choice(f"r:q:{p}", f"{p[:2]}:{p[2:4]}–{p[5:7]}:{p[7:]}") for p in QUIET_PRESETS]
        choices += [Choice("r:q:type", ctx.t("rem.btn_type")), Choice("r:q:off", ctx.t("rem.btn_quiet_off")),
                    Choice("r:m", ctx.t("rem.btn_back"))]
        ctx.say("rem.ask_quiet", expects="choice", choices=choices)
    elif op == "q" and len(args) == 1 and args[0] == "type":
        await _await(ctx, "quiet")
        ctx.say("rem.quiet_type", expects="text", max_len=40)
    elif op == "q" and len(args) == 1 and args[0] == "off":
        await store.update_settings(ctx.user.id, quiet_start=None, quiet_end=None)
        await M.reschedule_user(ctx.storage, ctx.user.id)
        ctx.say("rem.quiet_cleared")
    elif op == "q" and len(args) == 1 and args[0] in QUIET_PRESETS:
        p = args[0]
        await set_quiet(ctx, f"{p[:2]}:{p[2:4]}", f"{p[5:7]}:{p[7:]}")
    elif op == "p" and len(args) == 1 and args[0] in ("0", "1"):
        await store.update_settings(ctx.user.id, paused=int(args[0] == "1"))
        await M.reschedule_user(ctx.storage, ctx.user.id)
        ctx.say("rem.paused" if args[0] == "1" else "rem.resumed")
    elif op == "s" and not args:
        ctx.say("rem.confirm_stop", expects="choice", choices=[
            Choice("r:s:yes", ctx.t("rem.btn_stop_yes")), Choice("r:m", ctx.t("btn.no"))])
    elif op == "s" and args == ["yes"]:
        for n in series.values():
            await store.update(n.id, enabled=False, active=False)
        await store.delete_once(ctx.user.id)
        await store.update_settings(ctx.user.id, paused=0)
        ctx.say("rem.stopped")
    elif op == "a" and not args:
        answers = await ctx.storage.answers(ctx.user.id)
        specs = NC.kinds()
        await store.update_settings(ctx.user.id, paused=0)
        for n in series.values():
            spec = specs.get(n.kind)
            if spec is not None:
                times, days, monthday = NC.default_schedule(spec, answers)
                await store.update(n.id, enabled=True, custom=False, times=times, days=days, monthday=monthday)
        await M.reschedule_user(ctx.storage, ctx.user.id)
        ctx.say("rem.all_on")
        await show_main(ctx)
    else:
        ctx.say("err.stale_button")


async def _await(ctx: Context, what: str) -> None:
    await _store(ctx).update_settings(ctx.user.id, awaiting=what,
                                      awaiting_at=S.to_ts(ctx.storage.clock.now()))


async def set_zone(ctx: Context, tz: str) -> None:
    await _store(ctx).update_settings(ctx.user.id, tz=tz)
    await M.reschedule_user(ctx.storage, ctx.user.id)
    now = ctx.storage.clock.now().astimezone(S.zone(tz))
    ctx.say("rem.zone_set", zone=_zone_label(tz), now=now.strftime("%H:%M"))


async def set_quiet(ctx: Context, start: str, end: str) -> None:
    await _store(ctx).update_settings(ctx.user.id, quiet_start=start, quiet_end=end)
    await M.reschedule_user(ctx.storage, ctx.user.id)
    ctx.say("rem.quiet_set", start=start, end=end)


# -- typed answers ----------------------------------------------------------------

async def awaited(ctx: Context) -> str | None:
    """What typed input /reminders or the check-in waits for, if any (and the plan is finished).

    Read once per message: language detection and the text handler both ask.
    """
    if "awaited" not in ctx.memo:
        ctx.memo["awaited"] = await _awaited(ctx)
    return ctx.memo["awaited"]


async def _awaited(ctx: Context) -> str | None:
    if not await _plan_done(ctx):  # cached: no database read for users still in the questionnaire
        return None
    store = _store(ctx)
    settings = await store.get_settings(ctx.user.id)
    if settings is None or not settings.awaiting:
        return None
    now = S.to_ts(ctx.storage.clock.now())
    if settings.awaiting_at is None or now - settings.awaiting_at > AWAIT_SECONDS:
        await store.update_settings(ctx.user.id, awaiting=None, awaiting_at=None)
        return None
    return settings.awaiting


async def on_typed(ctx: Context, what: str) -> None:
    store = _store(ctx)
    text = ctx.inbound.text.strip()
    await store.update_settings(ctx.user.id, awaiting=None, awaiting_at=None)
    if what == "tz":
        tz = S.parse_zone(text)
        if tz is None:
            ctx.say("rem.bad_zone", text=text[:40])
            return
        await set_zone(ctx, tz)
    elif what == "quiet":
        quiet = S.parse_quiet(text)
        if quiet is None:
            ctx.say("rem.bad_quiet")
            return
        await set_quiet(ctx, *quiet)
    elif what.startswith("times:"):
        kind = (await _series(ctx)).get(what.split(":", 1)[1])
        times = S.parse_times(text)
        if kind is None or times is None:
            ctx.say("rem.bad_times")
            return
        settings = await _settings(ctx)
        kind.times, kind.custom = times, True
        await store.update(kind.id, times=times, custom=True)
        await M.reschedule(store, kind, settings, ctx.storage.clock.now())
        ctx.say("rem.times_set", label=_label(ctx, kind.kind), times=", ".join(times))
    elif what.startswith("win:"):
        week = what.split(":", 1)[1]
        if len(text) > WIN_MAX:
            await _await(ctx, what)
            ctx.say("checkin.win_too_long", max=WIN_MAX)
            return
        if text:
            await store.save_checkin(ctx.user.id, week, win=text)
        await say_saved(ctx)


# -- snooze -----------------------------------------------------------------------

async def on_snooze(ctx: Context) -> None:
    """n:<nudge id>:<slot hex>:<h|d|w>: send this occurrence again later; the series stays as it is."""
    parts = ctx.inbound.choice.split(":")
    try:
        nudge_id, slot, option = int(parts[1]), int(parts[2], 16), parts[3]
    except (IndexError, ValueError):
        ctx.say("err.stale_button")
        return
    nudge = await _store(ctx).get(nudge_id) if len(parts) == 4 and option in ("h", "d", "w") else None
    valid = nudge is not None and nudge.user_id == ctx.user.id and (
        (nudge.once and nudge.slot_at == slot and nudge.last_sent_at is not None)
        or (not nudge.once and nudge.last_slot is not None and slot == nudge.last_slot))
    if not valid or nudge is None:
        ctx.say("err.stale_button")
        return
    when = await M.snooze(ctx.storage, nudge, slot, option)
    settings = await _store(ctx).get_settings(ctx.user.id)
    local = S.from_ts(when).astimezone(S.zone(settings.tz if settings else S.DEFAULT_ZONE))
    ctx.say("rem.snoozed", when=ctx.t("rem.snooze_at", day=ctx.t(f"day.{local.weekday()}"),
                                      time=local.strftime("%H:%M")))


# -- weekly check-in and /progress ------------------------------------------------------

def _week_now(ctx: Context, settings: Settings | None) -> str:
    return S.iso_week(ctx.storage.clock.now(), S.zone(settings.tz if settings else S.DEFAULT_ZONE))


def _recent_week(week: str, current: str, back: int = 3) -> bool:
    w = current
    for _ in range(back):
        if week == w:
            return True
        w = S.prev_week(w)
    return False


def streak(checkins: list[dict[str, object]], current_week: str) -> int:
    """Weeks kept in a row (a check-in with at least one post), counting back from this or last week."""
    kept = {str(c["week"]) for c in checkins if c.get("posts") not in (None, "0")}
    week = current_week if current_week in kept else S.prev_week(current_week)
    count = 0
    while week in kept:
        count += 1
        week = S.prev_week(week)
    return count


async def on_week(ctx: Context) -> None:
    """w:<week>:p:<posts> -> w:<week>:r:<1|0> -> a typed win (or w:<week>:s to skip it)."""
    parts = ctx.inbound.choice.split(":")
    store = _store(ctx)
    settings = await store.get_settings(ctx.user.id)
    week = parts[1] if len(parts) > 1 else ""
    if settings is None or S.parse_week(week) is None or not _recent_week(week, _week_now(ctx, settings)):
        ctx.say("err.stale_button")
        return
    if len(parts) == 4 and parts[2] == "p" and parts[3] in NC.POSTS_OPTIONS:
        await store.save_checkin(ctx.user.id, week, posts=parts[3])
        ctx.say("checkin.ask_on_time", expects="choice", choices=[
            Choice(f"w:{week}:r:1", ctx.t("checkin.btn.yes")), Choice(f"w:{week}:r:0", ctx.t("checkin.btn.no"))])
    elif len(parts) == 4 and parts[2] == "r" and parts[3] in ("0", "1"):
        await store.save_checkin(ctx.user.id, week, on_time=int(parts[3]))
        await _await(ctx, f"win:{week}")
        ctx.say("checkin.ask_win", expects="text", max_len=WIN_MAX,
                choices=[Choice(f"w:{week}:s", ctx.t("checkin.btn.skip_win"))])
    elif len(parts) == 3 and parts[2] == "s":
        if settings.awaiting == f"win:{week}":
            await store.update_settings(ctx.user.id, awaiting=None, awaiting_at=None)
        await say_saved(ctx)
    else:
        ctx.say("err.stale_button")


async def say_saved(ctx: Context) -> None:
    store = _store(ctx)
    n = streak(await store.checkins(ctx.user.id), _week_now(ctx, await store.get_settings(ctx.user.id)))
    ctx.say("checkin.saved" if n else "checkin.saved_no_streak", streak=n)


async def cmd_progress(ctx: Context) -> None:
    """The streak and the last weeks' check-ins."""
    store = _store(ctx)
    settings = await store.get_settings(ctx.user.id)
    checkins = await store.checkins(ctx.user.id)
    n = streak(checkins, _week_now(ctx, settings))
    lines = [ctx.t("progress.title"), ctx.t("progress.streak", streak=n) if n else ctx.t("progress.streak_zero")]
    if checkins:
        lines.append("")
        for c in checkins[:PROGRESS_WEEKS]:
            on_time = {1: ctx.t("progress.yes"), 0: ctx.t("progress.no")}.get(c["on_time"], ctx.t("progress.unknown"))
            posts = ctx.t(f"checkin.posts.{c['posts']}") if c["posts"] else ctx.t("progress.unknown")
            win = ctx.t("progress.win", win=c["win"]) if c["win"] else ""
            lines.append(ctx.t("progress.line", week=c["week"], posts=posts, on_time=on_time, win=win))
    else:
        weekly = (await _series(ctx)).get("weekly") if settings else None
        if weekly is not None and weekly.enabled and weekly.days and weekly.times:
            lines.append(ctx.t("progress.empty", day=ctx.t(f"day.{weekly.days[0]}"), time=weekly.times[0]))
        else:
            lines.append(ctx.t("progress.empty_no_review"))
    ctx.say("progress.title", text="\n".join(lines))


# -- registration ---------------------------------------------------------------------

def _wrap_text(previous: Handler | None) -> Handler:
    async def on_text(ctx: Context) -> None:
        what = await awaited(ctx)
        if what is not None:
            await on_typed(ctx, what)
        elif previous is not None:
            await previous(ctx)
    return on_text


def zone_choices(ctx: Context, back: bool = True) -> list[Choice]:
    """WIB / WITA / WIT buttons, one to type any zone, and optionally back to the reminders menu."""
    choices = [Choice("r:z:WIB", ctx.t("rem.btn_wib")), Choice("r:z:WITA", ctx.t("rem.btn_wita")),
               Choice("r:z:WIT", ctx.t("rem.btn_wit")), Choice("r:z:type", ctx.t("rem.btn_type"))]
    return choices + [Choice("r:m", ctx.t("rem.btn_back"))] if back else choices


def _wrap_confirm(previous: Handler | None) -> Handler:
    async def on_confirm(ctx: Context) -> None:
        before = await ctx.storage.get_flow(ctx.user.id)
        confirming = ctx.inbound.choice == "c:yes" and before is not None and before.status == "confirm"
        first = confirming and await _store(ctx).get_settings(ctx.user.id) is None
        if previous is not None:
            await previous(ctx)
        if confirming and await _plan_done(ctx):  # an old c:yes tapped again changes nothing
            await M.ensure_defaults(ctx.storage, ctx.user.id, refresh=True)
            await M.reschedule_user(ctx.storage, ctx.user.id)  # back on after a /reset held them
            if first:  # the first plan: reminders are set from it; ask the time zone right away
                ctx.out = [m for m in ctx.out if m.key != "plan.next"]
                ctx.say("rem.first_zone", expects="choice", choices=zone_choices(ctx, back=False))
    return on_confirm


def _wrap_privacy(previous: Handler | None) -> Handler:
    async def on_privacy(ctx: Context) -> None:
        if previous is not None:
            await previous(ctx)
        if ctx.inbound.choice == "x:reset:yes" and not await ctx.storage.answers(ctx.user.id):
            # Nudges speak from the plan: after a reset they hold until the new plan is confirmed.
            store = _store(ctx)
            for n in await store.series(ctx.user.id):
                await store.update(n.id, active=False)
            await store.delete_once(ctx.user.id)
    return on_privacy


def register(router: Router) -> None:
    router.commands["reminders"] = cmd_reminders
    router.commands["progress"] = cmd_progress
    router.choices["r"] = on_settings
    router.choices["n"] = on_snooze
    router.choices["w"] = on_week
    # Additive hooks: typed settings before the questionnaire's text handler; default nudges when the plan is done.
    router.text = _wrap_text(router.text)
    router.choices["c"] = _wrap_confirm(router.choices.get("c"))
    router.choices["x"] = _wrap_privacy(router.choices.get("x"))
    evidence = getattr(router, "language_evidence", None)
    if hasattr(router, "language_evidence"):
        async def language_evidence(ctx: Context) -> bool:
            what = await awaited(ctx)
            if what is not None and not what.startswith("win:"):
                return False  # a zone name or clock times say nothing about the user's language
            return True if evidence is None else await evidence(ctx)
        router.language_evidence = language_evidence
