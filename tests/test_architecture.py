"""The package graph: the engine imports no feature, adapters import no storage, no import cycles."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, package: str, modules: set[str]) -> set[str]:
    """Modules imported at run time (anywhere in the file, but not under `if TYPE_CHECKING:`).

    `from pkg import sub` counts as importing `pkg.sub` only (Python loads `pkg` first whatever the spelling).
    """
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            subs = {f"{base}.{alias.name}" for alias in node.names}
            found.update(subs & modules)
            if not subs <= modules:
                found.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    """module -> project modules it imports."""
    files = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    out: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")), package, set(files))
        out[name] = {m for m in imported if m in files and m != name}
    return out


def test_engine_imports_no_feature() -> None:
    bad = {m: sorted(d for d in deps if d.startswith("handlers")) for m, deps in graph().items()
           if m.startswith("bot")}
    assert {m: d for m, d in bad.items() if d} == {}


def test_adapters_import_no_storage_and_no_feature() -> None:
    g = graph()
    for module, deps in g.items():
        if module.startswith("bot.adapters"):
            assert "bot.storage" not in deps, module
            assert not any(d.startswith("handlers") for d in deps), module
    for path in (ROOT / "bot" / "adapters").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert ".storage" not in source and "storage.db" not in source, path


def test_no_storage_connection_outside_storage_modules() -> None:
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if path.name == "storage.py":
                continue
            assert "storage.db" not in path.read_text(encoding="utf-8"), path


def test_no_import_cycles() -> None:
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strong(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            strong(v)
    # A package importing its own submodules (handlers/__init__ registering features) is not a cycle of concern
    # unless a submodule imports the package back.
    assert cycles == []


def _engine_files() -> list[Path]:
    """The engine: bot/*.py and its migrations (not bot/adapters/, where channels live)."""
    return sorted([*(ROOT / "bot").glob("*.py"), *(ROOT / "bot" / "migrations").iterdir()])


def test_engine_names_no_platform() -> None:
    """A channel is one package plus one registry entry: no engine file (code or comment) names a platform. The
    names are the registry's (a channel added there is checked too)."""
    from bot import channels

    names = {n.lower() for c in channels.platforms() for n in (c.name, c.title)}
    assert len(names) >= 2  # the registry was read: there is something to look for
    pattern = re.compile("|".join(sorted(map(re.escape, names))), re.IGNORECASE)
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in _engine_files() if path.is_file() and path.suffix in (".py", ".sql")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []


def test_engine_reads_channels_only_through_the_registry() -> None:
    """No engine module imports a channel's module: it asks bot.channels, which imports the registry by name (the
    adapter boundary, bot/adapters/base.py, is the engine's own)."""
    g = graph()
    channel_land = {m for m in g if m.startswith("bot.adapters.") and m != "bot.adapters.base"}
    bad = {m: sorted(deps & channel_land) for m, deps in g.items()
           if m.startswith("bot") and not m.startswith("bot.adapters")}
    assert {m: d for m, d in bad.items() if d} == {}


# -- typed conversation state and declared features (issue 24 item 2) ----------------------------------------------

STATE_ATTRS = {"awaits", "draft"}
STRING_OPS = {"split", "rsplit", "partition", "rpartition", "startswith", "endswith", "removeprefix", "find", "index"}


def _feature_files() -> list[Path]:
    return sorted((ROOT / "handlers").rglob("*.py"))


def _mentions_state(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in STATE_ATTRS for n in ast.walk(node))


def _is_text(node: ast.AST) -> bool:
    """A string literal, an f-string or a concatenation: what a stringly typed state was built from."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr) \
        or (isinstance(node, ast.BinOp) and (_is_text(node.left) or _is_text(node.right)))


def _state_as_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Where a feature treats flows.awaits or flows.draft as a string or a list of strings instead of the typed
    objects bot/state.py decodes: string operations on them, comparisons with or assignments of text or lists,
    and ctx.expect() given text."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in STRING_OPS and _mentions_state(node.func.value):
                found.append((node.lineno, f".{node.func.attr}() on awaits/draft"))
            if node.func.attr == "expect" and node.args and _is_text(node.args[0]):
                found.append((node.lineno, "expect() given text"))
        elif isinstance(node, (ast.comprehension, ast.For)) and _mentions_state(node.iter):
            found.append((getattr(node, "lineno", getattr(node.iter, "lineno", 0)), "iterates awaits/draft"))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_mentions_state(s) for s in sides) and any(_is_text(s) for s in sides):
                found.append((node.lineno, "awaits/draft compared with text"))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if value is not None and any(isinstance(t, ast.Attribute) and t.attr in STATE_ATTRS for t in targets) \
                    and (_is_text(value) or isinstance(value, (ast.List, ast.ListComp))):
                found.append((node.lineno, "awaits/draft assigned text or a list"))
    return found


def test_no_feature_handles_awaits_or_drafts_as_strings() -> None:
    bad = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in _feature_files()
           for line, what in _state_as_strings(ast.parse(path.read_text(encoding="utf-8")))]
    assert bad == []


def test_the_state_scan_finds_what_it_looks_for() -> None:
    """The scan above, on the code it replaced (it would pass vacuously if it looked for nothing)."""
    old = '''
what = (ctx.awaits or "").split(":", 1)[-1]
await ctx.expect(f"times:{kind}")
if flow.awaits != f"confirm:{what}": pass
flow.draft = [SUGGESTED + near[0]]
dict(d.split("=", 1) for d in flow.draft if "=" in d)
'''
    assert sorted(line for line, _ in _state_as_strings(ast.parse(old))) == [2, 3, 4, 5, 6]


def _replies_edited(tree: ast.AST) -> list[int]:
    """Where replies already queued are rewritten: ctx.out assigned, deleted from or changed in place."""
    found: list[int] = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "remove", "pop", "clear", "insert", "sort", "reverse", "__delitem__", "__setitem__"):
            targets = [node.func.value]
        for t in targets:
            base = t.value if isinstance(t, ast.Subscript) else t
            if isinstance(base, ast.Attribute) and base.attr == "out":
                found.append(node.lineno)
    return found


def test_no_feature_edits_replies_it_did_not_queue() -> None:
    """A feature adds its own replies (ctx.say) and what it contributes through another's declared points; it never
    removes or rewrites the replies already queued (another feature's, e.g. the plan's closing line)."""
    bad = [f"{path.relative_to(ROOT)}:{line}" for path in _feature_files()
           for line in _replies_edited(ast.parse(path.read_text(encoding="utf-8")))]
    assert bad == []
    assert _replies_edited(ast.parse('ctx.out = [m for m in ctx.out if m.key != "plan.next"]\nctx.out.pop()')) == [1, 2]


MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "__setitem__"}


def _hook_lists(tree: ast.AST) -> list[tuple[int, str]]:
    """Module-level lists others append to (hooks), and appending to a name imported from another module."""
    found: list[tuple[int, str]] = []
    body = tree.body if isinstance(tree, ast.Module) else []
    for node in body:
        names = [t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                 if isinstance(t, ast.Name)] if isinstance(node, (ast.Assign, ast.AnnAssign)) else []
        if names and names != ["__all__"] and node.value is not None and (
                isinstance(node.value, ast.List) or (isinstance(node.value, ast.Call)
                                                     and isinstance(node.value.func, ast.Name)
                                                     and node.value.func.id == "list")):
            found.append((node.lineno, "a module-level list"))
    imported = {alias.asname or alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                and (n.module or "").startswith(("handlers", "bot")) for alias in n.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id in imported and owner.id.isupper():
                found.append((node.lineno, f"{owner.id}.{node.func.attr}(): another module's registry"))
            if isinstance(owner, ast.Attribute) and owner.attr.isupper() and isinstance(owner.value, ast.Name) \
                    and owner.value.id in imported:
                found.append((node.lineno, f"{owner.value.id}.{owner.attr}.{node.func.attr}()"))
    return found


def test_no_module_level_hook_lists() -> None:
    """Features add to each other only through declared contribution points and events (bot/features.py)."""
    bad = [f"{path.relative_to(ROOT)}:{line}: {what}" for path in _feature_files()
           for line, what in _hook_lists(ast.parse(path.read_text(encoding="utf-8")))]
    assert bad == []
    old = '''
from handlers.plan import SECTION_HOOKS
from handlers import plan as P
HOOKS: list[int] = []
SECTION_HOOKS.append(plan_section)
P.SECTION_HOOKS.append(plan_section)
'''
    assert [line for line, _ in _hook_lists(ast.parse(old))] == [4, 5, 6]


def test_event_and_contribution_order_is_declared_not_the_module_order() -> None:
    """Subscribers and contributors run in their features' groups: listing the modules backwards changes nothing."""
    from handlers import MODULES, build_router

    forward, backward = build_router(), build_router(tuple(reversed(MODULES)))
    assert forward.events and forward.contributions
    for event in forward.events:
        assert [s[2] for s in forward.events[event]] == [s[2] for s in backward.events[event]], event
    for point in forward.contributions:
        assert [c[2] for c in forward.contributions[point]] == [c[2] for c in backward.contributions[point]], point
    from handlers.events import PlanConfirmed

    # the plan is sent before reminders are set up from it, though reminders come first when listed backwards
    assert [s[2] for s in backward.events[PlanConfirmed]] == ["plan", "reminders"]


# Feature modules still registered through the adapter shim around their register(router): none today.
SHIMMED: set[str] = set()


def test_every_feature_is_a_declared_object() -> None:
    """Each feature module declares a FEATURE (bot/features.Feature); only those listed in SHIMMED go through the
    adapter shim around their register(router)."""
    import importlib

    from bot.features import Feature
    from handlers import MODULES

    shimmed = {name for name in MODULES if not isinstance(getattr(importlib.import_module(name), "FEATURE", None),
                                                           Feature)}
    assert shimmed == SHIMMED
