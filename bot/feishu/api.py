"""The Feishu Open API calls the bot makes, through the official SDK (`lark-oapi`).

Send a card or a text (in a chat, or as a reply), patch a card in place, upload a file and send
it, look up a user's name. The tenant access token is fetched with the SDK's async call and kept
per `FeishuApi` (not in the SDK's process-wide token cache, whose refresh is a blocking request).

Errors become `FeishuError`: `retry_after` for Feishu's rate limits (HTTP 429 or code 99991400, with
the `x-ogw-ratelimit-reset` header), `gone` when the chat or message is no longer reachable (the
bot was removed), `misconfigured` when the app's credentials are refused. Rate limits and server
errors are retried a few times here with the wait Feishu asks for (bounded).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .settings import FeishuSettings

log = logging.getLogger(__name__)

RATE_LIMITED = {99991400, 11232, 230020}  # frequency limits (app, chat, message)
GONE = {230002, 230001, 230006, 230011, 230099, 232009, 232010, 19001}  # not in chat / message gone / recalled
MISCONFIGURED = {99991661, 99991663, 99991664, 99991665, 99991668, 10003, 10014, 99991672}
NOT_MODIFIED = {230031}  # the card content did not change
MAX_WAIT = 10.0  # the longest a call waits on a rate limit before giving up (the outbox retries later)
RETRIES = 3


class FeishuError(Exception):
    def __init__(self, code: int | None, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"Feishu error {code}: {message}")
        self.code = code
        self.retry_after = retry_after

    @property
    def gone(self) -> bool:
        return self.code in GONE

    @property
    def misconfigured(self) -> bool:
        return self.code in MISCONFIGURED


def _retry_after(headers: dict[str, str] | None) -> float:
    for key in ("x-ogw-ratelimit-reset", "X-Ogw-Ratelimit-Reset", "retry-after", "Retry-After"):
        value = (headers or {}).get(key)
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return 1.0


class FeishuApi:
    """One app's Open API client (one per runtime; tests point FEISHU_API_URL at a fake)."""

    def __init__(self, settings: FeishuSettings, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 max_wait: float = MAX_WAIT) -> None:
        """`max_wait`: the longest rate-limit wait slept on here (0 for the outbox, which retries itself)."""
        import lark_oapi as lark

        if not settings.can_send:
            raise ValueError("Feishu needs FEISHU_APP_ID and FEISHU_APP_SECRET")
        self.settings = settings
        self._lark = lark
        self.client = (lark.Client.builder().app_id(settings.app_id or "")
                       .app_secret(settings.app_secret.get_secret_value() if settings.app_secret else "")
                       .domain(settings.domain).enable_set_token(True).timeout(15).log_level(lark.LogLevel.ERROR)
                       .build())
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()
        self._sleep = sleep
        self.max_wait = max_wait
        self._names: dict[str, str] = {}

    # --- the tenant access token ------------------------------------------------------------
    async def token(self) -> str:
        async with self._token_lock:
            if self._token is not None and self._token[1] > time.monotonic():
                return self._token[0]
            from lark_oapi.api.auth.v3 import (
                InternalTenantAccessTokenRequest,
                InternalTenantAccessTokenRequestBody,
            )

            secret = self.settings.app_secret.get_secret_value() if self.settings.app_secret else ""
            request = (InternalTenantAccessTokenRequest.builder().request_body(
                InternalTenantAccessTokenRequestBody.builder().app_id(self.settings.app_id or "").app_secret(secret)
                .build()).build())
            response = await self.client.auth.v3.tenant_access_token.ainternal(request)
            content = json.loads(response.raw.content or b"{}") if response.raw is not None else {}
            if not response.success() or not content.get("tenant_access_token"):
                raise FeishuError(response.code, response.msg or "no tenant_access_token")
            expire = float(content.get("expire") or 7200)
            self._token = (str(content["tenant_access_token"]), time.monotonic() + max(60.0, expire - 300))
            return self._token[0]

    async def _option(self) -> Any:
        return self._lark.RequestOption.builder().tenant_access_token(await self.token()).build()

    async def _call(self, what: str, make: Callable[[Any], Awaitable[Any]]) -> Any:
        """Run one SDK call with the token; retry rate limits and server errors (bounded)."""
        for attempt in range(RETRIES):
            response = await make(await self._option())
            if response.success():
                return response
            status = response.raw.status_code if response.raw is not None else 0
            headers = response.raw.headers if response.raw is not None else {}
            code = response.code
            if code in (99991663, 99991661) and self._token is not None:  # token expired early: fetch anew
                self._token = None
                continue
            if status == 429 or code in RATE_LIMITED:
                wait = _retry_after(headers)
                if wait > self.max_wait or attempt == RETRIES - 1:
                    raise FeishuError(code, response.msg or "rate limited", retry_after=wait)
                await self._sleep(wait)
                continue
            if status >= 500 and attempt < RETRIES - 1:
                await self._sleep(0.5 * (attempt + 1))
                continue
            raise FeishuError(code, f"{what}: {response.msg or status}")
        raise FeishuError(None, f"{what}: gave up")

    # --- messages ---------------------------------------------------------------------------
    async def send(self, chat_id: str, msg_type: str, content: dict[str, Any], *, reply_to: str | None = None,
                   uuid: str | None = None) -> str:
        """Post a message (a reply when `reply_to` is given); its message_id. `uuid` de-duplicates retries."""
        from lark_oapi.api.im.v1 import (
            CreateMessageRequest,
            CreateMessageRequestBody,
            ReplyMessageRequest,
            ReplyMessageRequestBody,
        )

        body = json.dumps(content, ensure_ascii=False)
        if reply_to:
            reply = ReplyMessageRequestBody.builder().msg_type(msg_type).content(body)
            if uuid:
                reply = reply.uuid(uuid[:50])
            request = ReplyMessageRequest.builder().message_id(reply_to).request_body(reply.build()).build()
            response = await self._call("reply", lambda option: self.client.im.v1.message.areply(request, option))
        else:
            create = CreateMessageRequestBody.builder().receive_id(chat_id).msg_type(msg_type).content(body)
            if uuid:
                create = create.uuid(uuid[:50])
            request = (CreateMessageRequest.builder().receive_id_type("chat_id").request_body(create.build())
                       .build())
            response = await self._call("send", lambda option: self.client.im.v1.message.acreate(request, option))
        return str(response.data.message_id)

    async def send_card(self, chat_id: str, card: dict[str, Any], *, reply_to: str | None = None,
                        uuid: str | None = None) -> str:
        return await self.send(chat_id, "interactive", card, reply_to=reply_to, uuid=uuid)

    async def send_text(self, chat_id: str, text: str, *, reply_to: str | None = None) -> str:
        return await self.send(chat_id, "text", {"text": text[:4000]}, reply_to=reply_to)

    async def update_card(self, message_id: str, card: dict[str, Any]) -> None:
        """The card message replaced in place (PATCH /im/v1/messages/:id); an unchanged card is fine."""
        from lark_oapi.api.im.v1 import PatchMessageRequest, PatchMessageRequestBody

        request = (PatchMessageRequest.builder().message_id(message_id).request_body(
            PatchMessageRequestBody.builder().content(json.dumps(card, ensure_ascii=False)).build()).build())
        try:
            await self._call("patch", lambda option: self.client.im.v1.message.apatch(request, option))
        except FeishuError as error:
            if error.code not in NOT_MODIFIED:
                raise

    async def send_file(self, chat_id: str, filename: str, content: bytes, *, reply_to: str | None = None) -> str:
        """Upload a file (POST /im/v1/files) and post it; the message_id."""
        from lark_oapi.api.im.v1 import CreateFileRequest, CreateFileRequestBody

        file_type = "pdf" if filename.lower().endswith(".pdf") else "stream"
        request = CreateFileRequest.builder().request_body(
            CreateFileRequestBody.builder().file_type(file_type).file_name(filename).file(io.BytesIO(content)).build()
        ).build()
        response = await self._call("upload", lambda option: self.client.im.v1.file.acreate(request, option))
        return await self.send(chat_id, "file", {"file_key": response.data.file_key}, reply_to=reply_to)

    async def user_name(self, open_id: str) -> str:
        """The user's name (contact scope); the open_id itself when it cannot be read."""
        if open_id in self._names:
            return self._names[open_id]
        from lark_oapi.api.contact.v3 import GetUserRequest

        request = GetUserRequest.builder().user_id(open_id).user_id_type("open_id").build()
        try:
            response = await self._call("user", lambda option: self.client.contact.v3.user.aget(request, option))
            name = str(response.data.user.name or open_id)
        except (FeishuError, AttributeError) as error:
            log.info("no name for %s (%s): the contact scope may be missing", open_id, error)
            name = open_id
        if len(self._names) > 5000:
            self._names.clear()
        self._names[open_id] = name
        return name
