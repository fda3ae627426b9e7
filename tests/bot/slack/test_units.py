"""Small pieces of the Slack adapter: incoming text, the deliverer, the server's routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.app.services import RuntimeServices
from bot.app.types import Conversation
from bot.card import Card
from bot.delivery import Deliverer, DeliveryFailed
from bot.server import create_app, serve_main
from bot.settings import BotSettings
from bot.slack.app import delivery_key
from bot.slack.client import api_url, make_client
from bot.slack.deliver import SlackDeliverer
from bot.slack.text import slack_to_plain
from tests import databases
from tests.bot.slack.blockkit import validate_blocks
from tests.bot.slack.fake_slack import FakeSlack
from tests.runtimes import MakeRuntime


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """BotSettings() here must see only what the test gives it, not the developer's environment or .env."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_slack_markup_back_to_plain_text() -> None:
    assert slack_to_plain("ACME &amp; Sons &lt;Ltd&gt;") == "ACME & Sons <Ltd>"
    assert slack_to_plain("mail <mailto:j@acme.ae|j@acme.ae> site <http://acme.ae|acme.ae>") == "mail j@acme.ae site acme.ae"
    assert slack_to_plain("see <https://acme.ae/about>") == "see https://acme.ae/about"
    assert slack_to_plain("hi <!channel> and <@U123> in <#C1|general>") == "hi  and  in general"
    assert slack_to_plain("&amp;lt;") == "&lt;"  # unescaped once, as typed
    assert slack_to_plain(None) == ""


def test_delivery_key_is_the_event_id_or_the_trigger_id() -> None:
    assert delivery_key({"type": "event_callback", "event_id": "Ev1"}) == "event:Ev1"
    assert delivery_key({"command": "/check", "trigger_id": "t1"}) == "command:t1"
    assert delivery_key({"type": "block_actions", "trigger_id": "t2"}) == "block_actions:t2"
    assert delivery_key({"type": "url_verification"}) is None


def test_api_url_always_ends_with_a_slash() -> None:
    assert api_url(BotSettings(SLACK_API_URL="http://127.0.0.1:9/api")) == "http://127.0.0.1:9/api/"
    assert api_url(BotSettings()) == "https://slack.com/api/"
    client = make_client(BotSettings(SLACK_API_URL="https://slack-gov.com/api", SLACK_BOT_TOKEN="xoxb-1"))
    assert client.base_url == "https://slack-gov.com/api/" and client.token == "xoxb-1"
    assert any(type(h).__name__ == "AsyncRateLimitErrorRetryHandler" for h in client.retry_handlers)


@pytest.fixture
async def fake() -> Any:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.stop()


def _deliverer(fake: FakeSlack) -> SlackDeliverer:
    return SlackDeliverer(settings=BotSettings(SLACK_API_URL=fake.api_url, SLACK_BOT_TOKEN="xoxb-test"))


async def test_deliverer_posts_in_the_cards_thread(fake: FakeSlack) -> None:
    deliverer = _deliverer(fake)
    assert isinstance(deliverer, Deliverer)
    card = Card(lang="en", title="<!channel> ACME", badge="🟡 Risk: MEDIUM (40/100)")
    ts = await deliverer.deliver(Conversation("slack", "T1", "C1", thread=None, message="1700.1"), "Re-check done <!here>", card)
    assert ts
    call = fake.of("chat.postMessage")[-1]
    assert call.params["thread_ts"] == "1700.1" and call.params["channel"] == "C1"
    validate_blocks(call.params["blocks"])
    assert "<!here>" not in call.params["text"] and "<!channel>" not in str(call.params)
    await deliverer.deliver(Conversation("slack", "T1", "C1", thread="1699.9", message="1700.1"), "Reminder: re-check due")
    assert fake.of("chat.postMessage")[-1].params["thread_ts"] == "1699.9"


async def test_deliverer_sorts_failures_into_permanent_and_later(fake: FakeSlack) -> None:
    deliverer = _deliverer(fake)
    fake.errors[("chat.postMessage", "CGONE")] = "channel_not_found"
    with pytest.raises(DeliveryFailed) as gone:
        await deliverer.deliver(Conversation("slack", "T1", "CGONE", message="1.1"), "x")
    assert gone.value.permanent
    fake.errors[("chat.postMessage", "CBUSY")] = "fatal_error"
    with pytest.raises(DeliveryFailed) as busy:
        await deliverer.deliver(Conversation("slack", "T1", "CBUSY", message="1.1"), "x")
    assert not busy.value.permanent
    fake.rate_limit["chat.postMessage"] = 1
    with pytest.raises(DeliveryFailed) as limited:
        await deliverer.deliver(Conversation("slack", "T1", "C1", message="1.1"), "x")
    assert limited.value.retry_after == 0 and not limited.value.permanent
    with pytest.raises(DeliveryFailed) as unset:
        SlackDeliverer.from_settings(BotSettings())
    assert unset.value.permanent
    dead = SlackDeliverer(settings=BotSettings(SLACK_API_URL="http://127.0.0.1:9/api/", SLACK_BOT_TOKEN="xoxb-test"))
    with pytest.raises(DeliveryFailed) as down:
        await dead.deliver(Conversation("slack", "T1", "C1"), "x")
    assert not down.value.permanent


async def test_server_routes_healthz_and_no_slack_without_secrets(runtime_factory: MakeRuntime) -> None:
    app = create_app(BotSettings(), mount_telegram=False, services=RuntimeServices(runtime_factory()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json() == {"ok": True, "slack": False, "telegram": False, "feishu": False}
        assert (await http.post("/slack/events", content=b"x")).status_code == 404  # never unsigned


async def test_server_mounts_slack_with_secrets(runtime_factory: MakeRuntime) -> None:
    settings = BotSettings(SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", SLACK_API_URL="http://127.0.0.1:9/api/")
    app = create_app(settings, mount_telegram=False, services=RuntimeServices(runtime_factory()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.get("/healthz")).json()["slack"] is True
        unsigned = await http.post("/slack/events", content=b"command=/check&text=x",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert unsigned.status_code == 401


def test_serve_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def fake_serve(args: Any, settings: Any, services: Any = None) -> int:
        seen.update(vars(args))
        return 0

    monkeypatch.setattr("bot.server._serve", fake_serve)
    assert serve_main(["--port", "3100", "--host", "127.0.0.1", "--socket"]) == 0
    assert seen["port"] == 3100 and seen["host"] == "127.0.0.1" and seen["socket"] and not seen["telegram_polling"]
    assert serve_main([]) == 0 and seen["port"] == 3000


async def test_socket_mode_needs_the_app_token(capsys: pytest.CaptureFixture[str], runtime_factory: MakeRuntime) -> None:
    from argparse import Namespace

    from bot.server import _serve

    code = await _serve(Namespace(socket=True, telegram_polling=False, host="127.0.0.1", port=0, log_level="warning"),
                        BotSettings(), services=RuntimeServices(runtime_factory()))
    assert code == 2 and "SLACK_APP_TOKEN" in capsys.readouterr().err


async def test_the_telegram_webhook_is_mounted_and_started_with_the_server(monkeypatch: pytest.MonkeyPatch,
                                                                           runtime_factory: MakeRuntime) -> None:
    """The Telegram module's routes join the one ASGI app and its lifespan runs with the server's."""
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    import bot.server as server

    events: list[str] = []

    class FakeTelegramModule:
        @staticmethod
        def telegram_routes(settings: BotSettings, services: Any) -> tuple[list[Route], Any]:
            """The real module's shape: the webhook route and the lifespan hook the server enters."""
            import contextlib

            @contextlib.asynccontextmanager
            async def lifespan(app: Any) -> Any:
                events.append("start")
                yield
                events.append("stop")

            return [Route("/telegram/webhook", lambda request: PlainTextResponse("tg"), methods=["POST"])], lifespan

    monkeypatch.setattr(server, "_telegram_module", lambda: FakeTelegramModule)
    app = create_app(BotSettings(), services=RuntimeServices(runtime_factory()))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            assert (await http.post("/telegram/webhook")).text == "tg"
            assert (await http.get("/healthz")).json()["telegram"] is True
        assert events == ["start"]
    assert events == ["start", "stop"]


async def test_serve_stops_at_once_when_the_database_is_not_usable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], runtime_factory: MakeRuntime
) -> None:
    from argparse import Namespace

    from bot.server import _serve

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://tradecheck@127.0.0.1:1/tradecheck")
    from bot.settings import reload_settings

    reload_settings()
    databases.reset()
    try:
        runtime = runtime_factory()  # over the unusable database, as `serve` would build it
        code = await _serve(Namespace(socket=False, telegram_polling=False, host="127.0.0.1", port=0, log_level="warning"),
                            runtime.settings, services=RuntimeServices(runtime))
    finally:
        reload_settings()
        databases.reset()
    assert code == 2 and "tradecheck serve:" in capsys.readouterr().err
