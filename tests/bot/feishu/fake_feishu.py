"""A fake Feishu Open API on 127.0.0.1, strict where Feishu is, and a signed/encrypted event poster.

Endpoints the bot uses: tenant_access_token/internal, im/v1/messages (send), .../reply, PATCH
.../messages/:id (update a card), im/v1/files (upload), contact/v3/users/:id. It checks the bearer
token, that message content is a JSON string, that a card is JSON 2.0 within 30 KB and 200
elements, and it can be told to answer a call with a rate limit.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from Crypto.Cipher import AES

from tests.waiting import wait_until

APP_ID = "cli_test_app"
APP_SECRET = "app-secret-value"
ENCRYPT_KEY = "encrypt-key-value"
VERIFICATION_TOKEN = "verification-token-value"
TENANT = "tenant_1"
TOKEN = "t-fake-tenant-token"
CARD_LIMIT = 30_000


def count_tags(node: Any) -> int:
    if isinstance(node, dict):
        return (1 if "tag" in node else 0) + sum(count_tags(v) for v in node.values())
    if isinstance(node, list):
        return sum(count_tags(v) for v in node)
    return 0


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    message_id: str | None = None


@dataclass
class FakeFeishu:
    calls: list[Call] = field(default_factory=list)
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # message_id -> the card shown now
    names: dict[str, str] = field(default_factory=dict)
    limited: dict[str, int] = field(default_factory=dict)  # path kind -> how many calls to rate-limit
    next_id: int = 1
    url: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeFeishu:
        app = web.Application()
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self._token)
        app.router.add_post("/open-apis/im/v1/messages", self._send)
        app.router.add_post("/open-apis/im/v1/messages/{id}/reply", self._send)
        app.router.add_patch("/open-apis/im/v1/messages/{id}", self._patch)
        app.router.add_post("/open-apis/im/v1/files", self._upload)
        app.router.add_get("/open-apis/contact/v3/users/{id}", self._user)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests look at ---------------------------------------------------------------
    async def wait_for(self, predicate: Any, timeout: float = 60.0) -> Any:
        """Wait until `predicate()` is truthy (checked after every recorded call)."""
        return await wait_until(predicate, self.changed, timeout, lambda: f"calls so far: {[c.method for c in self.calls]}")

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_cards(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c.message_id or "", json.loads(c.body["content"])) for c in self.calls
                if c.method in ("send", "reply") and c.body.get("msg_type") == "interactive"]

    # --- the API ----------------------------------------------------------------------------
    @staticmethod
    def _ok(data: dict[str, Any] | None = None) -> web.Response:
        return web.json_response({"code": 0, "msg": "success", "data": data or {}})

    @staticmethod
    def _error(code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response({"code": code, "msg": msg}, status=status, headers=headers)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self.changed.set()

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    def _rate_limited(self, kind: str) -> web.Response | None:
        if self.limited.get(kind, 0) > 0:
            self.limited[kind] -= 1
            return self._error(99991400, "request trigger frequency limit", 429, {"x-ogw-ratelimit-reset": "7"})
        return None

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body != {"app_id": APP_ID, "app_secret": APP_SECRET}:
            return self._error(10014, "app secret invalid")
        return web.json_response({"code": 0, "msg": "ok", "tenant_access_token": TOKEN, "expire": 7200})

    def _check_content(self, msg_type: str, content: Any) -> web.Response | dict[str, Any]:
        if not isinstance(content, str):
            return self._error(230001, "content must be a JSON string")
        try:
            parsed = json.loads(content)
        except ValueError:
            return self._error(230001, "content is not JSON")
        if msg_type == "interactive":
            if len(content.encode("utf-8")) > CARD_LIMIT:
                return self._error(230025, "card content exceeds 30KB")
            if parsed.get("schema") != "2.0" or count_tags(parsed) > 200:
                return self._error(200621, "card json invalid")
        return parsed

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(99991663, "invalid access token", 401)
        kind = "reply" if "id" in request.match_info else "send"
        limited = self._rate_limited(kind)
        if limited is not None:
            return limited
        body = await request.json()
        if kind == "send" and request.query.get("receive_id_type") != "chat_id":
            return self._error(99992402, "receive_id_type required")
        checked = self._check_content(body.get("msg_type", ""), body.get("content"))
        if isinstance(checked, web.Response):
            return checked
        message_id = f"om_{self.next_id}"
        self.next_id += 1
        if body.get("msg_type") == "interactive":
            self.cards[message_id] = checked
        self._record(Call(kind, request.path, body, message_id))
        return self._ok({"message_id": message_id, "chat_id": body.get("receive_id", "")})

    async def _patch(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(99991663, "invalid access token", 401)
        message_id = request.match_info["id"]
        body = await request.json()
        checked = self._check_content("interactive", body.get("content"))
        if isinstance(checked, web.Response):
            return checked
        if message_id not in self.cards:
            return self._error(230011, "message not found")
        self.cards[message_id] = checked
        self._record(Call("patch", request.path, body, message_id))
        return self._ok()

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(99991663, "invalid access token", 401)
        form = await request.post()
        file = form.get("file")
        content = file.file.read() if hasattr(file, "file") else b""  # type: ignore[union-attr]
        if form.get("file_type") not in ("pdf", "stream") or not form.get("file_name") or not content:
            return self._error(234001, "invalid file")
        key = f"file_v3_{self.next_id}"
        self.next_id += 1
        self._record(Call("upload", request.path, {"file_name": form.get("file_name"), "size": len(content),
                                                   "head": content[:5].decode("latin-1")}))
        return self._ok({"file_key": key})

    async def _user(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return self._error(99991663, "invalid access token", 401)
        open_id = request.match_info["id"]
        if open_id not in self.names:
            return self._error(41050, "no user authority")
        return self._ok({"user": {"open_id": open_id, "name": self.names[open_id]}})


# --- events as Feishu posts them -------------------------------------------------------------
def encrypt(payload: dict[str, Any], key: str = ENCRYPT_KEY) -> str:
    data = json.dumps(payload).encode()
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    iv = os.urandom(16)
    cipher = AES.new(hashlib.sha256(key.encode()).digest(), AES.MODE_CBC, iv)
    return base64.b64encode(iv + cipher.encrypt(data)).decode()


def signed_post(payload: dict[str, Any], *, key: str = ENCRYPT_KEY, timestamp: float | None = None,
                nonce: str = "n0nce") -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"encrypt": encrypt(payload, key)}).encode()
    ts = str(int(timestamp if timestamp is not None else time.time()))
    signature = hashlib.sha256((ts + nonce + key).encode() + body).hexdigest()
    return body, {"X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": signature,
                  "Content-Type": "application/json"}


_EVENTS = iter(range(1, 10**6))


def header(event_type: str, token: str = VERIFICATION_TOKEN, event_id: str | None = None) -> dict[str, Any]:
    return {"event_id": event_id or f"ev_{next(_EVENTS)}_{os.urandom(3).hex()}", "event_type": event_type,
            "token": token, "create_time": str(int(time.time() * 1000)), "tenant_key": TENANT, "app_id": APP_ID}


def message_event(text: str, *, user: str, chat: str = "oc_p2p", chat_type: str = "p2p",
                  mention_bot: bool = False, **head: Any) -> dict[str, Any]:
    mentions = [{"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "tradecheck"}] if mention_bot else []
    content = ("@_user_1 " if mention_bot else "") + text
    return {"schema": "2.0", "header": header("im.message.receive_v1", **head), "event": {
        "sender": {"sender_id": {"open_id": user, "union_id": "on_" + user}, "sender_type": "user",
                   "tenant_key": TENANT},
        "message": {"message_id": f"om_in_{os.urandom(4).hex()}", "chat_id": chat, "chat_type": chat_type,
                    "message_type": "text", "content": json.dumps({"text": content}), "mentions": mentions}}}


def card_action(value: dict[str, Any], *, user: str, message_id: str, chat: str = "oc_p2p",
                form_value: dict[str, Any] | None = None, **head: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"value": value, "tag": "button"}
    if form_value is not None:
        action["form_value"] = form_value
        action["name"] = "submit"
    return {"schema": "2.0", "header": header("card.action.trigger", **head), "event": {
        "operator": {"open_id": user, "tenant_key": TENANT}, "token": "c-callback-token", "action": action,
        "host": "im_message", "context": {"open_message_id": message_id, "open_chat_id": chat}}}
