"""The engine's settings, from environment variables and an optional `.env` file (pydantic-settings).

Only what the checks themselves need: timeouts, offline mode, the policy, the lists, the cache and the
online sources' keys. The chat platforms, the people (MANAGERS, COMPLIANCE) and the database are the
bot's (`bot/settings.py`). Every variable is documented in README.md with its default. Secrets are
`SecretStr` so that they never appear in logs or reprs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    tradecheck_lang: str = Field("en", alias="TRADECHECK_LANG", description="language of cards and messages")

    source_timeout: float = Field(8.0, alias="TRADECHECK_SOURCE_TIMEOUT")
    offline: bool = Field(False, alias="TRADECHECK_OFFLINE", description="skip every online source")
    policy_path: Path | None = Field(None, alias="TRADECHECK_POLICY")
    lists_dir: Path | None = Field(None, alias="TRADECHECK_LISTS_DIR", description="where updated lists are kept")
    list_max_age_days: int = Field(30, alias="TRADECHECK_LIST_MAX_AGE_DAYS")
    domain_young_days: int = Field(180, alias="TRADECHECK_DOMAIN_YOUNG_DAYS")
    cache_ttl_seconds: int = Field(3600, alias="TRADECHECK_CACHE_TTL")

    # online sources' keys and identities
    companies_house_api_key: SecretStr | None = Field(None, alias="COMPANIES_HOUSE_API_KEY")
    sec_user_agent: str = Field("tradecheck admin@example.com", alias="SEC_USER_AGENT")


EngineSettings = Settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The engine settings of a process that builds no runtime (checks' own commands, sources made
    without settings). The bot's runtime passes its own `bot.settings.BotSettings` instead."""
    return Settings()
