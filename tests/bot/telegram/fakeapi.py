"""A fake Telegram Bot API on 127.0.0.1 (aiohttp): the methods the bot uses, recorded.

It behaves like the real API where the bot could get it wrong: HTML is parsed with Telegram's
tag set (an unknown tag, an unbalanced one or a bare `<`/`&` → 400 "can't parse entities"), the
text is limited to 4,096 UTF-16 units after parsing, `callback_data` to 64 bytes
(BUTTON_DATA_INVALID), and sent messages come back as Telegram returns them (plain text plus
entities), so a later update can quote them as `reply_to_message`. Failures can be queued per
method (429 with retry_after, 403 blocked, 400 chat not found).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.waiting import wait_until

BOT_ID = 7000001
BOT_USERNAME = "tradecheck_test_bot"
TOKEN = f"{BOT_ID}:AAFakeTokenForTests_x"
_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
         "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
         "a": "text_link", "tg-spoiler": "spoiler", "blockquote": "blockquote", "span": "spoiler"}


class EntityError(ValueError):
    pass


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset → (text, entities), strict like the real parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise EntityError(f"Unsupported start tag \"{tag}\"")
        self.stack.append((tag, u16(self.text), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise EntityError(f"Unmatched end tag \"{tag}\"")
        _, start, attrs = self.stack.pop()
        entity: dict[str, Any] = {"type": _TAGS[tag], "offset": start, "length": u16(self.text) - start}
        if tag == "a":
            href = attrs.get("href") or ""
            if href.startswith("tg://user?id="):
                entity = {**entity, "type": "text_mention", "user": {"id": int(href.split("=")[1]), "is_bot": False,
                                                                      "first_name": self.text[-entity["length"]:]}}
            else:
                entity["url"] = href
        if entity["length"]:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise EntityError("Unexpected character in text")
        self.text += data

    def handle_entityref(self, name: str) -> None:
        table = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in table:
            raise EntityError(f"Unsupported HTML entity &{name};")
        self.text += table[name]

    def handle_charref(self, name: str) -> None:
        self.text += chr(int(name[1:], 16) if name.lower().startswith("x") else int(name))

    def unknown_decl(self, data: str) -> None:
        raise EntityError("Unsupported declaration")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    if "&" in source.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "").replace("&quot;", ""):
        raise EntityError("Unsupported or bare &")
    parser = _TelegramHTML()
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise EntityError(f"Can't find end tag corresponding to start tag \"{parser.stack[-1][0]}\"")
    return parser.text, sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    response: Any = None


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    chat_id: Any = None  # only calls to this chat fail (None: any)


@dataclass
class FakeBotAPI:
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    next_id: int = 100
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # --- control --------------------------------------------------------------------------------
    async def start(self) -> FakeBotAPI:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/bot"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str, status: int, description: str, *, times: int = 1, retry_after: int | None = None,
             chat_id: Any = None) -> None:
        self.failures.setdefault(method, []).extend(
            Failure(status, description, retry_after, chat_id) for _ in range(times)
        )

    def of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)]

    async def wait_for(self, condition: Callable[[FakeBotAPI], Any], timeout: float = 10.0) -> Any:
        return await wait_until(lambda: condition(self), self._changed, timeout,
                                lambda: f"calls: {[(c.method, c.params.get('text', '')[:60]) for c in self.calls]}")

    # --- the API --------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        try:
            status, body = self._answer(method, params)
        finally:
            self._changed.set()
        call.response = body
        return web.json_response(body, status=status)

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # sendDocument: multipart with the file's bytes
                params[key] = {"filename": value.filename, "content_type": value.content_type,
                               "content": value.file.read()}
                continue
            value = str(value)
            if key in ("text", "caption", "callback_query_id", "url", "secret_token", "parse_mode"):
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    def _failure(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        queue = self.failures.get(method) or []
        for index, failure in enumerate(queue):
            if failure.chat_id is None or failure.chat_id == params.get("chat_id"):
                del queue[index]
                body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
                if failure.retry_after is not None:
                    body["parameters"] = {"retry_after": failure.retry_after}
                return failure.status, body
        return None

    @staticmethod
    def _error(description: str) -> tuple[int, dict[str, Any]]:
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        failed = self._failure(method, params)
        if failed is not None:
            return failed
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": BOT_ID, "is_bot": True, "first_name": "TradeCheck",
                                                "username": BOT_USERNAME, "can_join_groups": True,
                                                "can_read_all_group_messages": False, "supports_inline_queries": False}}
        if method in ("deleteWebhook", "setWebhook", "answerCallbackQuery", "setMyCommands", "close", "logOut"):
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":  # confirmed (offset) updates are dropped, like Telegram
            offset = int(params.get("offset") or 0)
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
            return 200, {"ok": True, "result": list(self.pending_updates)}
        if method == "sendMessage":
            return self._send(params)
        if method == "editMessageText":
            return self._edit(params)
        if method == "sendDocument":
            return self._send_document(params)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _check_message(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | tuple[int, dict[str, Any]]:
        source = params.get("text", "")
        if params.get("parse_mode") == "HTML":
            try:
                text, entities = parse_html(source)
            except EntityError as error:
                return self._error(f"can't parse entities: {error}")
        else:
            text, entities = source, []
        if not text.strip():
            return self._error("message text is empty")
        if u16(text) > 4096:
            return self._error("message is too long")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not (1 <= len(data.encode("utf-8")) <= 64):
                    return self._error("BUTTON_DATA_INVALID")
        return text, entities

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        return {"id": chat_id, "type": "supergroup", "title": "Export team"}

    def _send(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        checked = self._check_message(params)
        if isinstance(checked[0], int):
            return checked  # type: ignore[return-value]
        text, entities = checked  # type: ignore[misc]
        self.next_id += 1
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": self.next_id, "date": int(time.time()), "chat": self._chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "TradeCheck", "username": BOT_USERNAME},
            "text": text,
        }
        if entities:
            message["entities"] = entities
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        reply = params.get("reply_parameters") or {}
        if reply.get("message_id") and (chat_id, reply["message_id"]) in self.messages:
            message["reply_to_message"] = {k: v for k, v in self.messages[(chat_id, reply["message_id"])].items()
                                           if k != "reply_to_message"}
        self.messages[(chat_id, self.next_id)] = message
        return 200, {"ok": True, "result": message}

    def _send_document(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Like Telegram: a document upload needs a file; the caption is at most 1,024 characters."""
        document = params.get("document")
        if not isinstance(document, dict) or not document.get("content"):
            return self._error("there is no document in the request")
        caption = params.get("caption") or ""
        if u16(caption) > 1024:
            return self._error("message caption is too long")
        self.next_id += 1
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": self.next_id, "date": int(time.time()), "chat": self._chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "TradeCheck", "username": BOT_USERNAME},
            "document": {"file_id": f"BQAC{self.next_id}", "file_unique_id": f"u{self.next_id}",
                         "file_name": document["filename"], "mime_type": document.get("content_type"),
                         "file_size": len(document["content"])},
        }
        if caption:
            message["caption"] = caption
        self.messages[(chat_id, self.next_id)] = message
        return 200, {"ok": True, "result": message}

    def _edit(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            return self._error("message to edit not found")
        checked = self._check_message(params)
        if isinstance(checked[0], int):
            return checked  # type: ignore[return-value]
        text, entities = checked  # type: ignore[misc]
        message = self.messages[key]
        markup = params.get("reply_markup")
        if message["text"] == text and message.get("entities", []) == entities and message.get("reply_markup") == markup:
            return self._error("message is not modified: specified new message content and reply markup are "
                               "exactly the same as a current content and reply markup of the message")
        message.update(text=text, entities=entities, edit_date=int(time.time()))
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return 200, {"ok": True, "result": message}


# --- updates as Telegram sends them ------------------------------------------------------------------
class Updates:
    """Builds update JSON with increasing update_id."""

    def __init__(self) -> None:
        self.next_update = 500_000
        self.next_message = 1

    def _id(self) -> int:
        self.next_update += 1
        return self.next_update

    @staticmethod
    def user(user_id: int, name: str = "Li Wei", lang: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": lang}

    @staticmethod
    def chat(chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "User"}
        return {"id": chat_id, "type": "supergroup", "title": "Export team"}

    def message(self, chat_id: int, user: dict[str, Any], text: str, *, reply_to: dict[str, Any] | None = None,
                message_id: int | None = None) -> dict[str, Any]:
        self.next_message += 1
        message: dict[str, Any] = {"message_id": message_id or self.next_message, "date": int(time.time()),
                                   "chat": self.chat(chat_id), "from": user, "text": text}
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": u16(command)}]
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        return {"update_id": self._id(), "message": message}

    def press(self, card: dict[str, Any], user: dict[str, Any], data: str) -> dict[str, Any]:
        return {"update_id": self._id(), "callback_query": {
            "id": str(self._id()), "from": user, "chat_instance": "ci-1", "data": data,
            "message": {k: v for k, v in card.items() if k != "reply_to_message"},
        }}
