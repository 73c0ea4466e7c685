"""Nudge kinds and post ideas from content/*.toml, schedules from content/plan.toml, and message rendering."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from collections.abc import Callable
from typing import Any

from bot import schema
from bot.content import load_content
from bot.i18n import Catalog
from handlers import carry, reputation
from handlers import playbook
from handlers import themes as T
from handlers.plan import budget, office, posting
from handlers.reminders.actions import CheckinPosts, Snooze
from handlers.reminders.done import done_choice
from bot.types import Choice, Outbound

# How many of the last ideas sent to a user are not repeated.
NO_REPEAT = 8
POSTS_OPTIONS = ("0", "1-2", "3-4", "5+")


@dataclass(frozen=True)
class Kind:
    id: str
    order: int
    times: tuple[str, ...]
    times_from: str | None
    days: tuple[int, ...]
    days_from: str | None
    monthday: int | None
    idea: bool
    checkin: bool
    variants: tuple[str, ...]
    done: str | None = None  # a done button ("posted", "replied") on this kind's nudges


@dataclass(frozen=True)
class Idea:
    id: str
    purposes: tuple[str, ...]
    themes: tuple[str, ...]
    formats: tuple[str, ...] = ()    # the formats it can be made as; () = any
    platforms: tuple[str, ...] = ()  # the platforms it needs; () = any

    def fits(self, fmt: str | None = None, platforms: list[str] | tuple[str, ...] | None = None) -> bool:
        """Whether the idea can be made as this format (None: any) on one of these platforms (None/empty: any)."""
        if fmt and self.formats and fmt not in self.formats:
            return False
        return not (platforms and self.platforms and not set(platforms) & set(self.platforms))


def kinds() -> dict[str, Kind]:
    """Every nudge kind, in display order."""
    raw = load_content("nudges")["kinds"]
    out = [Kind(id=k, order=int(v.get("order", 99)), times=tuple(v.get("times", ())), times_from=v.get("times_from"),
                days=tuple(int(d) for d in v.get("days", ())), days_from=v.get("days_from"),
                monthday=v.get("monthday"), idea=bool(v.get("idea")), checkin=bool(v.get("checkin")),
                variants=tuple(v.get("variants", ("a",))), done=v.get("done"))
           for k, v in raw.items()]
    return {k.id: k for k in sorted(out, key=lambda k: (k.order, k.id))}


def ideas() -> list[Idea]:
    return [Idea(i["id"], tuple(i.get("purposes", ())), tuple(i.get("themes", ())), tuple(i.get("formats", ())),
                 tuple(i.get("platforms", ())))
            for i in load_content("ideas").get("ideas", [])]


def themes() -> dict[str, tuple[str, ...]]:
    return {k: tuple(w.lower() for w in v) for k, v in load_content("ideas").get("themes", {}).items()}


def plan_table(name: str, answers: dict[str, Any]) -> list[Any]:
    """The entry of a per-option table in content/plan.toml (reply_windows, posting_days) for the user's answer."""
    table = load_content("plan")[name]
    by_option = table["options"]
    return list(by_option.get(str(answers.get(table["step"])), by_option[table["default"]]))


def default_schedule(kind: Kind, answers: dict[str, Any], tz: str | None = None,
                     on: date | None = None) -> tuple[list[str], list[int], int | None]:
    """(times, days, monthday) for a kind, written from the user's plan answers (reply windows: as many as the
    time budget pays for, the same the plan's reply routine shows; inside the office hours, on office days, when
    the answers say replies happen then). The "post" kind (days_from cadence) takes the one posting schedule
    (handlers/plan/posting.py) in the user's zone `tz` on the day `on`: the plan, card and calendar say the same."""
    times = budget.default_windows(answers)[0] if kind.times_from == "response_time" else list(kind.times)
    days = plan_table("posting_days", answers) if kind.days_from == "cadence" else list(kind.days)
    if kind.days_from == "cadence":
        when = posting.decide(answers, tz, on)
        times, days = list(when.times), list(when.days)
    hours = office.of_answers(answers) if kind.times_from == "response_time" else None
    if hours is not None:  # replies during office hours: the reply reminders come on office days only
        days = [d for d in days if d in hours.days] or list(hours.days)
    return times, [int(d) for d in days], kind.monthday


def pillar_themes(pillar: str) -> set[str]:
    """The themes a content pillar is about, by the weight of its cues (handlers/themes.py): "GRWM kuliah" is
    beauty, not teaching; "honest review produk lokal" is a review, not a shop."""
    return T.pillar_themes(pillar)


def pick_idea(answers: dict[str, Any], recent: list[str], seed: str) -> tuple[Idea, str] | None:
    """An idea for one of the user's pillars and purposes that is not among the recent ones."""
    pillars = [str(p) for p in (reputation.usable_answers(answers).get("pillars") or [])] or [""]
    role = str(answers.get("role") or "")  # the purposes as the role reads them, ideas in the role's words
    purposes = {playbook.effective_purpose(role, str(p)) for p in answers.get("purposes") or []}
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    pillar = pillars[digest % len(pillars)]
    fits = pillar_themes(pillar)
    mine = budget.kept_platforms(answers)
    formats = carry.slot_formats(budget.kept_formats(answers), mine)  # formats their platforms carry
    pool = [i for i in ideas() if (not i.purposes or not purposes or purposes & set(i.purposes))
            and (not i.themes or fits & set(i.themes)) and any(i.fits(f, mine) for f in formats)
            and playbook.suits_role(f"idea.{i.id}", role)]
    if not pool:
        return None
    themed = [i for i in pool if i.themes]
    fresh = [i for i in pool if i.id not in recent[:NO_REPEAT]]
    fresh_themed = [i for i in themed if i.id not in recent[:NO_REPEAT]]
    if fresh_themed and digest % 2 == 0:
        candidates = fresh_themed
    elif fresh:
        candidates = fresh
    else:  # everything was sent lately: the one sent longest ago
        order = {idea: n for n, idea in enumerate(recent)}
        candidates = [max(pool, key=lambda i: order.get(i.id, len(recent) + 1))]
    return candidates[(digest // 2) % len(candidates)], pillar


def params(catalog: Catalog, lang: str, answers: dict[str, Any], times: list[str], days: list[int]) -> dict[str, Any]:
    """Placeholders every nudge text may use, from the plan answers."""
    def opt(step: str, value: Any, default: str) -> str:
        return catalog.t(lang, f"opt.{step}.{value if value is not None else default}")

    minutes = int(answers.get("daily_minutes") or 30)
    pillars = [str(p) for p in (reputation.usable_answers(answers).get("pillars") or [])]
    dash = "-"
    return {
        "name": str(answers.get("name") or "").strip() or catalog.t(lang, "nudge.friend"),
        "target": opt("response_time", answers.get("response_time"), "24"),
        "times": ", ".join(times),
        "minutes": minutes - round(minutes * 0.6),
        "replier": answers.get("team_replier") or catalog.t(lang, "nudge.you"),
        "pillar": pillars[0] if pillars else dash,
        "pillars": ", ".join(pillars) or dash,
        "cadence": opt("cadence", answers.get("cadence"), "3"),
        "days": ", ".join(catalog.t(lang, f"day.{d}") for d in days),
        "vision": answers.get("vision") or dash,
        "mission": answers.get("mission") or dash,
        "goal_5y": answers.get("goal_5y") or dash,
        "goal_10y": answers.get("goal_10y") or catalog.t(lang, "nudge.no_goal_10y"),
        "offline": answers.get("offline") or dash,
        "creative_angle": answers.get("creative_angle") or dash,
        "quality": answers.get("quality") or dash,
        "criticism": opt("criticism", answers.get("criticism"), "calm"),
        "stake": playbook.stake(lambda k, **kw: catalog.t(lang, k, **kw), answers.get("role")),  # point 9, per role
    }


def snooze_choices(catalog: Catalog, lang: str, nudge_id: int, slot: int) -> list[Choice]:
    return [Choice(Snooze(nudge_id, slot, "h"), catalog.t(lang, "nudge.btn.snooze_hour")),
            Choice(Snooze(nudge_id, slot, "d"), catalog.t(lang, "nudge.btn.snooze_tomorrow")),
            Choice(Snooze(nudge_id, slot, "w"), catalog.t(lang, "nudge.btn.snooze_week"))]


def posts_choices(catalog: Catalog, lang: str, week: str) -> list[Choice]:
    return [Choice(CheckinPosts(week, o), catalog.t(lang, f"checkin.posts.{o}")) for o in POSTS_OPTIONS]


def render(catalog: Catalog, lang: str, kind: Kind, *, nudge_id: int, slot: int, sent_count: int,
           answers: dict[str, Any], times: list[str], days: list[int], week: str,
           idea: tuple[Idea, str] | None, day: str = "") -> Outbound:
    """One nudge message: the kind's next variant, a post idea or check-in buttons, and snooze buttons."""
    p = params(catalog, lang, answers, times, days)
    variant = kind.variants[sent_count % len(kind.variants)] if kind.variants else "a"
    key = f"nudge.{kind.id}.{variant}"
    parts = [catalog.t(lang, key, **p)]
    choices: list[Choice] = []
    if kind.idea and idea is not None:
        chosen, pillar = idea
        pillar = pillar.strip() or str(next(iter(reputation.usable_answers(answers).get("pillars") or []), ""))
        formats = carry.slot_formats(budget.kept_formats(answers), budget.kept_platforms(answers))
        suits = [f for f in formats if chosen.fits(f)] or formats
        chosen_format = suits[slot % len(suits)]
        # mid-sentence wording of the format ("video pendek"), falling back to the option label
        fmt = catalog.t(lang, f"idea_format.{chosen_format}") if catalog.has(f"idea_format.{chosen_format}", lang) \
            else catalog.t(lang, f"opt.formats.{chosen_format}")
        topic = idea_topic(lambda k, **kw: catalog.t(lang, k, **kw), pillar)
        text = catalog.t(lang, f"idea.{chosen.id}", topic=topic, format=fmt)
        named = names_pillar(text, topic, pillar)  # the idea quotes it already: the head does not repeat it
        parts.append(catalog.t(lang, "nudge.idea", idea=text, pillar=pillar) if pillar and not named
                     else catalog.t(lang, "nudge.idea_any", idea=text))
    if kind.checkin:
        parts.append(catalog.t(lang, "checkin.ask_posts"))
        choices.extend(posts_choices(catalog, lang, week))
    if kind.done and day:
        choices.append(done_choice(catalog, lang, kind.done, day))
    choices.extend(snooze_choices(catalog, lang, nudge_id, slot))
    return Outbound(text="\n\n".join(parts), key=key, choices=tuple(choices), private=True,
                    expects="choice" if kind.checkin else "", kind="nudge", lang=lang,
                    source=idea[0].id if kind.idea and idea is not None else "")


# ---- content schema and checks (content/nudges.toml, content/ideas.toml) -----------------------------------

_ID = r"[a-z0-9_]+"
TIMES_FROM = ("response_time",)  # the values default_schedule knows
DAYS_FROM = ("cadence",)
IDEA_FILLS = frozenset({"topic", "format"})  # what render passes to idea.<id>: never the pillar itself (see idea_topic)


def names_pillar(text: str, topic: str, pillar: str) -> bool:
    """Whether an idea's text quotes the pillar itself (so a head before it need not name it again)."""
    return bool(pillar.strip()) and pillar.strip() in topic and topic in text


TOPIC_MAX = 40  # a longer pillar (or one with a sentence's punctuation) is "this theme" inside a sentence


def idea_topic(t: Callable[..., str], pillar: str) -> str:
    """How an idea's sentence names the user's theme: the pillar quoted, in a noun slot ("about “GRWM kuliah”"),
    so people read their own words and the quotes make any typed text (a loanword, chat spelling) a name that fits
    the grammar; "this theme" when the pillar is a whole sentence or too long to quote mid-sentence; "your topic"
    without a pillar. The idea texts never carry {pillar} themselves (check-content refuses it)."""
    named = " ".join(pillar.split())
    if not named:
        return t("idea_topic.any")
    if len(named) > TOPIC_MAX or re.search(r"[.!?;:\n]", named):
        return t("idea_topic.named")
    return t("idea_topic.quoted", pillar=named)


KIND_SCHEMA = schema.Table({
    "order": schema.Field(int, min=0),
    "times": schema.Field(schema.ListOf(str), pattern=r"([01]\d|2[0-3]):[0-5]\d"),
    "times_from": schema.Field(str, choices=TIMES_FROM),
    "days": schema.Field(schema.ListOf(int), min=0, max=6),
    "days_from": schema.Field(str, choices=DAYS_FROM),
    "monthday": schema.Field(int, min=1, max=31),
    "idea": schema.Field(bool),
    "checkin": schema.Field(bool),
    "variants": schema.Field(schema.ListOf(str), pattern=_ID),
    "done": schema.Field(str, choices=("posted", "replied")),
})
SCHEMA = schema.Table({"kinds": schema.Field(schema.MapOf(schema.Field(KIND_SCHEMA), key_pattern=_ID), required=True)})
IDEAS_SCHEMA = schema.Table({
    "themes": schema.Field(schema.MapOf(schema.Field(schema.ListOf(str)), key_pattern=_ID)),
    "weak_cues": schema.Field(schema.MapOf(schema.Field(schema.ListOf(str)), key_pattern=_ID)),
    "ideas": schema.Field(schema.ArrayOf(schema.Table({
        "id": schema.Field(str, required=True, pattern=_ID),
        "purposes": schema.Field(schema.ListOf(str)),
        "themes": schema.Field(schema.ListOf(str)),
        "formats": schema.Field(schema.ListOf(str)),
        "platforms": schema.Field(schema.ListOf(str)),
    })), required=True),
})


class _Blank:
    """A catalog stand-in that renders every key as '' (to learn which placeholders params() fills)."""

    def t(self, lang: str, key: str, **params: Any) -> str:
        return ""


def nudge_fills() -> frozenset[str]:
    """The placeholders every nudge text may use: exactly what params() fills."""
    return frozenset(params(_Blank(), "en", {}, [], []))  # type: ignore[arg-type]


def kind_findings(data: dict[str, Any]) -> list[schema.Finding]:
    """Schema violations and schedule mistakes in parsed nudges content."""
    found = schema.validate(data, SCHEMA)
    raw = data.get("kinds")
    if not isinstance(raw, dict):
        return found
    for kid, kind in raw.items():
        path = f"kinds.{kid}"
        if not isinstance(kind, dict) or any(p == path or p.startswith(path + ".") for p, _ in found):
            continue
        if not kind.get("times") and not kind.get("times_from"):
            found.append((path, "no times: give times or times_from"))
        if kind.get("times") and kind.get("times_from"):
            found.append((f"{path}.times_from", "times_from replaces times: give one of them"))
        when = [k for k in ("days", "days_from", "monthday") if kind.get(k) not in (None, [])]
        if not when:
            found.append((path, "no days: give days, days_from or monthday"))
        elif len(when) > 1:
            found.append((f"{path}.{when[1]}", f"give only one of {', '.join(when)}"))
        if kind.get("variants") == []:
            found.append((f"{path}.variants", "an empty list sends nothing: list at least one variant"))
        found += [(f"{path}.variants", f"duplicate variant {v!r}") for v in schema.duplicates(kind.get("variants", []))]
    return found


def kind_texts(data: dict[str, Any]) -> list[schema.Text]:
    """The catalog texts the nudge kinds need: their names and one text per variant."""
    fills = nudge_fills()
    out: list[schema.Text] = []
    for kid, kind in (data.get("kinds") or {}).items():
        if not isinstance(kind, dict):
            continue
        out.append(schema.Text(f"nudge.kind.{kid}", f"kinds.{kid}"))
        variants = kind.get("variants", ["a"])
        out += [schema.Text(f"nudge.{kid}.{v}", f"kinds.{kid}.variants", fills)
                for v in (variants if isinstance(variants, list) else []) if isinstance(v, str)]
    return out


def unsent_text_issues(data: dict[str, Any], catalogs: dict[str, dict[str, schema.Entry]]) -> list[schema.Issue]:
    """Texts `nudge.<kind>.<x>` whose variant is not listed: they would never be sent."""
    out: list[schema.Issue] = []
    for kid, kind in (data.get("kinds") or {}).items():
        listed = set(kind.get("variants", ["a"])) if isinstance(kind, dict) and isinstance(kind.get("variants", []), list) \
            else set()
        for cat in catalogs.values():
            out += [schema.Issue(entry.file, entry.line, key, f"never sent: {key.rsplit('.', 1)[1]!r} is not in "
                                 f"kinds.{kid}.variants") for key, entry in cat.items()
                    if key.startswith(f"nudge.{kid}.") and key.count(".") == 2 and key.rsplit(".", 1)[1] not in listed]
    return out


def idea_findings(data: dict[str, Any], purposes: list[str] | None,
                  options: dict[str, list[str] | None] | None = None) -> list[schema.Finding]:
    """Schema violations, duplicate ids, unknown themes and purposes (None: purposes unknown) in ideas content."""
    found = schema.validate(data, IDEAS_SCHEMA)
    raws = data.get("ideas")
    if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
        return found
    themes_known = set(data.get("themes") or {})
    weak = data.get("weak_cues")
    if isinstance(weak, dict):
        found += [(f"weak_cues.{t}", f"unknown theme {t!r} (not in [themes])") for t in weak if t not in themes_known]
    ids = [r.get("id") if isinstance(r.get("id"), str) else None for r in raws]
    found += [(f"ideas[{ids.index(d, ids.index(d) + 1)}].id", f"duplicate idea id {d!r}")
              for d in schema.duplicates(ids) if d is not None]
    for i, raw in enumerate(raws):
        if any(p.startswith(f"ideas[{i}]") for p, _ in found):
            continue
        found += [(f"ideas[{i}].themes", f"unknown theme {t!r} (not in [themes])") for t in raw.get("themes", [])
                  if t not in themes_known]
        for field, step in (("formats", "formats"), ("platforms", "focus_platforms")):
            known = (options or {}).get(step)
            if known is not None:
                found += [(f"ideas[{i}].{field}", f"{v!r} is not an option of the {step!r} step")
                          for v in raw.get(field, []) if v not in known]
        if purposes is not None:
            found += [(f"ideas[{i}].purposes", f"{p!r} is not an option of the 'purposes' step ({', '.join(purposes)})")
                      for p in raw.get("purposes", []) if p not in purposes]
    return found


def _purpose_options(step: str = "purposes") -> list[str] | None:
    """The options of a questionnaire step (purposes, formats, platforms), which ideas are matched against."""
    steps = load_content("questionnaire").get("steps")
    found = [s.get("options") for s in steps or [] if isinstance(s, dict) and s.get("id") == step]
    return [str(o) for o in found[0]] if found and isinstance(found[0], list) else None


def check() -> list[schema.Issue]:
    """Every problem in content/nudges.toml, content/ideas.toml and the texts they need."""
    from bot.content import content_doc
    from bot.i18n import catalog_entries_by_language

    catalogs = catalog_entries_by_language()
    nudges, ideas_doc = content_doc("nudges"), content_doc("ideas")
    out = nudges.issues(kind_findings(nudges.data))
    out += schema.text_issues(nudges, kind_texts(nudges.data), catalogs) + unsent_text_issues(nudges.data, catalogs)
    out += ideas_doc.issues(idea_findings(ideas_doc.data, _purpose_options(), {
        s: _purpose_options(s) for s in ("formats", "focus_platforms")}))
    raws = ideas_doc.data.get("ideas")
    texts = [schema.Text(f"idea.{r['id']}", f"ideas[{i}].id", IDEA_FILLS) for i, r in enumerate(raws)
             if isinstance(r, dict) and isinstance(r.get("id"), str)] if isinstance(raws, list) else []
    return out + schema.text_issues(ideas_doc, texts, catalogs)


schema.register_check("nudges", check)
