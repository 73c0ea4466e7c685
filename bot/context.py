"""What a handler gets: the inbound message, the user, storage, and a reply buffer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.storage import Storage, User
from bot.types import Choice, Inbound, Outbound, OutFile

if TYPE_CHECKING:
    from bot.core import Core


@dataclass
class Context:
    core: Core
    inbound: Inbound
    user: User
    out: list[Outbound] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)  # per-message results a handler needs twice (no re-read)

    @property
    def storage(self) -> Storage:
        return self.core.storage

    @property
    def lang(self) -> str:
        return self.user.language or "id"

    def t(self, key: str, **params: Any) -> str:
        """Render a catalog key in the user's language."""
        return self.core.catalog.t(self.lang, key, **params)

    def say(self, key: str, *, choices: tuple[Choice, ...] | list[Choice] = (), multi: bool = False,
            expects: str = "", max_len: int = 0, step: str = "", file: OutFile | None = None,
            private: bool = True, text: str | None = None, **params: Any) -> Outbound:
        """Queue a reply rendered from `key` (or the given `text`)."""
        msg = Outbound(text=text if text is not None else self.t(key, **params), key=key,
                       choices=tuple(choices), multi=multi, expects=expects, max_len=max_len, step=step,
                       file=file, private=private, meta={"lang": self.lang})
        self.out.append(msg)
        return msg
