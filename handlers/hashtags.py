"""Hashtags people search: a few per post, broad and niche mixed, in the audience's language (content/hashtags.toml).

Why not the pillar glued into one tag: nobody searches #komunikasidenganorangtuamurid, so such a tag reaches no one.
People search short tags: a broad one many follow (#pendidikan) and a niche one that names exactly the subject
(#orangtua, #murid). The broad tags come from the pillar's themes (handlers/themes.py), the niche ones from its key
words; how many depends on the platform (Instagram takes a handful, Threads one topic).

Pure, and free of other features, so /check and the plan can both use it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from bot import schema
from bot.content import load_content
from handlers import themes as T

LANGS = ("id", "en")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return load_content("hashtags")


def max_chars() -> int:
    return int(_data().get("max_chars", 20))


def per_platform(platform: str) -> int:
    """How many tags a post on this platform carries."""
    return int((_data().get("per_platform") or {}).get(platform, _data().get("default", 3)))


def _stopwords() -> frozenset[str]:
    words = [w for ws in (_data().get("stopwords") or {}).values() for w in ws]
    return frozenset(words + list(_data().get("vague") or []))


def audience_lang(texts: Iterable[str], default: str = "id") -> str:
    """The language the answers are written in (so, of the audience they talk to): whose function words show more."""
    words = [w.lower() for text in texts for w in _WORD.findall(text)]
    stops = _data().get("stopwords") or {}
    counts = {lang: sum(1 for w in words if w in set(stops.get(lang, []))) for lang in LANGS}
    best = max(counts.values())
    return default if best == 0 or list(counts.values()).count(best) > 1 else max(counts, key=lambda k: counts[k])


def _glued(words: Sequence[str]) -> str:
    return "".join(words)


def niche(pillar: str) -> list[str]:
    """Short tags from the pillar's own key words: searched phrases first, then two key words side by side, then
    single key words; never the whole pillar when it has three words or more."""
    return list(_niche(pillar))


@lru_cache(maxsize=1024)  # a plan asks for the same pillars once per platform, its card and /check again
def _niche(pillar: str) -> tuple[str, ...]:
    stop, limit = _stopwords(), max_chars()
    low = pillar.lower()
    words = _WORD.findall(low)
    out: list[str] = []
    phrases = [p for p in T.matched_phrases(low) if len(p.split()) == 2]  # a theme's two-word cue ("lari pagi")
    phrases += [g for g in _data().get("glue", []) if _has_phrase(low, g)]  # and what people search as one tag
    used: set[str] = set()
    for phrase in phrases:
        parts = _WORD.findall(phrase)
        out.append(_glued(parts))
        used |= set(parts)
    run: list[str] = []
    runs: list[list[str]] = []
    for w in words + [""]:  # runs of key words between stopwords
        if w and w not in stop and not w.isdigit():
            run.append(w)
        else:
            if run:
                runs.append(run)
            run = []
    for r in runs:
        if len(r) == 2 and not set(r) & used and (len(words) <= 2 or len(runs) > 1):
            out.append(_glued(r))
    out += [w for r in runs for w in r if w not in used and len(w) >= 3]
    return tuple(_clean(out, limit, whole=_glued(words) if len(words) >= 3 else ""))


def _has_phrase(low: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + r"\s+".join(re.escape(p) for p in phrase.split()) + r"(?!\w)", low) is not None


def _clean(tags: Iterable[str], limit: int, whole: str = "") -> list[str]:
    out: list[str] = []
    for tag in tags:
        if 3 <= len(tag) <= limit and tag != whole and tag not in out:
            out.append(tag)
    return out


def broad(pillar: str, lang: str) -> list[str]:
    """The broad tags of the pillar's themes, in the audience's language."""
    return list(_broad(pillar, lang))


@lru_cache(maxsize=1024)
def _broad(pillar: str, lang: str) -> tuple[str, ...]:
    table = _data().get("themes") or {}
    found = sorted(T.pillar_themes(pillar), key=lambda t: -T.scores(pillar).get(t, 0))
    rounds = [list((table.get(t) or {}).get(lang) or []) for t in found]
    return tuple(_clean((r[i] for i in range(max((len(r) for r in rounds), default=0)) for r in rounds if i < len(r)),
                  max_chars()))


def _interleave(groups: Sequence[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def suggest(pillars: Sequence[str], most: int, lang: str, have: Iterable[str] = ()) -> list[str]:
    """`most` tags for posts on these pillars (the first one first): niche and broad in turn, none already used."""
    skip = {h.lower().lstrip("#") for h in have}
    broads = _interleave([broad(p, lang) for p in pillars if p.strip()])
    niches = [t for t in _interleave([niche(p) for p in pillars if p.strip()]) if t not in broads]  # one of each
    out = [t for t in _interleave([niches, broads]) if t not in skip]
    return [f"#{t}" for t in dict.fromkeys(out)][:most]


def for_draft(draft: str, pillars: Sequence[str], first: str | None, most: int = 4) -> tuple[str, ...]:
    """/check: tags for a draft, from the pillar it serves first, in the draft's language, none already in it."""
    ordered = ([first] if first else []) + [p for p in pillars if p != first]
    lang = audience_lang([draft, *ordered])
    return tuple(suggest(ordered, most, lang, _HASHTAG.findall(draft)))


def for_platforms(pillars: Sequence[str], platforms: Sequence[str], lang: str) -> list[tuple[str, list[str]]]:
    """The plan's line per platform: (platform, its few tags)."""
    return [(p, suggest(pillars, per_platform(p), lang)) for p in platforms if per_platform(p) > 0]


# ---- content check (content/hashtags.toml) -------------------------------------------------------------------

_TAG = r"[a-z0-9]+"
SCHEMA = schema.Table({
    "max_chars": schema.Field(int, required=True, min=5, max=40),
    "default": schema.Field(int, required=True, min=0, max=10),
    "glue": schema.Field(schema.ListOf(str)),
    "vague": schema.Field(schema.ListOf(str)),
    "per_platform": schema.Field(schema.MapOf(schema.Field(int, min=0, max=10), key_pattern=r"[a-z_]+")),
    "stopwords": schema.Field(schema.Table({lang: schema.Field(schema.ListOf(str)) for lang in LANGS})),
    "themes": schema.Field(schema.MapOf(schema.Field(schema.Table({
        lang: schema.Field(schema.ListOf(str), pattern=_TAG) for lang in LANGS})), key_pattern=r"[a-z0-9_]+")),
})


def findings(data: dict[str, Any], themes: set[str], platforms: list[str] | None) -> list[schema.Finding]:
    """Schema violations; themes content/ideas.toml does not have (or lacks tags for), unknown platforms, too long tags."""
    found = schema.validate(data, SCHEMA)
    if found:
        return found
    limit = int(data["max_chars"])
    table = data.get("themes") or {}
    found += [(f"themes.{t}", f"unknown theme {t!r} (not in content/ideas.toml [themes])") for t in table
              if t not in themes]
    found += [("themes", f"no tags for theme {t!r} of content/ideas.toml") for t in sorted(themes - set(table))]
    for t, langs in table.items():
        for lang in LANGS:
            if not langs.get(lang):
                found.append((f"themes.{t}", f"no {lang!r} tags"))
            found += [(f"themes.{t}.{lang}", f"#{tag} is longer than max_chars ({limit})")
                      for tag in langs.get(lang, []) if len(tag) > limit]
    if platforms is not None:
        found += [(f"per_platform.{p}", f"{p!r} is not an option of the 'focus_platforms' step")
                  for p in data.get("per_platform") or {} if p not in platforms]
    return found


def check() -> list[schema.Issue]:
    """`brandcoach check-content`: content/hashtags.toml against the themes and the platforms."""
    from bot.content import content_doc

    doc = content_doc("hashtags")
    steps = load_content("questionnaire").get("steps") or []
    opts = [s.get("options") for s in steps if isinstance(s, dict) and s.get("id") == "focus_platforms"]
    platforms = [str(o) for o in opts[0]] if opts and isinstance(opts[0], list) else None
    return doc.issues(findings(doc.data, set(load_content("ideas").get("themes") or {}), platforms))


schema.register_check("hashtags", check)
