"""Below the entry points nothing looks the process's settings, database or runtime up: it is handed the runtime.

`get_bot_settings()` reads the environment once per process: only `Runtime.from_environment` (what an entry
point calls) may use it. `storage.db.get_database` is a per-URL registry for tests and scripts: product code
uses `runtime.database`, which each runtime opens and closes itself. The deprecated `bot.flows` shim looked
up an installed runtime: nothing may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[3] / "bot"
SETTINGS_READERS = {"settings.py", "app/runtime.py"}  # the definition, and Runtime.from_environment
SHIM = "flows.py"  # the deprecated shim itself (to be deleted)
LOOKUPS = {"get_bot_settings", "get_database"}


def _modules() -> list[tuple[str, ast.Module]]:
    return [(path.relative_to(BOT).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
            for path in sorted(BOT.rglob("*.py")) if path.relative_to(BOT).as_posix() != SHIM]


def _uses(tree: ast.Module) -> set[tuple[str, int]]:
    """Every use of a look-up function by name or attribute (a call, or passed along as a factory)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in LOOKUPS:
            found.add((node.id, node.lineno))
        elif isinstance(node, ast.Attribute) and node.attr in LOOKUPS:
            found.add((node.attr, node.lineno))
    return found


def test_only_runtime_from_environment_reads_the_settings_and_nothing_uses_the_database_registry() -> None:
    offenders = []
    for name, tree in _modules():
        for lookup, line in sorted(_uses(tree)):
            if lookup == "get_bot_settings" and name in SETTINGS_READERS:
                continue
            offenders.append(f"bot/{name}:{line} {lookup}")
    assert offenders == []


def test_nothing_imports_the_flows_shim() -> None:
    offenders = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if module in ("bot.flows", "flows") or (module in ("bot", "") and any(a.name == "flows" for a in node.names)):
                    offenders.append(f"bot/{name}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name == "bot.flows" for a in node.names):
                offenders.append(f"bot/{name}:{node.lineno}")
    assert offenders == []
