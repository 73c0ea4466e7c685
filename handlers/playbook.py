"""Playbooks per role and purpose, and how the plan speaks to each role (content/playbooks.toml).

Why: a plan that tells a village-head candidate his audience won't "buy your offer", or asks him to take photos
at the funerals he listed, reads as if it were written for someone else. So the plan gets a section for the
person's main purpose with three first steps in their role's words (a creator after brand deals gets a media kit
and a rate card, a yoga teacher the booking link and the free guide she already named, a retired official who
wants to speak a speaker profile), the article's point 9 in the role's terms (voters give support, buyers buy),
and offline advice that keeps mourning and worship free of promotion.

Pure (answers and a translator in, texts out) and free of other features, so the plan, the questionnaire and the
nudges can all use it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot import schema
from bot.schema import placeholders
from bot.content import load_content
from handlers import hashtags, reputation
from handlers import lexicon as L
from handlers import values as V

Tr = Callable[..., str]
ANY = "*"
STEPS = 3
LANGS = ("id", "en")
FILLS = frozenset({"people", "pillar", "segment", "link", "magnet"})
_URL = re.compile(r"(?:https?://|www\.)[^\s,;()]+|\b(?:[a-z0-9-]+\.)+(?:com|id|co|me|ly|link|page|io|app|site|to)"
                  r"/[^\s,;()]*", re.I)
_CLAUSE = re.compile(r"[,;.!?\n]|\s(?:dan|and|atau|or|lalu|then)\s", re.I)


@dataclass(frozen=True)
class Playbook:
    id: str
    role: str = ANY
    purpose: str = ANY


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return load_content("playbooks")


def playbooks() -> list[Playbook]:
    return [Playbook(p["id"], p.get("role", ANY), p.get("purpose", ANY)) for p in _data().get("playbooks", [])]


def _role(role: Any) -> dict[str, Any]:
    return dict((_data().get("roles") or {}).get(str(role), {}))


def main_purpose(purposes: Sequence[Any]) -> str | None:
    """The purpose the plan's section is about: the first of main_order the user picked, else their first."""
    picked = [str(p) for p in purposes]
    return next((p for p in _data().get("main_order", []) if p in picked), picked[0] if picked else None)


def effective_purpose(role: str, purpose: str) -> str:
    """The purpose whose playbook a role gets: a purpose that does not suit the role is replaced (a candidate's
    "sales" is support)."""
    return str((_role(role).get("instead") or {}).get(purpose, purpose))


def playbook_for(role: str, purpose: str) -> Playbook | None:
    """(role, purpose), then (any role, purpose), (role, any), (any, any): the first that exists."""
    purpose = effective_purpose(role, purpose)
    found = {(p.role, p.purpose): p for p in playbooks()}
    return next((found[k] for k in ((role, purpose), (ANY, purpose), (role, ANY), (ANY, ANY)) if k in found), None)


def role_text(t: Tr, has: Callable[[str], bool], group: str, role: Any) -> str:
    """pb.<group>.<role>, else pb.<group>.any: who a role talks to, what negative fame costs it, ..."""
    key = f"pb.{group}.{role}"
    return t(key) if has(key) else t(f"pb.{group}.any")


def stake(t: Tr, role: Any) -> str:
    """What negative fame costs this role (the article's point 9): votes, trust, fans, brands, buyers."""
    return role_text(t, _has_from(t), "stake", role)


def avoided(role: Any) -> dict[str, tuple[str, ...]]:
    """Per language: the words the plan never says to this role ([roles.<role>].avoid: voters are not buyers)."""
    table = _role(role).get("avoid") or {}
    return {lang: tuple(str(w).lower() for w in table.get(lang, [])) for lang in LANGS}


def says_avoided(text: str, words: Sequence[str]) -> list[str]:
    """The avoid words a text says (a word, or its start: "pembeli" in "pembelinya"), in the list's order."""
    low = text.lower()
    return [w for w in words if re.search(r"(?<!\w)" + re.escape(w), low)]


@lru_cache(maxsize=4096)
def suits_role(key: str, role: str) -> bool:
    """Whether a catalog text (an idea's sentence) says none of the role's avoid words in any language or register:
    a candidate is never offered "one customer's story". Read from the catalogs' templates, so a coach who rewords
    an idea moves it in or out without touching code."""
    from bot.i18n import base_language, load_language, variant_tags

    words = avoided(role)
    for tag in (*LANGS, *variant_tags()):
        text = load_language(tag).get(key)
        if text is not None and says_avoided(text, words.get(base_language(tag), ())):
            return False
    return True


def _has_from(t: Tr) -> Callable[[str], bool]:
    """Whether a catalog has a key, judged by the translator (an unknown key renders as itself)."""
    return lambda key: t(key) != key


# ---- what the answers name ----------------------------------------------------------------------------------

def _texts(answers: Mapping[str, Any], steps: Sequence[str]) -> list[str]:
    out = []
    for sid in steps:
        value = answers.get(sid)
        out += [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []
    return out


def named_link(answers: Mapping[str, Any]) -> str | None:
    """A booking, shop or contact link the user typed in an answer."""
    for text in _texts(answers, _data().get("answers", {}).get("link_steps", [])):
        found = _URL.search(text)
        if found:
            return found.group(0).rstrip(".")
    return None


def named_magnet(answers: Mapping[str, Any]) -> str | None:
    """A lead magnet the user already has (a free guide, a trial class): the clause of an answer that names it."""
    cues = [c.lower() for c in _data().get("answers", {}).get("magnet_cues", [])]
    for text in _texts(answers, _data().get("answers", {}).get("link_steps", [])):
        low = text.lower()
        for cue in cues:
            at = low.find(cue)
            if at < 0:
                continue
            end_match = _CLAUSE.search(text, at + len(cue))  # from the cue to the end of its clause
            clause = text[at:end_match.start() if end_match else len(text)].strip()
            return clause if len(clause) <= 80 else text[at:at + len(cue)]
    return None


def fills(answers: Mapping[str, Any], t: Tr) -> dict[str, str]:
    """The values playbook texts may use, from the answers (only those the answers have)."""
    usable = reputation.usable_answers(answers)
    pillars = [str(p) for p in usable.get("pillars") or [] if str(p).strip()]
    out = {"people": role_text(t, _has_from(t), "people", answers.get("role"))}
    if pillars:
        out["pillar"] = pillars[0]
    if usable.get("priority_segment"):
        out["segment"] = str(usable["priority_segment"])
    for name, value in (("link", named_link(usable)), ("magnet", named_magnet(usable))):
        if value:
            out[name] = value
    return out


@lru_cache(maxsize=1)
def _templates() -> dict[str, str]:
    """The Indonesian catalog's texts (every language's placeholders are the same: the catalog check says so)."""
    from bot.i18n import load_language
    return load_language("id")


def _render(t: Tr, key: str, values: Mapping[str, str]) -> str | None:
    """A text when it exists and every placeholder it uses has a value (else None: a `_named` variant falls back).
    Which placeholders it uses is read from the catalog's template, not from `t`'s output, so every translator
    (the plan's own and the tests' markers) leaves out the same steps."""
    template = _templates().get(key)
    if template is None or placeholders(template) - set(values):
        return None
    return t(key, **values)


def purpose_section(answers: Mapping[str, Any], t: Tr) -> dict[str, Any]:
    """The plan's purpose section as computed values: playbook_head, playbook (three steps), playbook_note."""
    purpose = main_purpose(answers.get("purposes") or [])
    role = str(answers.get("role") or "")
    book = playbook_for(role, purpose) if purpose else None
    if book is None:
        return {}
    values = fills(answers, t)
    steps = []
    for n in range(1, STEPS + 1):
        text = _render(t, f"pb.{book.id}.s{n}_named", values) or _render(t, f"pb.{book.id}.s{n}", values)
        if text:
            steps.append(text)
    out: dict[str, Any] = {"playbook": steps}
    head = _render(t, f"pb.{book.id}.head", values)
    if head:
        out["playbook_head"] = head
    if _role(role).get("note"):
        out["playbook_note"] = t(f"pb.note.{role}")
    return out


# ---- offline advice -----------------------------------------------------------------------------------------

def _quiet_words(role: Any) -> list[str]:
    words: list[str] = []
    for table in ((_data().get("offline") or {}).get("quiet") or {}, _role(role).get("quiet") or {}):
        for lang in LANGS:
            words += [w.lower() for w in table.get(lang, [])]
    return words


def _is_quiet(event: str, words: Sequence[str]) -> bool:
    low = event.lower()
    return any(re.search(r"(?<!\w)" + re.escape(w) + r"(?:nya|an|s)?(?!\w)", low) for w in words)


def _event(part: str) -> str:
    """One typed event as a plan sentence names it ('saat {event}'): without a yes or fillers before it ('iya sa
    datang ke pesta' -> 'datang ke pesta'), an activity in lowercase ('Mengisi pengajian' -> 'mengisi pengajian');
    a name stays as typed ('Pasar Minggu')."""
    words = V.clean_value(part.strip(" -•")).split()
    lead = L.words("yes") | L.words("fillers")
    while len(words) > 1 and L.fold(words[0]) in lead:
        words = words[1:]
    if len(words) > 1 and words[0][:1].isupper() and words[0][1:].islower() and words[1][:1].islower():
        words[0] = words[0].lower()
    return " ".join(words)


def offline_events(answers: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The offline answer split into events: (those fit to share, those where nobody promotes: funerals, worship,
    and the role's own: a candidate at a school)."""
    raw = str(answers.get("offline") or "").strip()
    if not raw:
        return [], []
    open_, quiet = _offline_events(raw, str(answers.get("role")))
    return list(open_), list(quiet)


@lru_cache(maxsize=1024)  # the plan asks it again for its pictures, the card and the nudges for theirs
def _offline_events(raw: str, role: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    parts = [e for p in re.split(r"[,;/\n]|\s(?:dan|and|serta|&)\s", raw) if (e := _event(p))]
    words = _quiet_words(role)
    quiet = [p for p in parts if _is_quiet(p, words)]
    return tuple(p for p in parts if p not in quiet), tuple(quiet)


def listed(items: Sequence[str], t: Tr) -> str:
    """Items as prose: "a, b dan c" (events, times)."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {t('pb.and')} {items[-1]}"


def offline_values(answers: Mapping[str, Any], t: Tr) -> dict[str, Any]:
    """offline_promo (how this role shares a meeting), offline_open and offline_quiet (the events, as typed), and
    offline_split: "mixed", "quiet" (only events where nobody promotes) or "open"."""
    open_, quiet = offline_events(answers)
    out: dict[str, Any] = {"offline_promo": role_text(t, _has_from(t), "offline", answers.get("role"))}
    out["offline_split"] = ("mixed" if open_ else "quiet") if quiet else "open"
    if quiet:
        out["offline_quiet"] = listed(quiet, t)
        if open_:
            out["offline_open"] = listed(open_, t)
    return out


# ---- hashtags for the plan ------------------------------------------------------------------------------------

def hashtag_lines(answers: Mapping[str, Any], platforms: Sequence[str], t: Tr) -> list[str]:
    """One line per platform the plan keeps: a few tags people search, broad and niche, in the answers' language."""
    usable = reputation.usable_answers(answers)
    pillars = [str(p) for p in usable.get("pillars") or [] if str(p).strip()]
    if not pillars:
        return []
    lang = hashtags.audience_lang([*pillars, str(usable.get("needs") or ""), *map(str, usable.get("segments") or [])])
    return [t("pb.tags_line", platform=t(f"opt.focus_platforms.{p}"), tags=" ".join(tags))
            for p, tags in hashtags.for_platforms(pillars, platforms, lang) if tags]


def plan_values(answers: Mapping[str, Any], t: Tr, platforms: Sequence[str]) -> dict[str, Any]:
    """Everything this module adds to the plan's computed values."""
    out = purpose_section(answers, t)
    out.update(offline_values(answers, t))
    out["stake"] = role_text(t, _has_from(t), "stake", answers.get("role"))
    role = str(answers.get("role") or "")
    out["role_purposes"] = list(dict.fromkeys(effective_purpose(role, str(p)) for p in answers.get("purposes") or []))
    out["hashtag_lines"] = hashtag_lines(answers, platforms, t)
    return out


# ---- content check ----------------------------------------------------------------------------------------------

_PER_LANG = schema.Table({lang: schema.Field(schema.ListOf(str)) for lang in LANGS})
SCHEMA = schema.Table({
    "main_order": schema.Field(schema.ListOf(str), required=True),
    "roles": schema.Field(schema.MapOf(schema.Field(schema.Table({
        "instead": schema.Field(schema.MapOf(schema.Field(str))),
        "note": schema.Field(bool),
        "avoid": schema.Field(_PER_LANG),
        "vocab": schema.Field(_PER_LANG, required=True),
        "quiet": schema.Field(_PER_LANG),
    })), key_pattern=r"[a-z0-9_]+"), required=True),
    "purposes": schema.Field(schema.MapOf(schema.Field(schema.Table({"vocab": schema.Field(_PER_LANG, required=True)})),
                                          key_pattern=r"[a-z0-9_]+"), required=True),
    "playbooks": schema.Field(schema.ArrayOf(schema.Table({
        "id": schema.Field(str, required=True, pattern=r"[a-z0-9_]+"),
        "role": schema.Field(str),
        "purpose": schema.Field(str),
    })), required=True),
    "offline": schema.Field(schema.Table({"quiet": schema.Field(_PER_LANG, required=True)})),
    "answers": schema.Field(schema.Table({"magnet_cues": schema.Field(schema.ListOf(str)),
                                          "link_steps": schema.Field(schema.ListOf(str))})),
})


def findings(data: dict[str, Any], roles: list[str] | None, purposes: list[str] | None,
             step_ids: set[str]) -> list[schema.Finding]:
    """Schema violations; roles and purposes that are not options; a role x purpose with no playbook."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    table, goals = data.get("roles") or {}, data.get("purposes") or {}
    if roles is not None:
        found += [(f"roles.{r}", f"{r!r} is not an option of the 'role' step") for r in table if r not in roles]
        found += [("roles", f"no entry for role {r!r}") for r in roles if r not in table]
    if purposes is not None:
        found += [(f"purposes.{p}", f"{p!r} is not an option of the 'purposes' step") for p in goals
                  if p not in purposes]
        found += [("purposes", f"no vocab for purpose {p!r}") for p in purposes if p not in goals]
        found += [("main_order", f"{p!r} is not an option of the 'purposes' step")
                  for p in data.get("main_order", []) if p not in purposes]
        for r, spec in table.items():
            found += [(f"roles.{r}.instead", f"{k!r} -> {v!r}: not options of the 'purposes' step")
                      for k, v in (spec.get("instead") or {}).items() if k not in purposes or v not in purposes]
    books = data.get("playbooks") or []
    found += [(f"playbooks[{i}].role", f"{b['role']!r} is not a role of [roles]") for i, b in enumerate(books)
              if "role" in b and b["role"] not in table]
    found += [(f"playbooks[{i}].purpose", f"{b['purpose']!r} is not a purpose of [purposes]")
              for i, b in enumerate(books) if "purpose" in b and b["purpose"] not in goals]
    found += [("playbooks", f"duplicate id {d!r}") for d in schema.duplicates([b["id"] for b in books])]
    keys = {(b.get("role", ANY), b.get("purpose", ANY)) for b in books}
    for r in roles or list(table):
        for p in purposes or list(goals):
            q = str((table.get(r, {}).get("instead") or {}).get(p, p))
            if not keys & {(r, q), (ANY, q), (r, ANY), (ANY, ANY)}:
                found.append(("playbooks", f"no playbook for role {r!r} and purpose {p!r}"))
    found += [("answers.link_steps", f"{s!r} is not a step of content/questionnaire.toml")
              for s in (data.get("answers") or {}).get("link_steps", []) if s not in step_ids]
    return found


def texts(data: dict[str, Any]) -> list[schema.Text]:
    """The catalog texts the playbooks need, and what fills them."""
    out = []
    for i, book in enumerate(data.get("playbooks") or []):
        if not isinstance(book, dict) or not isinstance(book.get("id"), str):
            continue
        path = f"playbooks[{i}].id"
        out.append(schema.Text(f"pb.{book['id']}.head", path, FILLS))
        for n in range(1, STEPS + 1):
            out.append(schema.Text(f"pb.{book['id']}.s{n}", path, FILLS))
            out.append(schema.Text(f"pb.{book['id']}.s{n}_named", path, FILLS, optional=True))
    for r, spec in (data.get("roles") or {}).items():
        out.append(schema.Text(f"pb.people.{r}", f"roles.{r}"))
        out.append(schema.Text(f"pb.stake.{r}", f"roles.{r}"))
        out.append(schema.Text(f"pb.offline.{r}", f"roles.{r}", optional=True))
        if isinstance(spec, dict) and spec.get("note"):
            out.append(schema.Text(f"pb.note.{r}", f"roles.{r}.note"))
    out += [schema.Text(f"pb.{g}.any", "roles") for g in ("people", "stake", "offline")] + [schema.Text("pb.and", "roles")]
    out.append(schema.Text("pb.tags_line", "roles", frozenset({"platform", "tags"})))
    return out


def check() -> list[schema.Issue]:
    """`brandcoach check-content`: content/playbooks.toml against the questionnaire and both catalogs."""
    from bot.content import content_doc
    from bot.i18n import catalog_entries_by_language

    doc = content_doc("playbooks")
    steps = [s for s in load_content("questionnaire").get("steps") or [] if isinstance(s, dict)]

    def options(step: str) -> list[str] | None:
        found = [s.get("options") for s in steps if s.get("id") == step]
        return [str(o) for o in found[0]] if found and isinstance(found[0], list) else None

    out = doc.issues(findings(doc.data, options("role"), options("purposes"), {str(s.get("id")) for s in steps}))
    return out + schema.text_issues(doc, texts(doc.data), catalog_entries_by_language())


schema.register_check("playbooks", check)
