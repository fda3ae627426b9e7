"""Chat adapters (terminal, Slack, Telegram) and the platform-neutral flows they share."""

from pathlib import Path

from checks.i18n import register_locale_dir

register_locale_dir(Path(__file__).parent / "locales")

from . import logs as _logs  # noqa: E402

_logs.install()  # any process using the bot (serve, uvicorn --factory, workers) redacts secrets in every log record
