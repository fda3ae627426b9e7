"""The bot's settings: chat platforms, the people who decide, the database, the monitor's timing.

`BotSettings` extends the engine's settings (`checks.config.Settings`): one object, read once from the
environment and `.env`, is what a runtime hands to the engine and to the adapters. The variable names
are a contract (README "Configuration"). Secrets are `SecretStr`: they never appear in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr

from checks.config import Settings, get_settings


class BotSettings(Settings):
    # the database: None means the SQLite file in the user data folder (`storage.db.default_url`)
    database_url: str | None = Field(None, alias="DATABASE_URL")

    # chat platforms
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_URL")
    telegram_allowed_chats: str = Field("", alias="TELEGRAM_ALLOWED_CHATS",
                                        description="chat ids the bot serves, e.g. -1001234567890,123456789")

    # the people
    managers: str = Field("", alias="MANAGERS", description="e.g. slack:U123,telegram:456")
    compliance: str = Field("", alias="COMPLIANCE", description="who alone may approve a STOP case, like MANAGERS")
    timezone: str = Field("", alias="TRADECHECK_TIMEZONE", description="the team's time zone for Telegram and the terminal")

    # the monitor (re-checks, reminders)
    approval_reminder_hours: float = Field(24.0, alias="TRADECHECK_APPROVAL_REMINDER_HOURS",
                                           description="remind of an approval nobody decided after this long")


@lru_cache(maxsize=1)
def get_bot_settings() -> BotSettings:
    """The settings of this process, read once. Tests that change the environment call `reload_settings()`."""
    return BotSettings()


def reload_settings() -> None:
    """Forget the settings read so far (the bot's and the engine's): the next read sees the environment anew."""
    get_bot_settings.cache_clear()
    get_settings.cache_clear()
