"""A local fake of Slack's Web API (and of response_url), over real HTTP on 127.0.0.1.

It records every call (method, parameters, time) so tests can assert what reached "Slack", and can
be told to answer 429 with Retry-After or an API error for chosen methods. Parameters arrive the
way slack_sdk sends them: JSON bodies, form bodies or query strings; `blocks`/`view` given as JSON
strings are decoded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.waiting import wait_until


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    token: str | None = None
    response: dict[str, Any] | None = None  # what the fake answered (views.open: the view and its id)


class FakeSlack:
    def __init__(self, users: dict[str, dict[str, Any]] | None = None) -> None:
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response_url
        self.users = users or {}
        self.rate_limit: dict[str, int] = {}  # method -> how many 429s to give first
        self.retry_after = "0"  # seconds the 429 asks the client to wait
        self.errors: dict[tuple[str, str | None], str] = {}  # (method, channel or None) -> Slack error code
        self.delay: dict[str, float] = {}  # method -> seconds to wait before answering
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.changed = asyncio.Event()
        self.sockets: list[web.WebSocketResponse] = []  # Socket Mode connections
        self.socket_replies: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}  # file id -> bytes POSTed to its upload URL
        self._files = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ queries for tests
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Any, timeout: float = 60.0) -> Any:
        """Wait until `predicate()` is truthy (checked after every recorded call)."""
        return await wait_until(predicate, self.changed, timeout, lambda: f"calls so far: {[c.method for c in self.calls]}")

    # ------------------------------------------------------------------ handlers
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for key in ("blocks", "view", "attachments", "files"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    def _record(self, call: Call, into: list[Call]) -> None:
        into.append(call)
        self.changed.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or params.get("token")
        if self.delay.get(method):
            await asyncio.sleep(self.delay[method])
        if self.rate_limit.get(method):
            self.rate_limit[method] -= 1
            self._record(Call(method=f"{method}#429", params=params, token=token), self.calls)
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": self.retry_after})
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        error = self.errors.get((method, params.get("channel"))) or self.errors.get((method, None))
        answer = None if error else self._answer(method, params)
        self._record(Call(method=method, params=params, token=token, response=answer), self.calls)
        if error or answer is None:
            return web.json_response({"ok": False, "error": error})
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "tradecheck",
                    "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
        if method == "users.info":
            user_id = params.get("user", "")
            user = self.users.get(user_id, {"name": user_id.lower(), "real_name": user_id})
            profile = {"display_name": user.get("display_name", ""), "real_name": user.get("real_name", user_id)}
            return {"ok": True, "user": {"id": user_id, "name": user.get("name", user_id), "real_name": profile["real_name"],
                                         "locale": user.get("locale", "en-US"), "profile": profile}}
        if method == "chat.postMessage":
            channel = params.get("channel", "")
            if channel.startswith("U"):
                channel = "D" + channel[1:]  # a DM with the app
            return {"ok": True, "channel": channel, "ts": f"1700000000.{next(self._ts):06d}",
                    "message": {"text": params.get("text", "")}}
        if method == "files.getUploadURLExternal":  # step 1 of the external upload: a URL for the bytes
            if not params.get("filename") or not str(params.get("length", "")).isdigit():
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._files):04d}"
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":  # step 3: share the uploaded files
            files = params.get("files") or []
            if not files or any(f.get("id") not in self.uploads for f in files):
                return {"ok": False, "error": "file_not_found"}
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", ""), "name": f.get("title", ""),
                                           "size": len(self.uploads[f["id"]])} for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"), "text": params.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000001.{next(self._ts):06d}"}
        if method in ("views.open", "views.update", "views.publish", "views.push"):
            view = dict(params.get("view") or {})
            view["id"] = params.get("view_id") or f"V{next(self._views):04d}"
            return {"ok": True, "view": view}
        return {"ok": True}

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of the external upload: the file's bytes POSTed to the URL step 1 gave."""
        self.uploads[request.match_info["file_id"]] = await request.read()
        self._record(Call(method="upload", params={"file_id": request.match_info["file_id"]}), self.calls)
        return web.Response(text="OK - " + str(len(self.uploads[request.match_info["file_id"]])))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record what the app sends back (acks with envelope ids)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                            "connection_info": {"app_id": "A1"}})
        self.changed.set()
        async for message in ws:
            if message.type.name == "TEXT":
                self.socket_replies.append(json.loads(message.data))
                self.changed.set()
        if ws in self.sockets:
            self.sockets.remove(ws)
        return ws

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        await self.sockets[-1].send_json(envelope)

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(Call(method=f"response:{request.match_info['name']}", params=body), self.responses)
        self.changed.set()
        return web.Response(text="ok")
