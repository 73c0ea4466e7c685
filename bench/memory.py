"""Where the bot's memory goes (issue 25: peak RSS of the bot and its drawing under 150 MB at 1,000 chats).

Prints, each in a fresh process so one import does not hide another: the resident memory a module adds when
imported (VmRSS after minus before; the interpreter alone is the baseline); what a one-off load adds after the bot's
own imports (the gazetteer, the first card and PDF: RSS and VmHWM, the peak, which is what bench/e2e.py reads);
then the core alone driven in process (Core.handle, SQLite, as bench/core.py) for --chats users answering the
whole questionnaire, with RSS after the first user and after the last: their ratio is the growth per chat, in the
same run; with --confirms, all of them then confirm at once (RSS sampled every 50 ms: the peak while the confirms
are answered, and once every picture is drawn), and --trace names the biggest allocation sites at that peak.

Findings (2026-12-07, 1,000 chats):
- bench/e2e.py --chats 1000 --bots ours --deadline 300 --code <export>, the two exports run one after the other
  on a busy machine (other processes ~1 core): 811b98e (before this round) peak RSS 188 MB, questionnaire phase
  107 MB; 712a03a (the gazetteer and fpdf2 changes below) 162 MB, questionnaire phase 95 MB. The working tree
  (with other work in progress) gave 144 MB (the gazetteer change alone) and 164 MB (both) in two other runs: the
  confirm phase's peak varies by 20 MB from run to run.
- the core with every feature and its content: ~13 MB over the interpreter; 1,000 users' questionnaires add
  ~6 MB more (47 -> 53 MB): the storage's row caches (bounded, CACHE_USERS=2,000) and the text memos (bounded).
  tracemalloc over 1,000 users: 12 MB of Python objects, most of it the understanding layer's compiled phrases
  (made once) and the answers cache.
- the gazetteer (handlers/places: 63,745 names) held 24 MB (VmHWM +28 MB while read); now ~7.5 MB: its 12,665
  distinct values shared, the file streamed, names folded without lexicon.fold's memo. A dict keyed by name stays:
  the keys (~3.7 MB of str) and the table (~1.9 MB) are most of it; a sorted array or a trie would save ~5 MB at
  the cost of every n-gram's O(1) lookup.
- 1,000 confirms at once, in process (--chats 1000 --confirms; each commit exported with `git archive` and run one
  after the other): 811b98e 53.9 MB after the questionnaires, peak 134.1 MB (+80); 712a03a 53.9 -> 118.9 MB (+65)
  while the confirms are answered and the first pictures drawn, 116.5 MB once every picture was (53 s). Of the
  +65: the gazetteer ~7.6 MB, drawing's modules, fonts and buffers ~45 MB (below), the rest the confirms and the
  picture follow-ups waiting their turn (~4 KB each: tasks, contexts, closures). (This driver first kept every
  confirm's replies until the last was answered, as asyncio.gather keeps results: +28 MB of plan texts, ~22 KB
  each as a str, and Markdown files, which an adapter drops once sent.) bench/e2e.py's real bot adds more in its
  confirm phase (+53 to +81 MB over its questionnaire phase in four runs), not broken down here.
- one-off loads after the bot's imports (this script), 811b98e -> 712a03a: the gazetteer +25.8 MB (peak +29.1)
  -> +7.6 MB (peak +7.6); the first card +7.4 -> +10.7 MB (it reuses what the old gazetteer's reading freed), the
  first PDF +27.5 -> +25.9 MB (peak +22.5 -> +22.0), the next card and PDF ~0 (peak +4.5 -> +4.2).
- the channel library: python-telegram-bot ~30 MB, discord.py ~31 MB, pywa ~20 MB; only the channel in use is
  imported (bot/adapters/*_settings.py import their library in build()); prometheus_client (~10 MB) only with
  the metrics port (bot/metrics.py imports it lazily).
- drawing, paid once by whichever process draws (the bot with the default drawing thread): fpdf2 with fontTools
  and Pillow ~20 MB after the bot's imports (numpy and cryptography hidden; fontTools.varLib's package and its
  variable-font instancer left unrun: -3 MB, 35 modules); of it fontTools.subset (which fpdf2 writes every font
  with) ~12 MB and uharfbuzz ~2.7 MB (fpdf2 defines a class on it at import; shaping right-to-left text needs it).
  The card's first drawing keeps ~6 MB: its ~17 FreeType faces each map the font file (file pages count in RSS
  once per mapping), and draws through a 1080x1350 RGB image (5.8 MB) and its palette copy (1.5 MB) while
  encoding. Cutting the small faces (fontTools reading DejaVu's 6,000 glyphs) peaks at ~5 MB of Python objects
  and leaves ~3 MB resident (fragmented heap). A module once imported is not given back to the OS, so "freeing it
  after a burst" gains nothing in process; drawing in the worker process, which can exit, is what keeps it out of
  the bot.
- tried and left: the small faces precomputed (as a disk cache would give) left the peak of 1,000 confirms at
  once unchanged (within 1 MB), and covered() precomputed the peak of 3 plans drawn in process: their transients
  are reused by later allocations; fpdf2 imported without uharfbuzz gained 1.2 MB in the 1,000 confirms, but
  shaping right-to-left text needs it (a declared dependency).
- caches that had maxsize=None (handlers/lexicon.py, values.py, places) are keyed by content names, not by user
  text: bounded now (256) without a measurable change; tests/test_cache_bounds.py keeps per-text caches bounded.

Run: PYTHONPATH=. python3 bench/memory.py [--chats 1000] [--confirms [--trace]]   (prints figures; never pass/fail)
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
def rss(key='VmRSS'):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) / 1024
    return 0.0
"""

ONE_OFF = RSS + """
import gc, sys
import bot.core, handlers
from types import SimpleNamespace as N
from handlers import places
from handlers.pictures import card_png, pdf_bytes, pool
from handlers.pictures.card import CardFacts
facts = CardFacts(kicker='Rencana personal branding', name='Sari Dewi', role='Food blogger', handle='@saricooks',
                  vision='Dikenal sebagai ahli masakan rumahan sehat yang praktis untuk keluarga muda',
                  audience='Ibu muda bekerja', pillars=('Resep sehat 15 menit', 'Tips belanja hemat', 'Cerita dapur'),
                  platforms='Instagram · TikTok', cadence='3x seminggu', reply='Dalam 24 jam', rule='Balas dengan tenang',
                  labels={k: k for k in ('vision', 'audience', 'pillars', 'platforms', 'reply', 'rule')})
sections = [N(title=f'Bagian {i}', lines=['Satu dua tiga empat lima enam tujuh delapan sembilan sepuluh'] * 8)
            for i in range(6)]
loads = [('gazetteer (first place lookup)', places.gazetteer), ('first card', lambda: pool.trimmed(card_png, facts)),
         ('first PDF', lambda: pool.trimmed(pdf_bytes, 'Rencana', 'hari ini', sections)),
         ('second card and PDF', lambda: (pool.trimmed(card_png, facts),
                                          pool.trimmed(pdf_bytes, 'Rencana', 'hari ini', sections)))]
gc.collect()
print(f"{rss():.1f} {rss('VmHWM'):.1f}")
for name, load in loads:
    before, peak = rss(), rss('VmHWM')
    load()
    gc.collect()
    print(f"{name}|{rss() - before:.1f}|{rss('VmHWM') - peak:.1f}")
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
    if len(sys.argv) > 2:
        await confirms(core, N, sys.argv[2] == 'trace')
    os._exit(0)  # the storage thread and drawing pool are left running: the figures are printed

async def confirms(core, n, trace):
    import threading, time, tracemalloc
    peak = [0.0, 0.0]
    def sample():
        while True:
            now = rss()
            if now > peak[0]:
                peak[:] = [now, time.perf_counter()]
            time.sleep(0.05)
    if trace:
        tracemalloc.start(12)
        before = tracemalloc.take_snapshot()
    threading.Thread(target=sample, daemon=True).start()
    t0 = time.perf_counter()
    async def confirm(i):  # the replies dropped once made, as an adapter drops them once sent
        await core.handle(B.to_inbound(UserRef('bench', str(i), f'u{i}'), B.SCRIPT[-1]))
    await asyncio.gather(*(confirm(i) for i in range(n)))
    answered = rss()
    if trace:
        top = tracemalloc.take_snapshot().compare_to(before, 'traceback')[:8]
        tracemalloc.stop()
    await core.follow_ups.drain()
    print(f"{answered:.1f} {peak[0]:.1f} {peak[1] - t0:.1f} {rss():.1f} {time.perf_counter() - t0:.1f}", flush=True)
    for stat in top if trace else []:
        frames = [f for f in stat.traceback if '/importlib/' not in f.filename and '<frozen' not in f.filename]
        where = ' <- '.join(f"{'/'.join(f.filename.split('/')[-2:])}:{f.lineno}" for f in reversed(frames[-4:]))
        print(f"{stat.size_diff / 2**20:.1f} MB in {stat.count_diff} blocks: {where or 'importing modules'}",
              flush=True)
asyncio.run(main())
"""


def run(code: str, *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=1800)
    return out.stdout.strip() if out.returncode == 0 else f"failed: {out.stderr.strip().splitlines()[-1:]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chats", type=int, default=1000)
    ap.add_argument("--confirms", action="store_true", help="then every chat confirms at once (adds a minute or two)")
    ap.add_argument("--trace", action="store_true", help="with --confirms: the biggest allocation sites (slow)")
    args = ap.parse_args()
    print("import RSS (MB added over a bare interpreter, each in a fresh process)")
    for module in MODULES:
        got = run(IMPORT, module)
        if got.startswith("failed"):
            print(f"  {module:28s} {got}")
        else:
            added, base = got.split()
            print(f"  {module:28s} {float(added):6.1f}   (interpreter {base} MB)")
    got = run(ONE_OFF)
    if got.startswith("failed"):
        print(f"one-off loads: {got}")
    else:
        lines = got.splitlines()
        print(f"one-off loads after the bot's imports (RSS {lines[0].split()[0]} MB): MB added to RSS, to the peak")
        for line in lines[1:]:
            name, added, peak = line.split("|")
            print(f"  {name:28s} {float(added):6.1f} {float(peak):6.1f}")
    extra = ["trace" if args.trace else "confirms"] if args.confirms else []
    got = run(CORE, str(args.chats), *extra)
    if got.startswith("failed"):
        print(f"core in process: {got}")
        return
    lines = got.splitlines()
    first, last = (float(x) for x in lines[0].split())
    print(f"core in process, {args.chats} chats through the questionnaire: RSS {first:.1f} MB after the first, "
          f"{last:.1f} MB after the last: x{last / first:.2f}, {(last - first) * 1024 / max(1, args.chats - 1):.1f} KB"
          " per chat")
    if len(lines) > 1:
        answered, peak, when, drawn, wall = (float(x) for x in lines[1].split())
        print(f"then {args.chats} confirms at once: RSS {answered:.1f} MB once all were answered, peak {peak:.1f} MB "
              f"(+{peak - last:.1f}) at {when:.1f} s, {drawn:.1f} MB once every picture was drawn ({wall:.1f} s)"
              f"{'; tracemalloc slows it' if args.trace else ''}")
        for line in lines[2:]:
            print(f"  {line}")


if __name__ == "__main__":
    main()
