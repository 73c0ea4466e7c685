"""What a channel can show: each adapter declares one `Capabilities`, and the core renders a turn's replies for it
(bot/compose.py) before the adapter sends them.

The engine names no platform: the presets here are shapes (text only, numbered choices), and each adapter builds its
own instance from its platform's documented limits. A value of 0 means "none" for counts; `None` means "no limit"
for windows.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """What one channel can show in one message, and how it may be paced.

    max_text          characters per message (a longer text is split at paragraph or word boundaries)
    choices_text_max  characters of a message that carries buttons or a list, when less than `max_text` (0: the
                      same); a longer question's text goes before it, in a message of its own
    buttons           reply buttons one message may carry (0: none; choices become a list or numbered lines)
    button_label_max  characters a button's label may have (0: no limit)
    lists             a message may carry one pick-one list (a menu opened from the message)
    list_rows_max     rows in that list; a longer menu is paged with a "more" row
    list_title_max    characters of a row's title (a longer label goes to its description)
    list_desc_max     characters of a row's description
    multi_select      several choices can be ticked and submitted (ticks redrawn, or a platform's own multi-select)
    forms             a form with several free-text fields can be opened (`form_fields_max` fields at most)
    edits             a sent message can be edited (new ticks, the answer shown on the tapped question)
    files             files can be sent: True for any type, or the MIME types allowed (others go as text)
    reply_window      seconds after the user's last message within which free-form replies may be sent (None: any
                      time); outside it only pre-approved messages may go out
    pacing            seconds to leave at least between two messages to one user (a hint for senders)
    notices           a refused tap can be answered with a notice on the tap itself (not a message in the chat)
    """

    max_text: int = 4096
    choices_text_max: int = 0
    buttons: int = 0
    button_label_max: int = 0
    lists: bool = False
    list_rows_max: int = 0
    list_title_max: int = 0
    list_desc_max: int = 0
    multi_select: bool = False
    forms: bool = False
    form_fields_max: int = 0
    edits: bool = False
    files: bool | tuple[str, ...] = True
    reply_window: float | None = None
    pacing: float = 0.0
    notices: bool = False

    def __post_init__(self) -> None:
        if self.max_text < 1:
            raise ValueError("max_text must be at least 1")
        if min(self.buttons, self.button_label_max, self.list_rows_max, self.list_title_max, self.list_desc_max,
               self.form_fields_max) < 0:
            raise ValueError("counts and lengths cannot be negative")
        if self.lists and self.list_rows_max < 2:
            raise ValueError("a list needs room for at least two rows (one of them may be 'more')")

    def sends_file(self, mime: str) -> bool:
        """Whether a file of this type can be sent as a file (else its text goes, or a pointer to it)."""
        return self.files if isinstance(self.files, bool) else mime in self.files

    def label_fits(self, label: str) -> bool:
        return not self.button_label_max or len(label) <= self.button_label_max


# A channel that shows text only: choices as numbered lines the user answers by typing their numbers.
TEXT_ONLY = Capabilities(max_text=4096, buttons=0, multi_select=False, edits=False, files=True)
# The richest shape: no limit the core has to render around (adapters that do all their own rendering).
UNLIMITED = Capabilities(max_text=1_000_000, buttons=1000, multi_select=True, forms=True, form_fields_max=1000,
                         edits=True, files=True, notices=True)
