"""The typed events features tell each other (bot/features.Event): each is published by the feature that declares
it in `publishes`, and run by subscribers in their features' group order."""
from __future__ import annotations

from dataclasses import dataclass

from bot.features import Event


@dataclass(frozen=True)
class PlanConfirmed(Event):
    """The user confirmed their answers (the questionnaire): the plan is sent, reminders are set up from it."""


@dataclass(frozen=True)
class AnswersReset(Event):
    """The user's answers were erased by /reset (privacy): what speaks from the plan holds until a new one."""


@dataclass(frozen=True)
class UserDeleted(Event):
    """The user's data was deleted by /delete (privacy): whatever a feature holds of them in memory goes too."""
