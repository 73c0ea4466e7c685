"""Where the bot's memory goes (issue 25: peak RSS of the bot and its drawing under 150 MB at 1,000 chats).

Prints, each in a fresh process so one import does not hide another: the resident memory a module adds when
imported (VmRSS after minus before; the interpreter alone is the baseline), then the core alone driven in process
(Core.handle, SQLite, as bench/core.py) for --chats users answering the whole questionnaire, with RSS after the
first user and after the last: their ratio is the growth per chat, in the same run.

Findings (2026-12-07, 1,000 chats; bench/e2e.py --chats 1000 --bots ours: peak RSS 189 MB, the machine busy):
- the core with every feature and its content: ~13 MB over the interpreter; 1,000 users' questionnaires add
  ~6 MB more (47 -> 53 MB): the storage's row caches (bounded, CACHE_USERS=2,000) and the text memos (bounded).
  tracemalloc over 1,000 users: 12 MB of Python objects, most of it the understanding layer's compiled phrases
  (made once) and the answers cache.
- the channel library: python-telegram-bot ~30 MB, discord.py ~31 MB, pywa ~20 MB; only the channel in use is
  imported (bot/adapters/*_settings.py import their library in build()); prometheus_client (~10 MB) only with
  the metrics port (bot/metrics.py imports it lazily).
- fpdf2 (with Pillow and fontTools) ~54 MB: the largest share, paid by whichever process draws (the bot with
  --workers 0, else the drawing worker). A module once imported is not given back to the OS, so "freeing it after
  a burst" gains nothing in process; drawing in the worker process, which can exit, is what keeps it out of the bot.
- caches that had maxsize=None (handlers/lexicon.py, values.py, places) are keyed by content names, not by user
  text: bounded now (256) without a measurable change; tests/test_cache_bounds.py keeps per-text caches bounded.

Run: PYTHONPATH=. python3 bench/memory.py [--chats 1000]   (prints figures; never pass/fail)
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["bot.core", "handlers", "bot.metrics", "handlers.understand.model", "handlers.pictures.pdf",
           "prometheus_client", "telegram.ext", "discord", "pywa", "fpdf", "fontTools.ttLib"]

RSS = """
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) / 1024
    return 0.0
"""

IMPORT = RSS + """
import importlib, sys
base = rss()
importlib.import_module(sys.argv[1])
print(f"{rss() - base:.1f} {base:.1f}")
"""

CORE = RSS + """
import asyncio, os, sys, tempfile
sys.path.insert(0, 'bench')
import core as B
from bot.core import Core
from bot.storage import Storage
from bot.types import Inbound, UserRef
N = int(sys.argv[1])
async def main():
    folder = tempfile.mkdtemp()
    core = Core(Storage(os.path.join(folder, 'memory.sqlite3')), throttle=False)
    core.add_adapter(B.NullAdapter())
    await core.start()
    first = 0.0
    for i in range(N):
        user = UserRef('bench', str(i), f'u{i}')
        await core.handle(Inbound(user, 'command', command='start', locale='en'))
        for line in B.SCRIPT[:-1]:
            await core.handle(B.to_inbound(user, line))
        if i == 0:
            first = rss()
    print(f"{first:.1f} {rss():.1f}", flush=True)
    os._exit(0)  # the storage thread and drawing pool are left running: the figures are printed
asyncio.run(main())
"""


def run(code: str, *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=900)
    return out.stdout.strip() if out.returncode == 0 else f"failed: {out.stderr.strip().splitlines()[-1:]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chats", type=int, default=1000)
    args = ap.parse_args()
    print("import RSS (MB added over a bare interpreter, each in a fresh process)")
    for module in MODULES:
        got = run(IMPORT, module)
        if got.startswith("failed"):
            print(f"  {module:28s} {got}")
        else:
            added, base = got.split()
            print(f"  {module:28s} {float(added):6.1f}   (interpreter {base} MB)")
    got = run(CORE, str(args.chats))
    if got.startswith("failed"):
        print(f"core in process: {got}")
        return
    first, last = (float(x) for x in got.split())
    print(f"core in process, {args.chats} chats through the questionnaire: RSS {first:.1f} MB after the first, "
          f"{last:.1f} MB after the last: x{last / first:.2f}, {(last - first) * 1024 / max(1, args.chats - 1):.1f} KB"
          " per chat")


if __name__ == "__main__":
    main()
