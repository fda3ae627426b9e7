"""Feishu (Lark) settings, read from the environment (and `.env`) like the others.

FEISHU_API_URL is the SDK's domain: https://open.feishu.cn (Feishu, the default),
https://open.larksuite.com (Lark), or a test server.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

FEISHU_DOMAIN = "https://open.feishu.cn"


class FeishuSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_id: str | None = Field(None, alias="FEISHU_APP_ID")
    app_secret: SecretStr | None = Field(None, alias="FEISHU_APP_SECRET")
    encrypt_key: SecretStr | None = Field(None, alias="FEISHU_ENCRYPT_KEY")
    verification_token: SecretStr | None = Field(None, alias="FEISHU_VERIFICATION_TOKEN")
    api_url: str = Field(FEISHU_DOMAIN, alias="FEISHU_API_URL")
    lang: str = Field("zh", alias="FEISHU_LANG", description="the language of a user who has not chosen one")

    @property
    def can_send(self) -> bool:
        return bool(self.app_id and self.app_secret)

    @property
    def can_receive(self) -> bool:
        """Events over HTTP are accepted only with both the encrypt key and the verification token."""
        return self.can_send and self.encrypt_key is not None and self.verification_token is not None

    @property
    def domain(self) -> str:
        return self.api_url.rstrip("/")
