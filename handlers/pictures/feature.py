"""/card, declared as a feature (bot/features.Feature). Apart from the package's __init__ because the drawing worker
imports handlers.pictures and must load neither the router nor the feature machinery (memory, issue 26)."""
from __future__ import annotations

from bot.features import Command, Feature
from handlers.pictures import cmd_card

FEATURE = Feature("pictures", commands=(Command("card", cmd_card),))
