"""/reminders (zone, per-kind on/off and times, quiet hours, pause, stop), snooze buttons, weekly check-in, /progress.

Buttons are the actions of handlers/reminders/actions.py. Typed answers (a zone, times, quiet hours, a win) are routed
here by the type of the conversation's awaited input (handlers/reminders/awaits.py), for an hour at most.
"""
from __future__ import annotations

from datetime import date

from bot.actions import Action
from bot.context import Context
from handlers import lexicon as L
from handlers import places as P
from handlers.events import AnswersReset, PlanConfirmed
from handlers.plan import FOLLOW_UP, PlanSent
from handlers.plan import posting as PO
from handlers.reminders import actions as A
from handlers.reminders import awaits as W
from handlers.reminders import content as NC
from handlers.reminders import done as D
from handlers.reminders import manage as M
from handlers.reminders import schedule as S
from bot.features import Command, Feature
from bot.router import Awaited, Handler, Router
from bot.state import Confirmation
from bot.storage import Storage
from bot.types import Choice
from handlers.pictures import progress_picture
from handlers.reminders.service import NudgeService
from handlers.reminders.store import Nudge, NudgeStore, Settings

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


def _plan_done(ctx: Context) -> bool:
    """A plan was confirmed (it stays so while the user edits answers afterwards)."""
    flow = ctx.flow
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
    if not _plan_done(ctx):
        ctx.say("rem.need_plan")
        return
    if ctx.awaits is not None and not isinstance(ctx.awaits, Confirmation):
        await ctx.expect(None)
    await show_main(ctx)


async def show_main(ctx: Context) -> None:
    """Zone, quiet hours, status and each kind with its schedule; buttons for every setting."""
    settings = await _settings(ctx)
    series = await _series(ctx)
    lines = [ctx.t("rem.title"), ctx.t("rem.zone", zone=_zone_label(settings.tz))]
    if settings.quiet_start and settings.quiet_end:
        lines.append(ctx.t("rem.quiet", start=settings.quiet_start, end=settings.quiet_end))
    else:
        lines.append(ctx.t("rem.quiet_off"))
    lines.append(ctx.t("rem.status_paused") if settings.paused else ctx.t("rem.status_on"))
    lines.append("")
    for kind_id in NC.kinds():
        n = series.get(kind_id)
        if n is not None:
            lines.append(ctx.t("rem.kind_line", mark=ctx.t("rem.on") if n.enabled else ctx.t("rem.off"),
                               label=_label(ctx, kind_id), when=describe_when(ctx, n.times, n.days, n.monthday)))
    lines.append("")
    lines.append(ctx.t("rem.pick"))
    await ctx.expect(W.MainMenu())  # a typed label works like its button
    ctx.say("rem.title", text="\n".join(lines), choices=await main_choices(ctx), expects="choice")


async def main_choices(ctx: Context) -> list[Choice]:
    """The /reminders overview's buttons: each kind, zone, quiet hours, pause or resume, stop or all on."""
    settings = await _settings(ctx)
    series = await _series(ctx)
    choices = [Choice(A.KindMenu(k), _label(ctx, k)) for k in NC.kinds() if k in series]
    choices.append(Choice(A.ZoneMenu(), ctx.t("rem.btn_zone")))
    choices.append(Choice(A.QuietMenu(), ctx.t("rem.btn_quiet")))
    choices.append(Choice(A.PauseAll(False), ctx.t("rem.btn_resume")) if settings.paused
                   else Choice(A.PauseAll(True), ctx.t("rem.btn_pause")))
    if any(n.enabled for n in series.values()):
        choices.append(Choice(A.StopAll(), ctx.t("rem.btn_stop")))
    else:
        choices.append(Choice(A.AllOn(), ctx.t("rem.btn_all_on")))
    return choices


def show_kind(ctx: Context, n: Nudge) -> None:
    text = ctx.t("rem.kind_title", label=_label(ctx, n.kind), when=describe_when(ctx, n.times, n.days, n.monthday),
                 state=ctx.t("rem.state_on") if n.enabled else ctx.t("rem.state_off"))
    ctx.say("rem.kind_title", text=text, choices=kind_choices(ctx, n), expects="choice")


def kind_choices(ctx: Context, n: Nudge) -> list[Choice]:
    toggle = (Choice(A.KindSwitch(n.kind, False), ctx.t("rem.btn_turn_off")) if n.enabled
              else Choice(A.KindSwitch(n.kind, True), ctx.t("rem.btn_turn_on")))
    choices = [toggle, Choice(A.KindTimes(n.kind), ctx.t("rem.btn_times"))]
    if n.custom:
        choices.append(Choice(A.KindDefault(n.kind), ctx.t("rem.btn_default")))
    choices.append(Choice(A.RemindersMenu(), ctx.t("rem.btn_back")))
    return choices


async def _kind(ctx: Context, kind: str) -> Nudge | None:
    """The user's series of a kind, or None (refused as stale)."""
    found = (await _series(ctx)).get(kind)
    if found is None:
        ctx.refuse("err.stale_button")
    return found


async def on_menu(ctx: Context) -> None:
    await show_main(ctx)


async def on_kind_menu(ctx: Context) -> None:
    assert isinstance(ctx.action, A.KindMenu)
    kind = await _kind(ctx, ctx.action.kind)
    if kind is not None:
        await ctx.expect(W.KindMenu(kind.kind))  # a typed label (or times) works too
        show_kind(ctx, kind)


async def on_kind_switch(ctx: Context) -> None:
    assert isinstance(ctx.action, A.KindSwitch)
    kind = await _kind(ctx, ctx.action.kind)
    if kind is None:
        return
    kind.enabled = ctx.action.on
    await _store(ctx).update(kind.id, enabled=kind.enabled)
    await M.reschedule(_store(ctx), kind, await _settings(ctx), ctx.storage.clock.now())
    ctx.say("rem.turned_on" if kind.enabled else "rem.turned_off", label=_label(ctx, kind.kind))
    await show_main(ctx)


async def on_kind_times(ctx: Context) -> None:
    assert isinstance(ctx.action, A.KindTimes)
    kind = await _kind(ctx, ctx.action.kind)
    if kind is None:
        return
    await ctx.expect(W.Times(kind.kind))
    ctx.say("rem.ask_times", zone=_zone_label((await _settings(ctx)).tz), expects="text", max_len=120)


async def on_kind_default(ctx: Context) -> None:
    assert isinstance(ctx.action, A.KindDefault)
    kind = await _kind(ctx, ctx.action.kind)
    spec = NC.kinds().get(ctx.action.kind)
    if kind is None or spec is None:
        if kind is not None:
            ctx.refuse("err.stale_button")
        return
    tz = (await _settings(ctx)).tz
    times, days, monthday = NC.default_schedule(spec, await ctx.storage.answers(ctx.user.id), tz,
                                                M.today(ctx.storage, tz))
    kind.times, kind.days, kind.monthday, kind.custom = times, days, monthday, False
    await _store(ctx).update(kind.id, times=times, days=days, monthday=monthday, custom=False)
    await M.reschedule(_store(ctx), kind, await _settings(ctx), ctx.storage.clock.now())
    ctx.say("rem.default_set", label=_label(ctx, kind.kind), when=describe_when(ctx, times, days, monthday))


async def on_zone_menu(ctx: Context) -> None:
    await ctx.expect(W.Zone())  # the prompt invites typing a zone or a place
    ctx.say("rem.ask_zone", expects="choice", choices=zone_choices(ctx))


async def on_zone_type(ctx: Context) -> None:
    await ctx.expect(W.Zone())
    ctx.say("rem.type_zone", expects="text", max_len=64)


async def on_zone_pick(ctx: Context) -> None:
    assert isinstance(ctx.action, A.ZonePick)
    if ctx.action.alias not in S.ZONE_ALIASES:
        ctx.refuse("err.stale_button")
        return
    await set_zone(ctx, S.ZONE_ALIASES[ctx.action.alias])


def quiet_choices(ctx: Context) -> list[Choice]:
    choices = [Choice(A.QuietPick(p), f"{p[:2]}:{p[2:4]}–{p[5:7]}:{p[7:]}") for p in QUIET_PRESETS]
    return choices + [Choice(A.QuietType(), ctx.t("rem.btn_type")), Choice(A.QuietOff(), ctx.t("rem.btn_quiet_off")),
                      Choice(A.RemindersMenu(), ctx.t("rem.btn_back"))]


async def on_quiet_menu(ctx: Context) -> None:
    await ctx.expect(W.Quiet())  # typed quiet hours ('jam 10 malam sampai jam 8 pagi') answer it too
    ctx.say("rem.ask_quiet", expects="choice", choices=quiet_choices(ctx))


async def on_quiet_type(ctx: Context) -> None:
    await ctx.expect(W.Quiet())
    ctx.say("rem.quiet_type", expects="text", max_len=40)


async def on_quiet_off(ctx: Context) -> None:
    await _store(ctx).update_settings(ctx.user.id, quiet_start=None, quiet_end=None)
    await M.reschedule_user(ctx.storage, ctx.user.id)
    ctx.say("rem.quiet_cleared")


async def on_quiet_pick(ctx: Context) -> None:
    assert isinstance(ctx.action, A.QuietPick)
    p = ctx.action.preset
    if p not in QUIET_PRESETS:
        ctx.refuse("err.stale_button")
        return
    await set_quiet(ctx, f"{p[:2]}:{p[2:4]}", f"{p[5:7]}:{p[7:]}")


async def on_pause(ctx: Context) -> None:
    assert isinstance(ctx.action, A.PauseAll)
    await _store(ctx).update_settings(ctx.user.id, paused=int(ctx.action.paused))
    await M.reschedule_user(ctx.storage, ctx.user.id)
    ctx.say("rem.paused" if ctx.action.paused else "rem.resumed")


async def on_stop(ctx: Context) -> None:
    await ctx.expect(W.Stop())  # a typed yes or no answers it too
    ctx.say("rem.confirm_stop", expects="choice", choices=[
        Choice(A.StopAllYes(), ctx.t("rem.btn_stop_yes")), Choice(A.RemindersMenu(), ctx.t("btn.no"))])


async def on_stop_yes(ctx: Context) -> None:
    store = _store(ctx)
    for n in (await _series(ctx)).values():
        await store.update(n.id, enabled=False, active=False)
    await store.delete_once(ctx.user.id)
    await store.update_settings(ctx.user.id, paused=0)
    ctx.say("rem.stopped")


async def on_all_on(ctx: Context) -> None:
    answers = await ctx.storage.answers(ctx.user.id)
    specs = NC.kinds()
    store = _store(ctx)
    await store.update_settings(ctx.user.id, paused=0)
    tz = (await _settings(ctx)).tz
    for n in (await _series(ctx)).values():
        spec = specs.get(n.kind)
        if spec is not None:
            times, days, monthday = NC.default_schedule(spec, answers, tz, M.today(ctx.storage, tz))
            await store.update(n.id, enabled=True, custom=False, times=times, days=days, monthday=monthday)
    await M.reschedule_user(ctx.storage, ctx.user.id)
    ctx.say("rem.all_on")
    await show_main(ctx)


# Every /reminders button and its handler: one small handler per setting.
SETTINGS: dict[type[Action], Handler] = {
    A.RemindersMenu: on_menu, A.KindMenu: on_kind_menu, A.KindSwitch: on_kind_switch, A.KindTimes: on_kind_times,
    A.KindDefault: on_kind_default, A.ZoneMenu: on_zone_menu, A.ZoneType: on_zone_type, A.ZonePick: on_zone_pick,
    A.QuietMenu: on_quiet_menu, A.QuietType: on_quiet_type, A.QuietOff: on_quiet_off, A.QuietPick: on_quiet_pick,
    A.PauseAll: on_pause, A.StopAll: on_stop, A.StopAllYes: on_stop_yes, A.AllOn: on_all_on,
}


def _setting(handler: Handler) -> Handler:
    """A settings button: only with a confirmed plan; it drops a typed setting that was awaited."""
    async def run(ctx: Context) -> None:
        if not _plan_done(ctx):
            ctx.refuse("err.stale_button")
            return
        if ctx.awaits is not None and not isinstance(ctx.awaits, W.Win):
            await ctx.expect(None)
        await handler(ctx)
    return run


async def set_zone(ctx: Context, tz: str) -> None:
    await _store(ctx).update_settings(ctx.user.id, tz=tz)
    # the posting time follows the audience's clock: reminders the user did not set move with the new zone
    await M.ensure_defaults(ctx.storage, ctx.user.id, refresh=True, only_defaults=True)
    await M.reschedule_user(ctx.storage, ctx.user.id)
    now = ctx.storage.clock.now().astimezone(S.zone(tz))
    ctx.say("rem.zone_set", zone=_zone_label(tz), now=now.strftime("%H:%M"))


async def set_quiet(ctx: Context, start: str, end: str) -> None:
    await _store(ctx).update_settings(ctx.user.id, quiet_start=start, quiet_end=end)
    await M.reschedule_user(ctx.storage, ctx.user.id)
    ctx.say("rem.quiet_set", start=start, end=end)


# -- typed answers ----------------------------------------------------------------

async def _typed_label(ctx: Context, choices: list[Choice]) -> bool:
    """A typed menu label presses its button (as if tapped); True if one was named."""
    found = L.pick_label(ctx.inbound.text, [c.label for c in choices])
    handler = SETTINGS.get(type(choices[found].action)) if found is not None else None
    if found is None or handler is None:
        return False
    ctx.action = choices[found].action
    await _setting(handler)(ctx)
    return True


async def on_menu_typed(ctx: Context) -> None:
    """Text while a /reminders menu is shown: a label picks it, times typed at a kind's menu set them; anything
    else leaves the menu (the default text route answers it)."""
    what = ctx.awaits
    series = await _series(ctx)
    if isinstance(what, W.KindMenu) and what.kind in series:
        kind = series[what.kind]
        if await _typed_label(ctx, kind_choices(ctx, kind)):
            return
        if S.parse_times(ctx.inbound.text.strip()) is not None:
            await ctx.expect(W.Times(kind.kind))
            await on_typed(ctx)
            return
    elif isinstance(what, W.MainMenu) and await _typed_label(ctx, await main_choices(ctx)):
        return
    await ctx.expect(None)
    if ctx.core.router.text is not None:
        await ctx.core.router.text(ctx)


async def on_typed(ctx: Context) -> None:
    """A zone, times or quiet hours typed while /reminders waits for them; a bad one keeps the question open. After
    the first zone question (asked with the plan) a message that names no place is no zone at all: the user moved
    on, so they are told once which zone their reminders use and how to change it, and the message is answered."""
    what = ctx.awaits
    text = ctx.inbound.text.strip()
    if isinstance(what, (W.Zone, W.FirstZone, W.Quiet)) and await _typed_label(
            ctx, quiet_choices(ctx) if isinstance(what, W.Quiet) else zone_choices(ctx)):
        return
    if isinstance(what, (W.Zone, W.FirstZone)):
        tz = S.parse_zone(text)
        if tz is None and isinstance(what, W.FirstZone) and not P.could_be_place(text):
            await ctx.expect(None)
            ctx.say("zone.default_used", zone=_zone_label((await _settings(ctx)).tz))
            if ctx.core.router.text is not None:
                await ctx.core.router.text(ctx)
            return
        if tz is None:
            ctx.refuse("rem.bad_zone", zone=text[:40])
            return
        await ctx.expect(None)
        await set_zone(ctx, tz)
    elif isinstance(what, W.Quiet):
        quiet = S.parse_quiet(text)
        if quiet is None:
            ctx.refuse("rem.bad_quiet")
            return
        await ctx.expect(None)
        await set_quiet(ctx, *quiet)
    elif isinstance(what, W.Times):
        kind = (await _series(ctx)).get(what.kind)
        times = S.parse_times(text)
        if kind is None:
            await ctx.expect(None)
            ctx.refuse("err.stale_button")
            return
        if times is None:
            ctx.refuse("rem.bad_times")
            return
        await ctx.expect(None)
        kind.times, kind.custom = times, True
        await _store(ctx).update(kind.id, times=times, custom=True)
        await M.reschedule(_store(ctx), kind, await _settings(ctx), ctx.storage.clock.now())
        ctx.say("rem.times_set", label=_label(ctx, kind.kind), times=", ".join(times))


async def on_typed_stop(ctx: Context) -> None:
    """A typed yes or no to stopping every reminder."""
    said = L.yes_no(ctx.inbound.text)
    if said is None:
        ctx.refuse("confirm.use_buttons")
        await on_stop(ctx)
        return
    await ctx.expect(None)
    if said:
        await on_stop_yes(ctx)
    else:
        await show_main(ctx)


async def on_win(ctx: Context) -> None:
    """The weekly check-in's win, typed."""
    what = ctx.awaits
    if not isinstance(what, W.Win):
        return
    week, text = what.week, ctx.inbound.text.strip()
    if len(text) > WIN_MAX:
        ctx.refuse("checkin.win_too_long", max=WIN_MAX)
        return
    await ctx.expect(None)
    if text:
        await _store(ctx).save_checkin(ctx.user.id, week, win=text)
    await say_saved(ctx)


# -- snooze -----------------------------------------------------------------------

async def on_snooze(ctx: Context) -> None:
    """Send this occurrence again later (an hour, tomorrow, next week); the series stays as it is."""
    act = ctx.action
    assert isinstance(act, A.Snooze)
    nudge_id, slot, option = act.nudge, act.slot, act.delay
    nudge = await _store(ctx).get(nudge_id) if option in ("h", "d", "w") else None
    valid = nudge is not None and nudge.user_id == ctx.user.id and (
        (nudge.once and nudge.slot_at == slot and nudge.last_sent_at is not None)
        or (not nudge.once and nudge.last_slot is not None and slot == nudge.last_slot))
    if not valid or nudge is None:
        ctx.refuse("err.stale_button")
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


async def _checkin_week(ctx: Context, week: str) -> bool:
    """The week of a check-in button is this one or one of the last few; otherwise refuse it as stale."""
    settings = await _store(ctx).get_settings(ctx.user.id)
    if settings is None or S.parse_week(week) is None or not _recent_week(week, _week_now(ctx, settings)):
        ctx.refuse("err.stale_button")
        return False
    return True


async def on_checkin_posts(ctx: Context) -> None:
    """How many posts this week -> replied on time? -> a typed win (or skip it)."""
    act = ctx.action
    assert isinstance(act, A.CheckinPosts)
    if not await _checkin_week(ctx, act.week):
        return
    if act.posts not in NC.POSTS_OPTIONS:
        ctx.refuse("err.stale_button")
        return
    await _store(ctx).save_checkin(ctx.user.id, act.week, posts=act.posts)
    ctx.say("checkin.ask_on_time", expects="choice", choices=[
        Choice(A.CheckinOnTime(act.week, True), ctx.t("checkin.btn.yes")),
        Choice(A.CheckinOnTime(act.week, False), ctx.t("checkin.btn.no"))])


async def on_checkin_on_time(ctx: Context) -> None:
    act = ctx.action
    assert isinstance(act, A.CheckinOnTime)
    if not await _checkin_week(ctx, act.week):
        return
    await _store(ctx).save_checkin(ctx.user.id, act.week, on_time=int(act.on_time))
    await ctx.expect(W.Win(act.week))
    ctx.say("checkin.ask_win", expects="text", max_len=WIN_MAX,
            choices=[Choice(A.CheckinSkipWin(act.week), ctx.t("checkin.btn.skip_win"))])


async def on_checkin_skip_win(ctx: Context) -> None:
    act = ctx.action
    assert isinstance(act, A.CheckinSkipWin)
    if not await _checkin_week(ctx, act.week):
        return
    if ctx.awaits == W.Win(act.week):
        await ctx.expect(None)
    await say_saved(ctx)


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
    when = await M.posting_of(ctx.storage, ctx.user.id, await ctx.storage.answers(ctx.user.id)) if settings else None
    if when is not None and when.days:  # the weekly target: the one posting schedule's posts a week
        lines.append(ctx.t("posting.target", often=PO.how_often(when, ctx.t), days=PO.days_text(when.days, ctx.t)))
    lines += await D.progress_lines(ctx)
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
        elif settings is None:  # no reminders yet: they are set up from the confirmed plan
            lines.append(ctx.t("progress.empty_no_plan"))
        else:
            lines.append(ctx.t("progress.empty_no_review"))
    ctx.say("progress.title", text="\n".join(lines))
    if checkins:
        await progress_picture(ctx, checkins, _week_now(ctx, settings), S.prev_week, n,
                               when.posts if when is not None else None)


# -- registration ---------------------------------------------------------------------

def zone_choices(ctx: Context, back: bool = True, first: str | None = None) -> list[Choice]:
    """WIB / WITA / WIT buttons (the one labelled `first`, a guessed zone, leading), one to type any zone, and
    optionally back to the reminders menu."""
    zones = sorted(("WIB", "WITA", "WIT"), key=lambda z: z != first)
    choices = [Choice(A.ZonePick(z), ctx.t(f"rem.btn_{z.lower()}")) for z in zones]
    choices.append(Choice(A.ZoneType(), ctx.t("rem.btn_type")))
    return choices + [Choice(A.RemindersMenu(), ctx.t("rem.btn_back"))] if back else choices


async def ask_first_zone(ctx: Context, sent: PlanSent) -> bool | None:
    """Contributed to the plan's FOLLOW_UP: right after the first confirmed plan (no reminders yet), the time zone
    is asked, in place of the plan's closing line. The reminders are set up by on_plan_confirmed, after the plan."""
    if not sent.confirmed or await _store(ctx).get_settings(ctx.user.id) is not None:
        return None
    await ctx.expect(W.FirstZone())  # a typed place or zone ("jakarta", "aku di Maumere", "Asia/Tokyo") answers it too
    answers = await ctx.storage.answers(ctx.user.id)
    guess, where = PO.provisional_zone(answers), PO.audience_zone(answers)
    until = (ctx.t("zone.until_guessed", zone=_zone_label(guess), place=where[1]) if guess and where
             else ctx.t("zone.until_chosen", zone=_zone_label(S.DEFAULT_ZONE)))
    text = f'{ctx.t("rem.first_zone")}\n{until}'
    first = PO.ZONE_NAMES.get(guess) if guess else None
    ctx.say("rem.first_zone", text=text, expects="choice", choices=zone_choices(ctx, back=False, first=first))
    return True


async def on_plan_confirmed(ctx: Context, event: PlanConfirmed) -> None:
    """Reminders are set (or refreshed) from the confirmed plan (after it was sent: the plan speaks from the answers,
    not from defaults set a moment before)."""
    await M.ensure_defaults(ctx.storage, ctx.user.id, refresh=True)
    await M.reschedule_user(ctx.storage, ctx.user.id)  # back on after a /reset held them


async def on_answers_reset(ctx: Context, event: AnswersReset) -> None:
    """Nudges speak from the plan: after a reset they hold until the new plan is confirmed."""
    store = _store(ctx)
    for n in await store.series(ctx.user.id):
        await store.update(n.id, active=False)
    await store.delete_once(ctx.user.id)


async def plan_schedule(storage: Storage, user_id: int) -> tuple[list[str] | None, list[int] | None,
                                                           list[str] | None, str | None, date | None]:
    """For the plan: (reply times, posting days, posting times) of the enabled reminders the user set themselves
    (None where they follow the plan's answers: the defaults, which a confirmed plan refreshes after the plan is
    sent), their zone (None before they have reminders) and today there."""
    reply, days, times = await M.own_schedule(storage, user_id)
    settings = await NudgeStore(storage).get_settings(user_id)
    if settings is None:
        return reply, days, times, None, None
    return reply, days, times, settings.tz, storage.clock.now().astimezone(S.zone(settings.tz)).date()


async def user_posting(storage: Storage, user_id: int) -> PO.Posting:
    """The user's one posting schedule (handlers/plan/posting.py), for features that do not import this one."""
    return await M.posting_of(storage, user_id, await storage.answers(user_id))


async def on_reachability(storage: Storage, user_id: int, reachable: bool) -> None:
    """A blocked user's nudges leave the due index until they write again (then they come back as they were)."""
    await NudgeStore(storage).park(user_id, not reachable)


def _services(router: Router) -> None:
    """What has no declaration in Feature yet: the scheduler, reachability, the lookups other features ask."""
    router.services.append(NudgeService)
    router.reachability.append(on_reachability)
    router.provide("reminders.schedule", plan_schedule)
    router.provide("reminders.posting", user_posting)


_TYPED = Awaited(on_typed, language_evidence=False, ttl=AWAIT_SECONDS)  # a zone name or clock times: no language
_MENU = Awaited(on_menu_typed, language_evidence=False, ttl=AWAIT_SECONDS)

# Group 20: after the plan (10) on a confirmation, so the plan is sent before reminders are set up from it.
FEATURE = Feature(
    "reminders", group=20,
    commands=(Command("reminders", cmd_reminders), Command("progress", cmd_progress)),
    actions={**{cls: _setting(handler) for cls, handler in SETTINGS.items()}, A.Snooze: on_snooze,
             A.CheckinPosts: on_checkin_posts, A.CheckinOnTime: on_checkin_on_time,
             A.CheckinSkipWin: on_checkin_skip_win, A.Done: D.on_done},
    awaits={W.Zone: _TYPED, W.FirstZone: _TYPED, W.Quiet: _TYPED, W.Times: _TYPED,
            W.Stop: Awaited(on_typed_stop, language_evidence=False, ttl=AWAIT_SECONDS),
            W.MainMenu: _MENU, W.KindMenu: _MENU, W.Win: Awaited(on_win, ttl=AWAIT_SECONDS)},
    subscribes={PlanConfirmed: on_plan_confirmed, AnswersReset: on_answers_reset},
    contributes={FOLLOW_UP: ask_first_zone},
    setup=_services,
)
