"""Slack re-delivering a button press or a modal submission (same trigger id, `X-Slack-Retry-Num`)
does not decide twice: the re-delivery is acknowledged and dropped, one decision, one announcement,
one audit event — also when it reaches the other server."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlmodel import col, select

from bot.app import Runtime
from storage.models import AuditEvent
from tests.bot.slack.conftest import MANAGER, SlackHarness, start_app
from tests.bot.slack.fake_slack import FakeSlack
from tests.bot.slack.test_e2e_decisions import _pending_card, _submit_modal
from tests.runtimes import MakeRuntime

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def _decided(runtime: Runtime, action: str) -> list[str]:
    with runtime.ensure_database().session() as session:
        return list(session.exec(select(AuditEvent.action).where(col(AuditEvent.action) == action)).all())


def _announced(slack: SlackHarness, card: dict[str, Any], words: str) -> list[Any]:
    return [c for c in slack.fake.of("chat.postMessage")
            if c.params.get("thread_ts") == card["ts"] and words in c.params.get("text", "")]


def _dropped(caplog: pytest.LogCaptureFixture, trigger: str) -> bool:
    return any("duplicate delivery" in r.getMessage() and trigger in r.getMessage() for r in caplog.records)


async def test_a_redelivered_approve_press_decides_once(slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    """A high case: Approve opens the reason dialog. The re-delivered press opens no second dialog; the
    one submitted reason decides once."""
    caplog.set_level(logging.INFO)
    pending = await _pending_card(slack)
    opened = len(slack.fake.of("views.open"))
    press = slack.button(slack.buttons(pending["blocks"])["approve"], MANAGER, pending["channel"], pending["ts"])
    first = await slack.interact(press)
    again = await slack.interact(press, headers=RETRY)
    assert first.status_code == again.status_code == 200
    assert _dropped(caplog, press["trigger_id"])  # the re-delivery was recognised, not handled
    view = await _submit_modal(slack, MANAGER, "LC at sight agreed", opened)
    assert json.loads(view["private_metadata"])["k"] == "approve"
    assert len(slack.fake.of("views.open")) == opened + 1  # one dialog for the press and its re-delivery
    await slack.fake.wait_for(lambda: _announced(slack, pending, "Li Na (manager)"))
    assert len(_announced(slack, pending, "Li Na (manager)")) == 1
    assert _decided(slack.runtime, "approved") == ["approved"]
    assert not [c for c in slack.fake.responses if c.method == f"response:btn-{MANAGER}"]  # no "not pending" either


async def test_a_redelivered_modal_submission_to_the_other_server_rejects_once(
        slack_env: Any, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, runtime_factory: MakeRuntime) -> None:
    import httpx

    caplog.set_level(logging.INFO)
    first_url, first, first_task, first_runtime = await start_app(fake_slack, runtime_factory)
    second_url, second, second_task, second_runtime = await start_app(fake_slack, runtime_factory)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            a = SlackHarness(url=first_url, fake=fake_slack, http=http, server_runtime=first_runtime)
            b = SlackHarness(url=second_url, fake=fake_slack, http=http, server_runtime=second_runtime)
            pending = await _pending_card(a)
            opened = len(fake_slack.of("views.open"))  # the request's modal is there already: wait for a new one
            await a.interact(a.button(a.buttons(pending["blocks"])["reject"], MANAGER, pending["channel"], pending["ts"]))
            view = (await fake_slack.wait_for(lambda: fake_slack.of("views.open")[opened:]))[-1].params["view"]
            submission = a.view_submission(view, MANAGER, "Registry shows another owner")
            assert (await a.interact(submission)).status_code == 200
            assert (await b.interact(submission, headers=RETRY)).status_code == 200
            assert _dropped(caplog, submission["trigger_id"])
            await fake_slack.wait_for(lambda: _announced(a, pending, "Registry shows another owner"))
            assert len(_announced(a, pending, "Registry shows another owner")) == 1
            assert _decided(a.runtime, "rejected") == ["rejected"]
            rejected = [c for c in fake_slack.of("chat.update") if "rejected by Li Na" in json.dumps(c.params["blocks"])]
            assert len(rejected) == 1
    finally:
        for server, task in ((first, first_task), (second, second_task)):
            server.should_exit = True
            await task
