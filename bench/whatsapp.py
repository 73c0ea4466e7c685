"""The WhatsApp channel's cost per answer: N users answer the whole questionnaire through the webhook, beside the
same answers handed to the core directly, in the same run.

What it measures: ours is the shipped adapter (bot/adapters/whatsapp): a signed webhook POST per answer (aiohttp
server, signature check, the inbox's commit before the 200), the core's handling, the turn rendered for WhatsApp and
sent through pywa's async client to tests/fake_graph.py on 127.0.0.1 (strict: anything WhatsApp refuses is counted),
with its status webhooks (sent, delivered) posted back and recorded. The baseline is `Core.handle` with the same
lines and nothing sent (bench/core.py's setting). Both on SQLite on disk, the send limits counted on virtual time
(not waited out: paced in real time a user gets about one message per 6 s). The fake and the users' driver run in
this process, so their CPU is in ours' figure (a fair ceiling: it is loopback HTTP the real API would do elsewhere).
Every user sends its next line as soon as its answer is handled (back to back).

Prints answers/s and CPU ms per answer for both, the ratio, and WhatsApp messages sent per answer (one turn, one
message: the target is 1.0) and refusals by the fake (the target is 0). Figures only, never pass/fail.

Run: python bench/whatsapp.py [--users 20] [--lang en]
"""
from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import answers as A  # noqa: E402
from bot.backends import open_storage  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.ratelimit import RateLimiter, standard_limits  # noqa: E402
from bot.types import Inbound, UserRef, parse_command  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402


class Now:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


def lines(lang: str) -> list[str]:
    return ["/start", *A.lines(None, lang, confirm=False)]


def to_inbound(user: UserRef, line: str, lang: str) -> Inbound:
    """The line as the WhatsApp adapter reads it (the language hint it gives for the users' numbers, too)."""
    cmd = parse_command(line)
    if cmd:
        return Inbound(user, "command", command=cmd[0], args=cmd[1], locale=lang)
    return Inbound(user, "text", text=line, locale=lang)


async def core_only(users: int, lang: str, db: str) -> tuple[float, float, int]:
    core = Core(open_storage(db), limiter=RateLimiter.virtual(standard_limits()))
    await core.start()
    script = lines(lang)

    async def chat(i: int) -> None:
        user = UserRef("bench", f"u{i}")
        for line in script:
            await core.handle(to_inbound(user, line, lang))

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(chat(i) for i in range(users)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await core.stop()
    return wall, cpu, users * len(script)


async def over_whatsapp(users: int, lang: str, db: str) -> tuple[float, float, int, int, int]:
    from bot.adapters.whatsapp.adapter import WhatsAppAdapter

    graph = FakeGraph(Now())  # type: ignore[arg-type]
    await graph.start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    core = Core(open_storage(db), limiter=RateLimiter.virtual(standard_limits()))
    await core.start()
    adapter = WhatsAppAdapter(core, Config(db_path=db, whatsapp_token=graph.token, whatsapp_phone_id=graph.phone_id,
                                           whatsapp_app_secret=graph.app_secret, whatsapp_verify_token="v",
                                           whatsapp_webhook_port=port, whatsapp_api_url=graph.api_url))
    adapter.webhook_listen = "127.0.0.1"
    core.add_adapter(adapter)
    await adapter.connect()
    graph.webhook_url = f"http://127.0.0.1:{port}/"
    script = lines(lang)
    prefix = "62" if lang == "id" else "44"

    async def chat(i: int) -> None:
        wa_id = f"{prefix}8{i:09d}"
        for line in script:
            mark = graph.mark()
            assert await graph.say(wa_id, line, f"User {i}") == 200
            await graph.wait_for(lambda c: c.to == wa_id and c.type != "upload", after=mark, timeout=60)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(chat(i) for i in range(users)))
    await adapter.settled()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sent = sum(1 for c in graph.calls if c.ok and c.type != "upload")
    refused = len(graph.refused())
    await adapter.disconnect()
    await core.stop()
    await graph.stop()
    return wall, cpu, users * len(script), sent, refused


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--lang", default="en", choices=("en", "id"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await core_only(2, args.lang, str(Path(tmp) / "warm.sqlite3"))  # imports and caches warmed for both
        base: Any = await core_only(args.users, args.lang, str(Path(tmp) / "core.sqlite3"))
        ours: Any = await over_whatsapp(args.users, args.lang, str(Path(tmp) / "wa.sqlite3"))
    print(f"{args.users} users x {base[2] // args.users} answers ({args.lang}), back to back")
    for name, (wall, cpu, n, *_rest) in (("core.handle alone", base), ("over WhatsApp", ours)):
        print(f"  {name:18} {n / wall:8.1f} answers/s   {cpu / n * 1000:6.2f} ms CPU per answer")
    print(f"  ratio (WhatsApp / core): time per answer x{(ours[0] / ours[2]) / (base[0] / base[2]):.2f}, "
          f"CPU per answer x{(ours[1] / ours[2]) / (base[1] / base[2]):.2f}")
    print(f"  WhatsApp messages per answer {ours[3] / ours[2]:.3f} (target 1.0), refused by the fake: {ours[4]}")


if __name__ == "__main__":
    asyncio.run(main())
