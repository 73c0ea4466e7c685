"""Who replies to comments: an answer that names the user herself ('gue sendiri lah') gets the plan's own-replies
line, never 'check your team's work'; a real team member keeps the team line. Several writers."""
from __future__ import annotations

from typing import Any

import answers as A
import pytest

from conftest import PERSONA_ID
from test_plan_consistency import lines_of, marker

SELF = ["gue sendiri lah", "saya sendiri", "Aku sendiri kak", "me", "myself", "sendiri aja", "gw sendiri",
        "by myself lah"]
TEAM = ["Putri saya, Ibu Ratna", "admin saya, Rudi", "istri saya", "Mbak Sari (admin)", "adik gue"]


def _answers(replier: str) -> dict[str, Any]:
    answers = {step.id: A.stored(value) for step, value in A.script(PERSONA_ID, "id")}
    answers.update(team="team", team_replier=replier)
    return answers


def _keys(replier: str) -> list[str]:
    return [line.split("|")[0] for line in lines_of(_answers(replier), marker)]


@pytest.mark.parametrize("replier", SELF)
def test_she_replies_herself(replier: str) -> None:
    keys = _keys(replier)
    assert "plan.replier_self" in keys and "plan.replier_team" not in keys


@pytest.mark.parametrize("replier", TEAM)
def test_a_team_member_replies(replier: str) -> None:
    keys = _keys(replier)
    assert "plan.replier_team" in keys and "plan.replier_self" not in keys


@pytest.mark.parametrize("typed, named", [
    ("Putri saya, Ibu Ratna, yang membalas komentar.", "Putri saya, Ibu Ratna"),
    ("my daughter, who handles the comments", "my daughter"),
    ("Mas Rudi, yang bales DM sama komen", "Mas Rudi"),
    ("admin saya yang rajin", "admin saya yang rajin"),
])
def test_the_team_line_names_the_person_once(typed: str, named: str) -> None:
    lines = [line for line in lines_of(_answers(typed), marker) if line.startswith("plan.replier_team|")]
    assert len(lines) == 1 and f"('team_replier', {named!r})" in lines[0]
