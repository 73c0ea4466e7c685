"""No unbounded memo on a function that takes text: a per-text cache grows with every user's words (issue 25's
memory target). Caches keyed by content names are bounded too, so the rule stays simple; loaders of content files
(keyed by a file name, a handful of keys) are the only exceptions and are named here."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (file, function): keyed by a content or locale file's name, not by anything a user types.
FILE_LOADERS = {("bot/content.py", "_doc"), ("bot/i18n.py", "_language_docs"), ("bot/i18n.py", "_variant_tags")}


def _unbounded(dec: ast.expr) -> bool:
    name = dec.func if isinstance(dec, ast.Call) else dec
    label = ast.unparse(name)
    if label in ("cache", "functools.cache"):
        return True
    if label in ("lru_cache", "functools.lru_cache") and isinstance(dec, ast.Call):
        for kw in dec.keywords:
            if kw.arg == "maxsize" and isinstance(kw.value, ast.Constant) and kw.value.value is None:
                return True
        return bool(dec.args) and isinstance(dec.args[0], ast.Constant) and dec.args[0].value is None
    return False


def _takes_str(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    params = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    if fn.args.vararg is not None:
        params.append(fn.args.vararg)
    return any(p.annotation is not None and "str" in ast.unparse(p.annotation) for p in params)


def offenders() -> list[str]:
    found = []
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _takes_str(node) \
                    and any(_unbounded(d) for d in node.decorator_list) and (rel, node.name) not in FILE_LOADERS:
                found.append(f"{rel}:{node.lineno} {node.name}")
    return found


def test_no_unbounded_cache_on_a_function_taking_text() -> None:
    assert offenders() == []


def test_the_scan_sees_an_unbounded_cache() -> None:
    src = "from functools import lru_cache, cache\n@lru_cache(maxsize=None)\ndef f(t: str) -> str: ...\n" \
          "@cache\ndef g(*t: str) -> str: ...\n@lru_cache(maxsize=64)\ndef h(t: str) -> str: ...\n"
    fns = [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in fns if _takes_str(f) and any(_unbounded(d) for d in f.decorator_list)] == ["f", "g"]
