"""How the monitor is put together: adapters register their deliverers into the monitor's registry
(the monitor imports none of them), two monitors share nothing, there is no process-wide monitor,
and the screener is passed in."""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from bot import monitor, platforms
from bot.app import Runtime
from bot.app.types import Conversation
from bot.card import Card
from bot.delivery import Deliverer, DelivererRegistry
from bot.settings import BotSettings

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ("slack", "telegram", "feishu")


class Named:
    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        return None


def test_the_registry_holds_one_deliverer_per_platform() -> None:
    registry = DelivererRegistry()
    first, second = Named("fake"), Named("fake")
    registry.register(first)
    registry.register(Named("other"))
    registry.register(second)  # replaces the first
    assert registry.get("fake") is second and "fake" in registry and registry.platforms() == ["fake", "other"]
    assert registry.unregister("fake") is second and registry.unregister("fake") is None
    assert registry.platforms() == ["other"] and isinstance(registry.snapshot()["other"], Deliverer)


def _imports(path: Path) -> list[str]:
    """The modules a file imports, absolute (`from ..slack import x` in bot/monitor → bot.slack)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


def test_the_monitor_and_the_delivery_port_import_no_adapter() -> None:
    files = [*sorted((ROOT / "bot" / "monitor").glob("*.py")), ROOT / "bot" / "delivery.py"]
    offending = {str(f.relative_to(ROOT)): name for f in files for name in _imports(f)
                 if any(name == f"bot.{a}" or name.startswith(f"bot.{a}.") for a in ADAPTERS)}
    assert len(files) > 10 and offending == {}


def test_configured_platforms_register_their_deliverers_and_others_are_not_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEISHU_APP_ID", raising=False)
    registry = DelivererRegistry()
    settings = BotSettings(SLACK_BOT_TOKEN="xoxb-test", TELEGRAM_BOT_TOKEN="123456:test-token")  # type: ignore[call-arg]
    assert platforms.register_deliverers(registry, Runtime(settings)) == ["slack", "telegram", "terminal"]
    assert type(registry.get("slack")).__name__ == "SlackDeliverer"
    assert type(registry.get("telegram")).__name__ == "TelegramDeliverer"

    loaded: list[str] = []
    real = platforms.importlib.import_module
    monkeypatch.setattr(platforms.importlib, "import_module", lambda name: loaded.append(name) or real(name))
    bare = DelivererRegistry()
    assert platforms.register_deliverers(bare, Runtime(BotSettings())) == ["terminal"]  # no token: nothing but the terminal
    assert loaded == []  # and no adapter module was even imported


def test_feishu_registers_from_its_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Feishu keeps FEISHU_* in its own settings class: an app id and secret are what enable its deliverer."""
    monkeypatch.setenv("FEISHU_APP_ID", "cli_test")
    monkeypatch.setenv("FEISHU_APP_SECRET", "secret")
    registry = DelivererRegistry()
    assert platforms.register_deliverers(registry, Runtime(BotSettings())) == ["feishu", "terminal"]
    assert type(registry.get("feishu")).__name__ == "FeishuDeliverer"
    monkeypatch.delenv("FEISHU_APP_SECRET")
    assert platforms.register_deliverers(DelivererRegistry(), Runtime(BotSettings())) == ["terminal"]  # an id alone sends nothing


def test_a_broken_adapter_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    broken = types.ModuleType("tests_broken_adapter")

    def register_deliverer(registry: DelivererRegistry, runtime: Any) -> bool:
        raise RuntimeError("adapter bug")

    broken.register_deliverer = register_deliverer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_broken_adapter", broken)
    monkeypatch.setattr(platforms, "DELIVERY_ADAPTERS", (("tests_broken_adapter", platforms._slack),
                                                         ("bot.slack.deliver", platforms._slack)))
    registry = DelivererRegistry()
    assert platforms.register_deliverers(registry, Runtime(BotSettings(SLACK_BOT_TOKEN="xoxb-test"))) == ["slack", "terminal"]  # type: ignore[call-arg]
    assert any("tests_broken_adapter" in r.getMessage() for r in caplog.records)


def test_two_monitors_share_no_deliverer_handler_or_ticker() -> None:
    one, two = monitor.Monitor(Runtime(BotSettings())), monitor.Monitor(Runtime(BotSettings()))
    one.deliverers.register(Named("fake"))

    async def handler(job: Any) -> monitor.JobResult:
        return monitor.JobResult()

    one.handlers.register("extra", handler)
    assert "fake" in one.deliverers and "fake" not in two.deliverers
    assert "extra" in one.handlers and "extra" not in two.handlers
    assert sorted(two.handlers.kinds()) == [monitor.REMINDER, monitor.RECHECK]
    assert one.ticker is not two.ticker and one.ticker.monitor is one


def test_there_is_no_process_wide_monitor() -> None:
    """An entry point owns its `Monitor(runtime)` and passes it on: nothing to install, nothing to look up."""
    for name in ("current", "use", "register_deliverer", "unregister_deliverer", "deliverers", "start_ticker",
                 "start_ticker_thread", "stop_ticker", "tick", "plan_due_work", "run_jobs", "send_outbox",
                 "after_lists_update", "after_lists_update_async", "register_job_handler"):
        assert not hasattr(monitor, name), name
    offending = [str(path.relative_to(ROOT)) for path in (ROOT / "bot" / "monitor").glob("*.py")
                 if any(isinstance(node, ast.Global) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))]
    assert offending == []


def test_a_telegram_chat_found_gone_is_marked_dead_through_the_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deliverer the entry point registers marks a blocked chat dead through its runtime's chat state."""
    monkeypatch.delenv("FEISHU_APP_ID", raising=False)
    runtime = Runtime(BotSettings(TELEGRAM_BOT_TOKEN="123456:test-token"))  # type: ignore[call-arg]
    registry = DelivererRegistry()
    assert platforms.register_deliverers(registry, runtime) == ["telegram", "terminal"]
    deliverer = registry.get("telegram")
    assert deliverer is not None
    assert deliverer.sender.on_gone == runtime.chat.mark_conversation_dead  # type: ignore[attr-defined]


async def test_the_sanctions_source_screens_with_the_screener_it_is_given() -> None:
    from checks.engine import CheckContext
    from checks.request import CheckRequest
    from checks.sources.sanctions import SanctionsSource
    from tests.bot.test_monitor import NEW_LIST, small_screener

    screener = small_screener(*NEW_LIST)
    source = SanctionsSource(screener=screener)
    [hit] = await source.run(CheckRequest(company="Zephyr Quantum Logistics FZE", country="AE"), CheckContext.for_lang("en"))
    assert hit.code == "sanctions.hit" and hit.data["source_id"] == "990001"
