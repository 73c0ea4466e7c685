"""The shared understanding layer: chat text as words (text), word forms (morph), lexicon phrases with negation
and quotation scope (match), and the reputation and legal risks a text shows (risk). Pure given the content;
used by /check, the reputation guard and the questionnaire's readers."""

from handlers.understand import text as _text  # noqa: F401,E402  registers the content check of understand.toml
