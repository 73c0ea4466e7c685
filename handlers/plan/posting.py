"""The posting schedule, decided once: how many posts a week, on which days, at what time (content/posting.toml).

Pure, given the content. The plan's text, the plan card, the calendar and its .ics file, the "post" reminders'
defaults and /progress's weekly target all call `decide` with the same inputs, so they cannot disagree: before
this module each of them worked the schedule out on its own ("every day" on the card, "start with 6 posts a week"
in the plan, 7 a week in the calendar, 09:00 for everyone).

The time comes from the audience's routine (students after class, workers after work, tourists planning trips in
their own evening...), in the audience's zone when most of them live elsewhere, converted to the user's zone for
one reference day (daylight saving moves it by an hour at most, inside the routine's window).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from bot import schema
from bot.content import content_dir, content_doc, load_content
from handlers import lexicon as L
from handlers import values as V
from handlers.lexicon import fold
from handlers.plan import budget, office
from handlers.plan.memo import frozen, memo
from handlers.zones import DEFAULT_ZONE
from handlers.zones import zone as _tz

CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d"
AUDIENCE_STEPS = ("priority_segment", "segments")  # read for the audience's routine, in this order
PLACE_STEPS = ("audience_place", "priority_segment", "segments", "needs")  # read for where the audience lives
PLACE_STEP = "audience_place"  # the optional question: where most of the audience lives
# Words before a place in a typed audience ("mahasiswa di Jepang", "clients in London", "turis dari Eropa").
_CUES = re.compile(r"\b(?:di|ke|dari|asal|in|from|at|based in|living in)\s+(.+)$")
REFERENCE_DAY = date(2026, 1, 15)  # the day times are converted on when the caller gives none

Tr = Callable[..., str]

SCHEMA = schema.Table({
    "hours": schema.Field(schema.Table({
        "awake_start": schema.Field(str, required=True, pattern=CLOCK),
        "awake_end": schema.Field(str, required=True, pattern=CLOCK),
        "routine": schema.Field(str, required=True, pattern=r"[a-z0-9_]+"),
    }), required=True),
    "routines": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "words": schema.Field(schema.ListOf(str)),
        "roles": schema.Field(schema.ListOf(str)),
        "slots": schema.Field(schema.ArrayOf(schema.Table({
            "at": schema.Field(str, required=True, pattern=CLOCK),
            "why": schema.Field(str, required=True, pattern=r"[a-z0-9_]+"),
        })), required=True),
    })), key_pattern=r"[a-z0-9_]+"), required=True),
    "regions": schema.Field(schema.MapOf(schema.Field(str))),
})


@dataclass(frozen=True)
class Slot:
    at: str   # "HH:MM" in the audience's zone
    why: str  # the reason's id: posting.why.<why>


@dataclass(frozen=True)
class Routine:
    id: str
    words: tuple[str, ...]  # folded
    roles: tuple[str, ...]
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Posting:
    """The one posting schedule: every consumer reads these fields, none works them out again."""

    posts: int                      # posts a week (one on each posting day)
    days: tuple[int, ...]           # weekdays in the user's zone, 0 = Monday, sorted
    time: str                       # "HH:MM" in the user's zone
    zone: str                       # the user's zone
    asked: int | None = None        # posts a week the cadence answer asked for
    routine: str = ""               # the audience routine the time follows ("" for the user's own time)
    why: str = ""                   # the slot's reason (posting.why.<why>), "" for the user's own time
    audience_zone: str | None = None  # where most of the audience lives, when its clock differs from the user's
    audience_place: str = ""        # that place as the user named it
    audience_time: str | None = None  # the post's time there
    late: bool = False              # outside the user's waking hours: schedule the post in the app
    office: bool = False            # the time kept to the office hours (replies happen then)
    weekdays_only: bool = False     # the days kept to the office days
    custom: bool = False            # the user's own reminder days or time

    @property
    def times(self) -> tuple[str, ...]:
        return (self.time,)


# ---- content -------------------------------------------------------------------------------------------------


def _routines(data: Mapping[str, Any]) -> dict[str, Routine]:
    return {rid: Routine(rid, tuple(fold(w) for w in raw.get("words", []) if fold(w)), tuple(raw.get("roles", [])),
                         tuple(Slot(s["at"], s["why"]) for s in raw["slots"]))
            for rid, raw in data["routines"].items()}


@lru_cache(maxsize=1)
def content() -> tuple[dict[str, Any], dict[str, Routine]]:
    """content/posting.toml, checked (a ValueError when it is bad)."""
    data = load_content("posting")
    found = findings(data, None)
    if found:
        raise ValueError("content/posting.toml: " + "; ".join(f"{p}: {m}" for p, m in found))
    return data, _routines(data)


def findings(data: Mapping[str, Any], roles: Sequence[str] | None) -> list[schema.Finding]:
    """Schema violations, a default routine that is not defined, empty slots, unknown roles and zones, a role in
    two routines, waking hours that end before they start."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    hours, routines = data["hours"], data["routines"]
    if hours["routine"] not in routines:
        found.append(("hours.routine", f"{hours['routine']!r} is not a [routines] table"))
    if not hours["awake_start"] < hours["awake_end"]:
        found.append(("hours.awake_end", "must be after awake_start"))
    seen: dict[str, str] = {}
    for rid, raw in routines.items():
        if not raw["slots"]:
            found.append((f"routines.{rid}.slots", "list at least one slot"))
        found += [(f"routines.{rid}.words", f"{w!r} is empty once folded") for w in raw.get("words", []) if not fold(w)]
        for role in raw.get("roles", []):
            if roles is not None and role not in roles:
                found.append((f"routines.{rid}.roles", f"{role!r} is not an option of the 'role' step"))
            if role in seen:
                found.append((f"routines.{rid}.roles", f"{role!r} is already in routines.{seen[role]}"))
            seen[role] = rid
    zones = available_timezones()
    found += [(f"regions.{k}", f"{v!r} is not an IANA time zone") for k, v in (data.get("regions") or {}).items()
              if v not in zones]
    return found


def texts(data: Mapping[str, Any]) -> list[schema.Text]:
    """The catalog texts the routines need: who each audience is, and each slot's reason."""
    out: list[schema.Text] = []
    for rid, raw in (data.get("routines") or {}).items():
        out.append(schema.Text(f"posting.who.{rid}", f"routines.{rid}"))
        out += [schema.Text(f"posting.why.{s['why']}", f"routines.{rid}.slots") for s in raw.get("slots", [])
                if isinstance(s, dict) and isinstance(s.get("why"), str)]
    return out


def _role_options() -> list[str] | None:
    steps = load_content("questionnaire").get("steps") or []
    found = [s.get("options") for s in steps if isinstance(s, dict) and s.get("id") == "role"]
    return [str(o) for o in found[0]] if found and isinstance(found[0], list) else None


def check() -> list[schema.Issue]:
    """Every problem in content/posting.toml and the texts it needs."""
    from bot.i18n import catalog_entries_by_language

    doc = content_doc("posting")
    found = doc.issues(findings(doc.data, _role_options()))
    if found:
        return found
    return schema.text_issues(doc, texts(doc.data), catalog_entries_by_language())


schema.register_check("posting", check)


# ---- zones and clocks ----------------------------------------------------------------------------------------


def _minutes(clock: str) -> int:
    hour, minute = (int(x) for x in clock.split(":"))
    return hour * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def convert(clock: str, src: str, dst: str, on: date) -> tuple[str, int]:
    """(the clock time in dst, days it moves: -1, 0 or 1) of `clock` in src on the day `on`."""
    hour, minute = (int(x) for x in clock.split(":"))
    at = datetime.combine(on, time(hour, minute), _tz(src)).astimezone(_tz(dst))
    return at.strftime("%H:%M"), (at.date() - on).days


def same_clock(a: str, b: str, on: date) -> bool:
    """Whether two zones show the same time on that day."""
    noon = datetime.combine(on, time(12))
    return noon.replace(tzinfo=_tz(a)).utcoffset() == noon.replace(tzinfo=_tz(b)).utcoffset()


# ---- the audience ----------------------------------------------------------------------------------------------


def _texts(answers: Mapping[str, Any], steps: Sequence[str]) -> list[str]:
    out: list[str] = []
    for step in steps:
        value = answers.get(step)
        out += [str(v) for v in (value if isinstance(value, list | tuple) else [value]) if isinstance(v, str) and v]
    return out


def _has(folded: str, phrase: str) -> bool:
    return f" {phrase} " in f" {folded} "


def routine_of(answers: Mapping[str, Any]) -> Routine:
    """The audience's routine: the routine whose words name the priority segment (the longest phrase wins), else
    the other segments, else the role's routine, else the default one."""
    data, routines = content()
    for text in _texts(answers, AUDIENCE_STEPS):
        folded = fold(text)
        best = max(((len(w.split()), -n, r) for n, r in enumerate(routines.values()) for w in r.words
                    if _has(folded, w)), default=None, key=lambda x: x[:2])
        if best is not None:
            return best[2]
    role = str(answers.get("role") or "")
    return next((r for r in routines.values() if role in r.roles), routines[data["hours"]["routine"]])


def place_zone(text: str) -> str | None:
    """The zone of a place as the user names it: a region of content/posting.toml, else a town, province or
    country (handlers/places, else content/lexicon.toml [zones] and world cities). Remembered per text (bounded):
    a plan asks it of the same audience answers a dozen times."""
    return _place_zone(text, content_dir())


@lru_cache(maxsize=1024)
def _place_zone(text: str, folder: str | None) -> str | None:
    folded = fold(text)
    regions = {fold(k): v for k, v in (content()[0].get("regions") or {}).items()}
    words = folded.split()
    for size in range(len(words), 0, -1):  # the longest region named anywhere in the text
        for i in range(len(words) - size + 1):
            zone = regions.get(" ".join(words[i:i + size]))
            if zone:
                return zone
    try:
        from handlers import places
        return places.zone_in(text)
    except ImportError:  # the gazetteer is not there: the reminders' own lookup
        from handlers.reminders import schedule as S
        return S.place_zone(text)


_AUDIENCE_ZONE = memo("posting.audience_zone")


def audience_zone(answers: Mapping[str, Any]) -> tuple[str, str] | None:
    """(zone, place as typed) where most of the audience lives: the audience_place answer, else a place named after
    "di"/"in"/"from" in the audience answers ("mahasiswa di Jepang", "clients in London"); None when none is named.
    Remembered per answers (bounded)."""
    return _AUDIENCE_ZONE.get(lambda: (frozen(answers), content_dir()), lambda: _audience_zone(answers))


def _audience_zone(answers: Mapping[str, Any]) -> tuple[str, str] | None:
    asked = answers.get(PLACE_STEP)
    if isinstance(asked, str) and asked.strip():
        zone = place_zone(asked)
        if zone:
            return zone, place_shown(asked)
    for text in _texts(answers, PLACE_STEPS[1:]):
        for clause in re.split(r"[,;.()\n]+", text):
            m = _CUES.search(fold(clause))
            zone = place_zone(m.group(1)) if m else None
            if m and zone:
                return zone, m.group(1).title()
    return None


# A place's own sentence ends at a line, a semicolon, or a full stop after a word of five letters or more, or before
# a lowercase word ("Sikka. banyak yang di kebun"); "Kec. Bola", "Jl. Merdeka" go on.
_PLACE_END = re.compile(r"\n|;|(?<=[^\W\d_]{5})[.!?](?:\s|$)|[.!?]\s+(?=[a-z])|\s+[-–—]\s+")


def place_shown(text: str) -> str:
    """A typed place as a plan sentence says it ('pukul 19:00 di {place}'): its first sentence, without the
    prepositions before it ('di Desa Hokor, Kec. Bola, Sikka. banyak yang di kebun' -> 'Desa Hokor, Kec. Bola,
    Sikka'), so the sentence never reads 'di di ...' nor runs on into what was said after the place."""
    place = _PLACE_END.split(text.strip(), maxsplit=1)[0].strip(" ,.;:!?-–—")
    prepositions = {fold(w) for w in L.clean("prepositions")}
    words = V.clean_value(place).split()  # 'mostly in London', 'iya kak di Kupang'
    while len(words) > 1 and fold(words[0]) in prepositions:
        words = V.clean_value(" ".join(words[1:])).split()
    return " ".join(words) or text.strip()


# ---- days ------------------------------------------------------------------------------------------------------


def spread(days: Sequence[int], n: int) -> tuple[int, ...]:
    """n of the days, spread over the week (the first and last kept; one post goes mid-week)."""
    ordered = sorted(set(days))
    if n >= len(ordered):
        return tuple(ordered)
    if n <= 0:
        return ()
    if n == 1:
        return (ordered[len(ordered) // 2],)
    return tuple(sorted({ordered[round(i * (len(ordered) - 1) / (n - 1))] for i in range(n)}))


def posts_wanted(answers: Mapping[str, Any], plan: Mapping[str, Any]) -> tuple[int, int | None, tuple[int, ...]]:
    """(posts a week, posts the cadence asked for, the cadence's days): fewer than asked when the creating minutes
    only pay for fewer (the plan's "start with n posts a week")."""
    table = plan["posting_days"]
    raw = answers.get(table["step"])
    days = tuple(int(d) for d in table["options"].get(str(raw), table["options"][table["default"]]))
    asked = len(days) if raw is not None and str(raw) in table["options"] else None
    fit = budget.content_fit(answers, plan)
    posts = len(days)
    if fit.get("advice") == "fewer":
        posts = max(1, min(posts, int(fit.get("fit", posts))))
    return posts, asked, days


# ---- the decision ----------------------------------------------------------------------------------------------


def _in(clock: str, start: str, end: str) -> bool:
    return start <= clock <= end


def _clear(clock: str, replies: Sequence[str], reply_minutes: int) -> str:
    """The post's time moved past a reply round that starts at the same minute (the two never clash)."""
    if clock not in replies:
        return clock
    return _clock(min(23 * 60 + 55, _minutes(clock) + max(15, -(-reply_minutes // 15) * 15)))


def decide(answers: Mapping[str, Any], zone: str | None = None, on: date | None = None,
           own_days: Sequence[int] | None = None, own_times: Sequence[str] | None = None,
           plan: Mapping[str, Any] | None = None) -> Posting:
    """The posting schedule for these answers in the user's zone (none chosen: provisional_zone, else WIB) on the
    day `on` (for the zones' offsets): the user's own reminder days and times (own_days, own_times) win;
    otherwise the cadence (fewer when the creating minutes pay for fewer), the audience's routine in the audience's
    zone, the waking and office hours, and the reply rounds decide it. Remembered per inputs and content (bounded):
    the plan's text, its calendar, the reminders and the card each decide it."""
    if plan is not None and plan is not load_content("plan"):  # a caller's own rules: not remembered
        return _decide(answers, zone, on, own_days, own_times, plan)

    def key() -> Any:
        return (frozen(answers), zone, frozen(on), frozen(own_days), frozen(own_times), office.content(),
                content_dir())
    return _DECIDE.get(key, lambda: _decide(answers, zone, on, own_days, own_times, None))


_DECIDE = memo("posting.decide")


def _decide(answers: Mapping[str, Any], zone: str | None, on: date | None, own_days: Sequence[int] | None,
            own_times: Sequence[str] | None, plan: Mapping[str, Any] | None) -> Posting:
    plan = plan if plan is not None else load_content("plan")
    data, _ = content()
    zone = zone or provisional_zone(answers) or DEFAULT_ZONE
    on = on or REFERENCE_DAY
    posts, asked, days = posts_wanted(answers, plan)
    hours = office.of_answers(answers)
    routine = routine_of(answers)
    where = audience_zone(answers)
    there = where[0] if where and not same_clock(where[0], zone, on) else None
    awake = (data["hours"]["awake_start"], data["hours"]["awake_end"])
    choices: list[tuple[Slot, str, int]] = []
    for slot in routine.slots:
        local, shift = convert(slot.at, there, zone, on) if there else (slot.at, 0)
        choices.append((slot, local, shift))
    fits = [c for c in choices if _in(c[1], *awake) and (hours is None or _in(c[1], hours.start, hours.last_window))]
    kept_to_office = False
    if fits:
        slot, local, shift = fits[0]
        late = False
    elif hours is not None:  # replies happen in office hours: the post goes inside them, for its first comments
        slot, local, shift = choices[0]
        local, late, kept_to_office = office.inside([local], hours)[0], False, True
    else:
        slot, local, shift = choices[0]
        late = True
    windows = budget.default_windows(answers, plan)[0]
    local = _clear(local, windows, budget.reply_routine(answers, windows, plan)[1])
    chosen = spread(days, posts)
    chosen = tuple(sorted({(d + shift) % 7 for d in chosen}))
    office_days = False
    if hours is not None and not set(chosen) <= set(hours.days):
        chosen, office_days = spread(hours.days, min(posts, len(hours.days))), True
    audience_time = convert(local, zone, there, on)[0] if there else None
    result = Posting(posts=len(chosen), days=chosen, time=local, zone=zone, asked=asked, routine=routine.id,
                     why="office" if kept_to_office else slot.why, audience_zone=there,
                     audience_place=where[1] if where and there else "", audience_time=audience_time, late=late,
                     office=kept_to_office, weekdays_only=office_days)
    if own_days or own_times:
        mine_days = tuple(sorted({int(d) for d in own_days})) if own_days else result.days
        mine_time = own_times[0] if own_times else result.time
        result = Posting(posts=len(mine_days), days=mine_days, time=mine_time, zone=zone, asked=asked,
                         routine="" if own_times else result.routine, why="" if own_times else result.why,
                         audience_zone=there, audience_place=result.audience_place,
                         audience_time=convert(mine_time, zone, there, on)[0] if there else None,
                         late=False if own_times else result.late, office=result.office and not own_times,
                         weekdays_only=result.weekdays_only and not own_days, custom=True)
    return result


# ---- how it reads ----------------------------------------------------------------------------------------------

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def provisional_zone(answers: Mapping[str, Any]) -> str | None:
    """The zone to use while the user has chosen none: that of the Indonesian place the answers name for the
    audience (a village head's "Desa Hokor, Kec. Bola, Sikka" is WITA), so the plan and the first reminders are not
    in WIB until the time-zone question is answered. None when no Indonesian place with a known zone is named (a
    zone abroad says where the audience is, not the user)."""
    where = audience_zone(answers)
    return where[0] if where and where[0] in ZONE_NAMES else None


def zone_label(zone: str) -> str:
    """WIB / WITA / WIT for Indonesia's zones, else the zone's city ("Berlin") or the offset as stored."""
    return ZONE_NAMES.get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ")


def how_often(p: Posting, t: Tr) -> str:
    """'every day' or 'n times a week'."""
    return t("posting.daily") if p.posts == 7 else t("posting.per_week", n=p.posts)


def days_text(days: Sequence[int], t: Tr) -> str:
    """The days as the user reads them: 'Monday–Friday' for a run of three or more, else listed."""
    ordered = sorted(set(days))
    if len(ordered) == 7:
        return t("posting.all_days")
    if len(ordered) >= 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{t(f'day.{ordered[0]}')}–{t(f'day.{ordered[-1]}')}"
    return ", ".join(t(f"day.{d}") for d in ordered)


def summary(p: Posting, t: Tr) -> str:
    """One short line for the card: '6x a week · 19:00 WIB'."""
    return t("posting.summary", often=how_often(p, t), time=p.time, zone=zone_label(p.zone))


def why_line(p: Posting, t: Tr) -> str:
    """The plan's one line on why this time ('Posting time 19:00 WIB because your audience is workers: ...'), with
    the time where the audience lives and a note to schedule the post when it falls outside the user's day."""
    if p.custom and not p.why:
        return t("posting.why_own", time=p.time, zone=zone_label(p.zone))
    if p.office:
        return t("posting.line_office", time=p.time, zone=zone_label(p.zone))
    who, why = t(f"posting.who.{p.routine}"), t(f"posting.why.{p.why}")
    if p.audience_zone and p.audience_time:
        line = t("posting.line_there", time=p.time, zone=zone_label(p.zone), there=p.audience_time,
                 place=p.audience_place or zone_label(p.audience_zone), who=who, why=why)
    else:
        line = t("posting.line", time=p.time, zone=zone_label(p.zone), who=who, why=why)
    return f"{line} {t('posting.schedule_it')}" if p.late else line
