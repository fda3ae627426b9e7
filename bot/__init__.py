"""Chat adapters (terminal, Slack, Telegram) and the platform-neutral flows they share."""

from pathlib import Path

from checks.i18n import register_locale_dir

register_locale_dir(Path(__file__).parent / "locales")
