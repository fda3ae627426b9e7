"""Which chat platforms this process can send to on its own (re-check results, reminders, list alerts).

An entry point (the server, the terminal chat, `python -m bot.monitor --worker`) calls
`register_deliverers` once with its monitor's registry. Each adapter module named here has a
`register_deliverer(registry, settings) -> bool` that registers its `Deliverer`; the adapters are
imported here, by name, only when their token is set (a process without Slack never loads the Slack
SDK), and nowhere below them. A new platform adds its module and the setting that enables it to
`DELIVERY_ADAPTERS`.
"""

from __future__ import annotations

import importlib
import logging
import os

from .delivery import DelivererRegistry
from .settings import BotSettings

log = logging.getLogger(__name__)

DELIVERY_ADAPTERS = (("bot.slack.deliver", "slack_bot_token"), ("bot.telegram.delivery", "telegram_bot_token"),
                     ("bot.feishu.deliver", "FEISHU_APP_ID"))


def _enabled(settings: BotSettings, setting: str) -> bool:
    """A settings attribute that is set, or (upper case) an environment variable of an adapter that keeps
    its own settings (Feishu)."""
    if setting.isupper():
        return bool(os.environ.get(setting))
    return getattr(settings, setting, None) is not None


def register_deliverers(registry: DelivererRegistry, settings: BotSettings) -> list[str]:
    """The terminal (always) and every configured platform. Returns the platforms registered."""
    from .monitor.sender import TerminalDeliverer

    registry.register(TerminalDeliverer())
    for name, setting in DELIVERY_ADAPTERS:
        if not _enabled(settings, setting):
            continue
        try:
            importlib.import_module(name).register_deliverer(registry, settings)
        except Exception:  # a broken adapter must not stop the other platforms
            log.exception("%s: deliverer not available", name)
    return registry.platforms()
