"""The one query the pictures feature needs: which platforms know a platform user id (for `brandcoach render`)."""
from __future__ import annotations

from bot.storage import Storage


async def platforms_of(storage: Storage, platform_user_id: str) -> list[str]:
    """The platforms with a user of this id, sorted."""
    rows = await storage.fetch_all("SELECT platform FROM users WHERE platform_user_id = ? ORDER BY platform",
                                   (platform_user_id,))
    return [str(r[0]) for r in rows]
