"""Logging for every tradecheck process: one format, and secrets never written.

Telegram puts the bot token in every Bot API URL (`…/bot123:ABC/sendMessage`) and httpx logs each
request URL at INFO; Slack tokens can appear in error texts. A filter on the root handlers redacts
both, whatever logger the record comes from, and httpx's per-request lines are kept at WARNING.
"""

from __future__ import annotations

import logging
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SECRETS = (
    re.compile(r"(?<=/bot)\d+:[A-Za-z0-9_-]{20,}"),  # Telegram bot token in a URL
    re.compile(r"(?<![0-9])\d{6,}:[A-Za-z0-9_-]{30,}"),  # a Telegram bot token anywhere else
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack bot/user tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{10,}"),  # Slack app-level tokens
)
QUIET = ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler.executors.default")


def redact(text: str) -> str:
    for pattern in _SECRETS:
        text = pattern.sub("[redacted]", text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(level: int | str = logging.WARNING) -> None:
    """Set up the root logger (idempotent) with the redacting filter on every handler."""
    logging.basicConfig(level=level, format=FORMAT)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
