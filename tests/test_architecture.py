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
