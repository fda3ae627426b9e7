"""A wrong or revoked TELEGRAM_BOT_TOKEN leaks nowhere (issue 15, item 5): not in a log line — the
message, an exception's text, a traceback, whichever logger or handler writes it (uvicorn's own
included) — and not in any database column (`outbox.last_error` was the one). The webhook answers
503 without a traceback, and the monitor treats the refusal as a configuration error: said once,
this process stops sending there, the message waits in the outbox."""

from __future__ import annotations

import io
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from bot import monitor
from bot.app import Runtime
from bot.settings import get_bot_settings, reload_settings
from storage import outbox
from storage.models import Outbox
from tests.runtimes import MakeRuntime

from .conftest import SECRET
from .fakeapi import BOT_ID, FakeBotAPI, Updates

WRONG = f"{BOT_ID}:AAH4wrongRevokedTokenXyZ_0123456789ab"  # the shape of a real token; the fake refuses it
PIECES = (WRONG, WRONG.split(":")[1], WRONG.split(":")[1][:20])


def _leaks(text_: str) -> list[str]:
    return [piece for piece in PIECES if piece in text_]


def _database_text(runtime: Runtime) -> str:
    """Every row of every table, every column as text."""
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401

    database = runtime.ensure_database()
    chunks = []
    with database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


@pytest.fixture
def wrong_token(env: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", WRONG)
    reload_settings()
    yield get_bot_settings()
    monitor.unregister_deliverer("telegram")
    reload_settings()


async def test_a_wrong_token_is_in_no_log_line_and_no_database_column(wrong_token: Any, fake_api: FakeBotAPI,
                                                                      caplog: pytest.LogCaptureFixture,
                                                                      capfd: pytest.CaptureFixture[str],
                                                                      runtime_factory: MakeRuntime) -> None:
    from bot.app.services import RuntimeServices
    from bot.telegram.delivery import TelegramDeliverer
    from bot.telegram.server import TelegramWebhook

    caplog.set_level(logging.DEBUG)
    runtime = runtime_factory()
    webhook = TelegramWebhook(wrong_token, services=RuntimeServices(runtime))
    updates = Updates()
    app = Starlette(routes=webhook.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for n in range(3):
            update = updates.message(-100500, updates.user(111, "Li"), f"/check Leak Test {n} LLC country=AE")
            response = await client.post("/telegram/webhook", json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert response.status_code == 503 and not _leaks(response.text)
    await webhook.shutdown()
    assert [c for c in fake_api.calls if c.method != "getMe"] == []  # the fake refused every call (401)
    refusals = [r for r in caplog.records if "TELEGRAM_BOT_TOKEN" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.ERROR  # said once, as a configuration error

    # the monitor: a message for a Telegram chat, sent with the wrong token
    database = runtime.ensure_database()
    with database.session() as session:
        outbox.enqueue(session, "leak:1", platform="telegram", channel="-100500", text="re-check: nothing new")
        session.commit()
    monitor.register_deliverer(TelegramDeliverer.from_settings(wrong_token))
    assert await monitor.send_outbox() == 0
    assert "telegram" not in monitor.deliverers()  # this process stopped sending there ...
    assert await monitor.send_outbox() == 0  # ... so the next tick does not try (and log) again
    with database.session() as session:
        row = session.get(Outbox, 1)
        assert row is not None and row.status == outbox.PENDING  # kept for a process with a working token
        assert row.last_error and "TELEGRAM_BOT_TOKEN" in row.last_error
    stopped = [r for r in caplog.records if r.name.startswith("bot.monitor") and r.levelno >= logging.ERROR]
    assert len(stopped) == 1

    assert _leaks(_database_text(runtime)) == []
    assert _leaks(caplog.text) == []
    assert all(not _leaks(r.getMessage()) and not _leaks(r.exc_text or "") for r in caplog.records)
    out, err = capfd.readouterr()
    assert _leaks(out + err) == []


def test_exception_text_and_tracebacks_are_redacted_on_any_handler() -> None:
    """uvicorn configures its own loggers and handlers (no filter of ours on them): a traceback whose
    exception names the token is still written without it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"The token `{WRONG}` was rejected by the server.")
        except RuntimeError:
            uvicorn_error.exception("Exception in ASGI application")
        uvicorn_error.error("request to %s failed: %s", f"https://api.telegram.org/bot{WRONG}/getMe",
                            ValueError(WRONG))
        stack = logging.getLogger("telegram.ext")
        stack.addHandler(handler)
        stack.warning("with stack", stack_info=True, extra={"token": WRONG})
        stack.removeHandler(handler)
    finally:
        uvicorn_error.removeHandler(handler)
    written = stream.getvalue()
    assert "Traceback" in written and "RuntimeError" in written and "[redacted]" in written
    assert _leaks(written) == []
