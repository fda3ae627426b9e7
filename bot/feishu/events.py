"""What Feishu posts to `/feishu/events`, checked and parsed before anything acts on it.

Every request: the body is read up to `MAX_BODY`; with an encrypt key Feishu signs each request
(`X-Lark-Signature` = sha256(timestamp + nonce + encrypt key + body)) and encrypts the payload
(AES-256-CBC, the SDK's `AESCipher`); the signature is checked on the raw bytes, the timestamp must
be recent (`MAX_AGE`, so a captured request cannot be replayed later), then the payload is
decrypted and its verification token compared. The URL-verification challenge (encrypted, not
signed) is answered after the token check. Events and card callbacks are pydantic models; their
ids are de-duplicated by the handlers through the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_BODY = 1_000_000
MAX_AGE = 300  # seconds a signed request stays valid (Feishu retries come with a fresh signature)


class Refused(Exception):
    """The request is not Feishu's (or not any more): answered 401/400 and not acted on."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.status = status


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


def decrypt(encrypted: str, encrypt_key: str) -> dict[str, Any]:
    from lark_oapi.core.utils import AESCipher

    try:
        plain = AESCipher(encrypt_key).decrypt_str(encrypted)
        data = json.loads(plain)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(f"cannot decrypt: {error}", 400) from None
    if not isinstance(data, dict):
        raise Refused("not a JSON object", 400)
    return data


def open_envelope(body: bytes, headers: dict[str, str], *, encrypt_key: str, verification_token: str,
                  now: float | None = None, signed: bool = True) -> dict[str, Any]:
    """The decrypted, verified payload. `signed=False` for the long connection (no HTTP headers).

    A signed request's signature and age are checked on the raw bytes before anything is decrypted;
    only the URL-verification challenge may come unsigned (it still needs the token)."""
    try:
        outer = json.loads(body)
    except ValueError:
        raise Refused("not JSON", 400) from None
    if not isinstance(outer, dict):
        raise Refused("not a JSON object", 400)
    encrypted = outer.get("encrypt")
    if encrypt_key and not isinstance(encrypted, str):
        raise Refused("not encrypted")  # with an encrypt key every Feishu request is encrypted
    has_signature = all(headers.get(h) for h in ("x-lark-request-timestamp", "x-lark-request-nonce",
                                                  "x-lark-signature"))
    if signed and has_signature:
        _check_signature(body, headers, encrypt_key, now)
    payload = decrypt(encrypted, encrypt_key) if isinstance(encrypted, str) else outer
    token = payload.get("token") if "header" not in payload else (payload.get("header") or {}).get("token")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), verification_token.encode()):
        raise Refused("wrong verification token")
    if signed and not has_signature and payload.get("type") != "url_verification":
        raise Refused("unsigned")
    return payload


def _check_signature(body: bytes, headers: dict[str, str], encrypt_key: str, now: float | None) -> None:
    timestamp = headers["x-lark-request-timestamp"]
    given = headers["x-lark-signature"]
    if not hmac.compare_digest(signature(timestamp, headers["x-lark-request-nonce"], encrypt_key, body), given):
        raise Refused("bad signature")
    try:
        age = (now if now is not None else time.time()) - float(timestamp)
    except ValueError:
        raise Refused("bad timestamp") from None
    if abs(age) > MAX_AGE:
        raise Refused("too old (a replay?)")


# --- the payloads ------------------------------------------------------------------------------------
class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Header(_Loose):
    event_id: str
    event_type: str
    tenant_key: str = ""
    app_id: str = ""
    create_time: str = ""


class UserId(_Loose):
    open_id: str = ""
    union_id: str | None = None
    user_id: str | None = None


class Sender(_Loose):
    sender_id: UserId = Field(default_factory=UserId)
    sender_type: str = "user"
    tenant_key: str = ""


class Mention(_Loose):
    key: str = ""
    id: UserId = Field(default_factory=UserId)
    name: str = ""


class Message(_Loose):
    message_id: str
    root_id: str | None = None
    parent_id: str | None = None
    chat_id: str
    chat_type: Literal["p2p", "group", "topic_group"] | str = "p2p"
    message_type: str = "text"
    content: str = "{}"
    mentions: list[Mention] = Field(default_factory=list)

    def text(self) -> str:
        """The message's text with the @-mention placeholders (`@_user_1`) taken out."""
        try:
            data = json.loads(self.content)
        except ValueError:
            return ""
        if self.message_type == "text":
            text = str(data.get("text") or "")
        elif self.message_type == "post":  # rich text: its text runs, line by line
            body: Any = data.get("content") or next((v.get("content") for v in data.values() if isinstance(v, dict)), [])
            text = "\n".join("".join(str(run.get("text") or "") for run in line if isinstance(run, dict))
                             for line in body or [] if isinstance(line, list))
        else:
            return ""
        for mention in self.mentions:
            if mention.key:
                text = text.replace(mention.key, " ")
        return text.strip()


class MessageEvent(_Loose):
    sender: Sender
    message: Message


class MessageReceived(_Loose):
    """`im.message.receive_v1`."""

    header: Header
    event: MessageEvent


class Operator(_Loose):
    open_id: str
    union_id: str | None = None
    user_id: str | None = None
    tenant_key: str = ""


class CardAction(_Loose):
    value: dict[str, Any] = Field(default_factory=dict)
    tag: str = ""
    name: str | None = None
    form_value: dict[str, Any] | None = None
    timezone: str | None = None


class CardContext(_Loose):
    open_message_id: str
    open_chat_id: str


class CardActionEvent(_Loose):
    operator: Operator
    token: str = ""
    action: CardAction
    context: CardContext


class CardActionTriggered(_Loose):
    """`card.action.trigger` (the card callback, schema 2.0)."""

    header: Header
    event: CardActionEvent


def parse(payload: dict[str, Any]) -> MessageReceived | CardActionTriggered | None:
    """The event we act on, or None for any other (acknowledged and ignored)."""
    event_type = (payload.get("header") or {}).get("event_type")
    try:
        if event_type == "im.message.receive_v1":
            return MessageReceived.model_validate(payload)
        if event_type == "card.action.trigger":
            return CardActionTriggered.model_validate(payload)
    except ValidationError as error:
        raise Refused(f"malformed {event_type}: {error.error_count()} errors", 400) from None
    return None
