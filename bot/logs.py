"""Logging for every tradecheck process: one format, and secrets never written.

Telegram puts the bot token in every Bot API URL (`…/bot123:ABC/sendMessage`) and in the text of
its errors (`InvalidToken: The token … was rejected`); Slack tokens can appear in error texts.
Redaction happens where every record is born — a log-record factory — so it covers every logger
and every handler, uvicorn's and PTB's included, whoever configured them: the message, its
arguments, the formatted exception and traceback (`exc_text`) and the stack. Besides token shapes,
the exact secrets configured in the settings are redacted whatever they look like. httpx's
per-request lines are kept at WARNING.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"
_SECRETS = (
    re.compile(r"(?<=/bot)\d+:[A-Za-z0-9_-]{20,}"),  # Telegram bot token in a URL
    re.compile(r"(?<![0-9])\d{6,}:[A-Za-z0-9_-]{30,}"),  # a Telegram bot token anywhere else
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack bot/user tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{10,}"),  # Slack app-level tokens
)
QUIET = ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler.executors.default")
_known: set[str] = set()
_lock = threading.Lock()
_original_factory: Any = None


def add_secret(value: str | None) -> None:
    """Redact this exact value (and a bot token's secret half) from now on."""
    if not value or len(value) < 8:
        return
    with _lock:
        _known.add(value)
        head, sep, tail = value.partition(":")
        if sep and head.isdigit() and len(tail) >= 8:
            _known.add(tail)


def protect_settings(settings: Any) -> None:
    """Every secret the settings hold (tokens, signing and webhook secrets) is redacted. Called with
    the settings a process runs with (`Runtime.from_environment`, an adapter given its own)."""
    for name in ("telegram_bot_token", "telegram_webhook_secret", "slack_bot_token", "slack_signing_secret",
                 "slack_app_token", "companies_house_api_key"):
        secret = getattr(settings, name, None)
        if secret is not None:
            add_secret(secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret))


def redact(text: str) -> str:
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _SECRETS:
        text = pattern.sub(MASK, text)
    return text


def _clean_arg(value: Any) -> Any:
    if isinstance(value, (int, float, type(None))):
        return value
    text = value if isinstance(value, str) else str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


def clean_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: message, arguments (arity kept: uvicorn's access log unpacks them),
    the formatted exception and the stack."""
    try:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean_arg(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
    except Exception:  # noqa: BLE001, S110 - a malformed record is logged as it is
        pass
    return record


def install() -> None:
    """Redact every record from now on, whatever logger or handler (idempotent)."""
    global _original_factory
    with _lock:
        if _original_factory is not None:
            return
        _original_factory = logging.getLogRecordFactory()
        original = _original_factory

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return clean_record(original(*args, **kwargs))

    logging.setLogRecordFactory(factory)


class RedactSecrets(logging.Filter):
    """Also on the root handlers: a record made before `install()` (or by a foreign factory)."""

    def filter(self, record: logging.LogRecord) -> bool:
        clean_record(record)
        return True


def configure(level: int | str = logging.WARNING, settings: Any | None = None) -> None:
    """Set up the root logger (idempotent) with redaction everywhere; `settings`: their secrets too
    (an entry point's runtime protects its settings when it reads them: `Runtime.from_environment`)."""
    install()
    if settings is not None:
        protect_settings(settings)
    logging.basicConfig(level=level, format=FORMAT)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
