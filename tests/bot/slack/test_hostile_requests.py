"""Unsigned, badly signed and oversize requests to /slack/events are refused before any parsing:
401 or 413, nothing logged with a traceback, nothing reaching Slack (issue 15, item 6). Timing is
measured in benchmarks/slack_hostile.py, not asserted here."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import pytest

from tests.bot.slack.conftest import SlackHarness, sign

FORM = "application/x-www-form-urlencoded"


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()
            or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("body", ["payload=x", "payload=%7B%22type%22%3A", "command=%2Fcheck&text=ACME", ""])
async def test_unsigned_requests_are_401_without_a_traceback(slack: SlackHarness, caplog: pytest.LogCaptureFixture,
                                                              body: str) -> None:
    caplog.set_level(logging.INFO)
    response = await slack.post(body, FORM, signature={})
    assert response.status_code == 401
    assert _tracebacks(caplog) == []
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == []


@pytest.mark.parametrize("signature", [
    {"X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=abc"},
    {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
    sign("payload=x", timestamp=int(time.time()) - 3600),  # a replay an hour old
    sign("payload=y"),  # signed for another body
])
async def test_badly_signed_requests_are_401(slack: SlackHarness, caplog: pytest.LogCaptureFixture,
                                             signature: dict[str, str]) -> None:
    response = await slack.post("payload=x", FORM, signature=signature)
    assert response.status_code == 401
    assert _tracebacks(caplog) == []


async def test_a_body_over_the_limit_is_413_whether_it_says_so_or_not(slack: SlackHarness,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    big = "text=" + "A" * 2_000_000
    declared = await slack.post(big, FORM, signature={})
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked, read as a stream
        for _ in range(40):
            yield b"A" * 100_000

    streamed = await slack.http.post(slack.url + "/slack/events", content=chunks(),
                                     headers={"Content-Type": FORM, **sign("whatever")})
    assert streamed.status_code == 413
    signed_big = await slack.post(big, FORM)  # a valid signature does not make a huge body acceptable
    assert signed_big.status_code == 413
    assert _tracebacks(caplog) == []


async def test_a_signed_request_of_normal_size_still_works(slack: SlackHarness) -> None:
    response = await slack.command("help")
    assert response.status_code == 200 and "/check ACME Trading LLC" in response.json()["text"]
