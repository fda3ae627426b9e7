"""The rest of the Slack surface end to end: the shortcut, history, App Home, language, rate
limits, a bot not in the channel, and a listener that fails."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.app.types import Actor
from tests.bot.slack.blockkit import validate_blocks, validate_view
from tests.bot.slack.conftest import MANAGER, OTHER_SALES, SALES, TEAM, SlackHarness
from tests.runtimes import MakeRuntime

INQUIRY = """Dear Sir,
We are interested in 2 containers of your PVC resin, please send CIF Jebel Ali price.

Best regards,
Ahmed Karim
Purchasing Manager
Al Noor Building Materials Trading LLC
Tel: +971 4 123 4567
<mailto:ahmed@alnoor-bm.ae|ahmed@alnoor-bm.ae> | <http://www.alnoor-bm.ae|www.alnoor-bm.ae>
Dubai, UAE"""


def _shortcut(slack: SlackHarness, text: str, *, user: str = SALES, thread_ts: str | None = None) -> dict[str, Any]:
    message = {"type": "message", "user": "UBUYERPASTE", "ts": "1699999999.000100", "text": text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "message_action", "callback_id": "check_sender", "trigger_id": slack.trigger(),
        "team": {"id": TEAM, "domain": "fake"}, "user": {"id": user, "name": user.lower(), "team_id": TEAM},
        "channel": {"id": "C2", "name": "leads"}, "message_ts": message["ts"], "message": message,
        "response_url": slack.fake.response_url(f"sc-{user}"), "token": "legacy", "action_ts": "1.2",
    }


async def test_check_this_sender_on_a_pasted_inquiry_posts_in_its_thread(slack: SlackHarness) -> None:
    response = await slack.interact(_shortcut(slack, INQUIRY, thread_ts="1699999990.000001"))
    assert response.status_code == 200
    said = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if c.method == "response:sc-USALES"])
    text = said[0].params["text"]
    assert "ahmed@alnoor-bm.ae" in text and "alnoor-bm.ae" in text
    post = await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.postMessage") if c.params.get("blocks")])
    assert post[0].params["channel"] == "C2" and post[0].params["thread_ts"] == "1699999990.000001"
    validate_blocks(post[0].params["blocks"])
    await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.update") if "⏳" not in c.params["blocks"][0]["text"]["text"]])


async def test_shortcut_on_an_empty_message_explains(slack: SlackHarness) -> None:
    await slack.interact(_shortcut(slack, ""))
    said = await slack.fake.wait_for(lambda: slack.fake.responses)
    assert "no text" in said[0].params["text"]
    assert not slack.fake.of("chat.postMessage")


async def test_history_lists_earlier_checks(slack: SlackHarness) -> None:
    await slack.run_check("Nordic Timber AB email=ops@nordictimber.example country=SE")
    response = await slack.command("history Nordic Timber")
    assert response.status_code == 200
    said = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if c.method == "response:cmd-USALES"])
    assert "Nordic Timber AB" in said[-1].params["text"] and said[-1].params["response_type"] == "ephemeral"
    await slack.command("history")
    usage = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if c.method == "response:cmd-USALES"][1:])
    assert "history ACME" in usage[-1].params["text"]


async def test_app_home_shows_open_cases_and_manager_approvals(slack: SlackHarness) -> None:
    card = await slack.run_check("Pacific Rim Traders Pte Ltd email=buy@pacificrim.example country=SG")
    case_id = int(slack.buttons(card["blocks"])["recheck"]["value"].split("|")[0])
    result = await slack.runtime.cases.perform_action("request_approval", case_id, Actor("slack", SALES, "Zhang Wei", TEAM),
                                                      reason="first order, 40 ft container")
    assert result.ok, result.message
    await slack.event({"type": "app_home_opened", "user": SALES, "channel": "D1", "tab": "home"}, event_id="EvHome1")
    published = await slack.fake.wait_for(lambda: slack.fake.of("views.publish"))
    view = published[-1].params["view"]
    validate_view(view)
    text = json.dumps(view, ensure_ascii=False)
    assert f"#{case_id}" in text and "Pacific Rim Traders" in text and "Waiting for your approval" not in text
    await slack.event({"type": "app_home_opened", "user": MANAGER, "channel": "D2", "tab": "home"}, event_id="EvHome2")
    published = await slack.fake.wait_for(lambda: slack.fake.of("views.publish")[1:])
    manager_view = json.dumps(published[-1].params["view"], ensure_ascii=False)
    assert "Waiting for your approval" in manager_view and f"#{case_id}" in manager_view
    # the same event delivered again (a Slack retry) is acknowledged and not handled twice
    again = await slack.event({"type": "app_home_opened", "user": MANAGER, "channel": "D2", "tab": "home"}, event_id="EvHome2",
                              headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    assert again.status_code == 200
    await slack.settled()
    assert len(slack.fake.of("views.publish")) == 2


async def test_language_from_slack_locale_and_the_home_choice(slack: SlackHarness) -> None:
    response = await slack.command("Shanghai Bright Chemicals Co Ltd", user=OTHER_SALES)  # users.info says zh-CN
    assert "正在检查" in response.json()["text"]
    await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.update") if "⏳" not in c.params["blocks"][0]["text"]["text"]])
    final = slack.fake.of("chat.update")[-1].params
    assert "身份" in json.dumps(final["blocks"], ensure_ascii=False)
    # the person picks English in App Home: that choice wins over the Slack locale
    payload = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": OTHER_SALES, "name": "chen", "team_id": TEAM},
        "trigger_id": slack.trigger(), "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{"type": "static_select", "action_id": "tc_lang", "block_id": "tc_lang_block",
                     "selected_option": {"text": {"type": "plain_text", "text": "English"}, "value": "en"}}],
    }
    await slack.interact(payload)
    await slack.fake.wait_for(lambda: slack.fake.of("views.publish"))
    assert await slack.runtime.chat.get_user_lang(Actor("slack", OTHER_SALES, workspace=TEAM)) == "en"
    response = await slack.command("Shanghai Bright Chemicals Co Ltd", user=OTHER_SALES)
    assert "Checking" in response.json()["text"]


async def test_rate_limited_web_api_is_retried_after_retry_after(slack: SlackHarness) -> None:
    slack.fake.rate_limit["chat.postMessage"] = 2
    slack.fake.retry_after = "1"
    await slack.command("Retry After Trading LLC")
    posts = await slack.fake.wait_for(lambda: slack.fake.of("chat.postMessage"), timeout=15)
    limited = slack.fake.of("chat.postMessage#429")
    assert len(limited) == 2
    assert limited[1].at - limited[0].at >= 0.9 and posts[0].at - limited[1].at >= 0.9  # waited as told
    assert posts[0].params["blocks"]
    await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.update") if "⏳" not in c.params["blocks"][0]["text"]["text"]])


async def test_not_in_channel_sends_the_card_to_the_user_directly(slack: SlackHarness) -> None:
    slack.fake.errors[("chat.postMessage", "GPRIVATE")] = "not_in_channel"
    await slack.command("Private Channel Trading LLC", channel="GPRIVATE")
    post = await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.postMessage") if c.params["channel"] == SALES])
    assert post[0].params["blocks"]
    said = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if "/invite" in c.params.get("text", "")])
    assert said
    updates = await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.update") if "⏳" not in c.params["blocks"][0]["text"]["text"]])
    assert updates[-1].params["channel"] == "D" + SALES[1:]


async def test_a_failing_listener_is_logged_with_the_request_id_and_apologises(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database exploded")

    from bot.app.cases import CaseService

    monkeypatch.setattr(CaseService, "perform_action", broken)
    card = await slack.run_check("Broken Flow Trading LLC")
    button = slack.buttons(card["blocks"])["schedule_recheck"]
    payload = slack.button(button, SALES, card["channel"], card["ts"])
    await slack.interact(payload)
    said = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if "Sorry" in c.params.get("text", "")])
    assert said[-1].params["response_type"] == "ephemeral"
    ref = said[-1].params["text"].split("ref ")[1].split(")")[0]
    failures = [r for r in caplog.records if "slack listener failed" in r.getMessage()]
    assert failures and ref in failures[-1].getMessage() and payload["trigger_id"] in failures[-1].getMessage()


async def test_socket_mode_serves_check_without_a_public_url(
    slack_env: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch, runtime_factory: MakeRuntime
) -> None:
    """`tradecheck serve --socket`: Slack's envelopes over a WebSocket, Web API calls to SLACK_API_URL."""
    from argparse import Namespace

    from bot.app.services import RuntimeServices
    from bot.server import _serve
    from bot.settings import reload_settings
    from tests.bot.slack.conftest import free_port

    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    reload_settings()
    args = Namespace(socket=True, telegram_polling=False, feishu_ws=False, host="127.0.0.1", port=free_port(), log_level="warning")
    runtime = runtime_factory()  # the process's runtime, as `serve_main` builds it
    task = asyncio.create_task(_serve(args, runtime.settings, services=RuntimeServices(runtime)))
    try:
        await fake_slack.wait_for(lambda: fake_slack.sockets, timeout=20)
        assert fake_slack.of("apps.connections.open")[0].token == "xapp-test"
        await fake_slack.send_envelope({
            "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
            "payload": {"team_id": TEAM, "channel_id": "C9", "user_id": SALES, "user_name": "zhang", "command": "/check",
                        "text": "Socket Mode Trading LLC", "trigger_id": "sock.1", "response_url": fake_slack.response_url("sock")},
        })
        reply = await fake_slack.wait_for(lambda: [r for r in fake_slack.socket_replies if r.get("envelope_id") == "env-1"])
        assert "Socket Mode Trading LLC" in reply[0]["payload"]["text"]
        post = await fake_slack.wait_for(lambda: [c for c in fake_slack.of("chat.postMessage") if c.params.get("channel") == "C9"])
        assert post[0].token == "xoxb-test-token"
        validate_blocks(post[0].params["blocks"])
    finally:
        task.cancel()
        with pytest.raises((asyncio.CancelledError, Exception)):
            await task
