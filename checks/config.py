"""Configuration from environment variables and an optional `.env` file (pydantic-settings).

Every variable is documented in README.md with its default. Secrets are `SecretStr` so that they
never appear in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("sqlite:///./tradecheck.db", alias="DATABASE_URL")
    tradecheck_lang: str = Field("en", alias="TRADECHECK_LANG")

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
    managers: str = Field("", alias="MANAGERS", description="e.g. slack:U123,telegram:456")
    compliance: str = Field("", alias="COMPLIANCE", description="who alone may approve a STOP case, like MANAGERS")
    timezone: str = Field("", alias="TRADECHECK_TIMEZONE", description="the team's time zone for Telegram and the terminal")

    # the engine
    source_timeout: float = Field(8.0, alias="TRADECHECK_SOURCE_TIMEOUT")
    offline: bool = Field(False, alias="TRADECHECK_OFFLINE", description="skip every online source")
    policy_path: Path | None = Field(None, alias="TRADECHECK_POLICY")
    lists_dir: Path | None = Field(None, alias="TRADECHECK_LISTS_DIR", description="where updated lists are kept")
    list_max_age_days: int = Field(30, alias="TRADECHECK_LIST_MAX_AGE_DAYS")
    domain_young_days: int = Field(180, alias="TRADECHECK_DOMAIN_YOUNG_DAYS")
    cache_ttl_seconds: int = Field(3600, alias="TRADECHECK_CACHE_TTL")

    # the monitor (re-checks, reminders)
    approval_reminder_hours: float = Field(24.0, alias="TRADECHECK_APPROVAL_REMINDER_HOURS",
                                           description="remind of an approval nobody decided after this long")

    # online sources' keys and identities
    companies_house_api_key: SecretStr | None = Field(None, alias="COMPANIES_HOUSE_API_KEY")
    sec_user_agent: str = Field("tradecheck admin@example.com", alias="SEC_USER_AGENT")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
