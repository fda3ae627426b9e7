"""Which chat platforms this process can send to on its own (re-check results, reminders, list alerts).

An entry point (the server, the terminal chat, `python -m bot.monitor --worker`) calls
`register_deliverers` once with its monitor's registry and its runtime. Each adapter module named here
has a `register_deliverer(registry, runtime) -> bool` that registers its `Deliverer` (settings from
`runtime.settings`, chat-state writes through `runtime.chat`); the adapters are
imported here, by name, only when their token is set (a process without Slack never loads the Slack
SDK), and nowhere below them. A new platform adds its module and the test of the settings that enables it
to `DELIVERY_ADAPTERS`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from .delivery import DelivererRegistry
from .settings import BotSettings

if TYPE_CHECKING:
    from .app.runtime import Runtime

log = logging.getLogger(__name__)


def _slack(settings: BotSettings) -> bool:
    return settings.slack_bot_token is not None


def _telegram(settings: BotSettings) -> bool:
    return settings.telegram_bot_token is not None


def _feishu(settings: BotSettings) -> bool:
    """Feishu keeps its own settings (FEISHU_*, environment and `.env`); reading them loads no SDK."""
    from .feishu.settings import FeishuSettings

    return FeishuSettings().can_send


# each adapter module with the test of the settings that says whether this process can send there
DELIVERY_ADAPTERS: tuple[tuple[str, Callable[[BotSettings], bool]], ...] = (
    ("bot.slack.deliver", _slack), ("bot.telegram.delivery", _telegram), ("bot.feishu.deliver", _feishu))


def register_deliverers(registry: DelivererRegistry, runtime: Runtime) -> list[str]:
    """The terminal (always) and every platform `runtime.settings` configures. Returns the platforms registered."""
    from .monitor.sender import TerminalDeliverer

    registry.register(TerminalDeliverer())
    for name, configured in DELIVERY_ADAPTERS:
        if not configured(runtime.settings):
            continue
        try:
            importlib.import_module(name).register_deliverer(registry, runtime)
        except Exception:  # a broken adapter must not stop the other platforms
            log.exception("%s: deliverer not available", name)
    return registry.platforms()
