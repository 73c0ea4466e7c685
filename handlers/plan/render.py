"""The plan as chat text and as a Markdown file."""
from __future__ import annotations

from handlers.plan.build import Section


def render_text(title: str, sections: list[Section]) -> str:
    """Plain chat text: title, then each section with bullet lines."""
    out = [title]
    for sec in sections:
        out.append("")
        out.append(f"▶ {sec.title}")
        out.extend(f"• {line}" for line in sec.lines)
    return "\n".join(out)


def render_markdown(title: str, sections: list[Section]) -> str:
    """A Markdown document: the title as heading, one subheading and bullet list per section."""
    out = [f"# {title}", ""]
    for sec in sections:
        out.append(f"## {sec.title}")
        out.append("")
        out.extend(f"- {line}" for line in sec.lines)
        out.append("")
    return "\n".join(out)
