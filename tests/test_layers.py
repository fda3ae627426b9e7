"""The layers point one way (docs/ARCHITECTURE.md): checks ← storage ← bot, and the chat adapters are leaves.

Read from the source (AST), so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = ("bot.slack", "bot.telegram", "bot.feishu")
# the composition roots: they choose which adapters a process loads
COMPOSITION_ROOTS = {"bot/server.py", "bot/platforms.py", "bot/cli.py"}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, absolute, relative imports resolved against its package."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}" for path in paths for name in sorted(_imports(path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_the_scan_finds_adapter_imports_where_there_are_some() -> None:
    """The checks below could not fail if the scan missed imports: the server (a composition root) has some."""
    assert _offending([ROOT / "bot" / "server.py"], ADAPTERS)
    assert any(name.startswith("bot.delivery") for name in _imports(ROOT / "bot" / "monitor" / "service.py"))


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("checks", ("storage", "bot")),
    ("storage", ("bot",)),
])
def test_lower_layers_do_not_import_higher_ones(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _offending(_modules(folder), forbidden) == []


def test_nothing_but_the_composition_roots_imports_a_chat_adapter() -> None:
    outside = [path for path in _modules("bot")
               if not any(path.relative_to(ROOT).as_posix().startswith(a.replace(".", "/") + "/") for a in ADAPTERS)
               and path.relative_to(ROOT).as_posix() not in COMPOSITION_ROOTS]
    assert outside, "no module found: the scan looks in the wrong place"
    assert _offending(outside, ADAPTERS) == []


def test_adapters_do_not_import_each_other() -> None:
    for adapter in ADAPTERS:
        others = tuple(a for a in ADAPTERS if a != adapter)
        assert _offending(_modules(adapter.replace(".", "/")), others) == [], adapter
