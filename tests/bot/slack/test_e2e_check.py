"""/check end to end: signed requests in, what reached the (fake) Slack Web API out."""

from __future__ import annotations

import time

from tests.bot.slack.blockkit import validate_blocks
from tests.bot.slack.conftest import SlackHarness, make_engine, sign


def _card_calls(slack: SlackHarness, channel: str = "C1") -> tuple[list, list]:
    posts = [c for c in slack.fake.of("chat.postMessage") if c.params.get("blocks")]
    updates = slack.fake.of("chat.update")
    return posts, updates


def _finished(slack: SlackHarness) -> bool:
    return any("Still running" not in str(c.params.get("blocks")) and "⏳" not in str(c.params["blocks"][0])
               for c in slack.fake.of("chat.update"))


async def test_check_acks_at_once_then_posts_and_updates_the_card(slack: SlackHarness) -> None:
    response = await slack.command("ACME Trading LLC email=j@acme.ae site=acme.ae country=AE")
    assert response.status_code == 200
    # the ack came before the check finished, not after it (how fast: benchmarks/slack_load.py, ack p50/p99)
    assert not _finished(slack)
    ack = response.json()
    assert ack["response_type"] == "ephemeral"
    assert "Checking *ACME Trading LLC*" in ack["text"] and "j@acme.ae" in ack["text"] and "acme.ae" in ack["text"]
    # the check keeps running after the ack: the card is posted, then edited as sources finish
    post = await slack.fake.wait_for(lambda: slack.fake.of("chat.postMessage"))
    assert post[0].params["channel"] == "C1"
    validate_blocks(post[0].params["blocks"])
    assert post[0].params["blocks"][0]["text"]["text"].startswith("⏳")
    await slack.fake.wait_for(lambda: _finished(slack))
    updates = slack.fake.of("chat.update")
    assert {(u.params["channel"], u.params["ts"]) for u in updates} == {("C1", "1700000000.000001")}  # the posted card
    assert len(updates) >= 2, "a progress update, then the finished card"
    assert any("Still running" in str(u.params["blocks"]) for u in updates[:-1])
    final = updates[-1].params
    validate_blocks(final["blocks"])
    assert "slow_registry" in str(final["blocks"]) and "⏳" not in final["blocks"][0]["text"]["text"]
    # coalesced: never more edits than sources finishing, plus the final one
    assert len(updates) <= len(make_engine(slack.runtime).sources) + 1


async def test_help_and_parse_errors_are_ephemeral(slack: SlackHarness) -> None:
    response = await slack.command("help")
    assert response.json()["response_type"] == "ephemeral" and "/check ACME Trading LLC" in response.json()["text"]
    response = await slack.command("")
    assert "/check history ACME" in response.json()["text"]
    response = await slack.command("https://acme.ae")
    body = response.json()
    assert body["response_type"] == "ephemeral" and "Example" in body["text"]
    await slack.settled()
    assert not slack.fake.of("chat.postMessage")


async def test_forged_or_expired_signature_is_refused(slack: SlackHarness) -> None:
    body = slack.command_body("ACME Trading LLC")
    forged = await slack.post(body, "application/x-www-form-urlencoded", signature=sign(body, secret="not-the-secret"))
    assert forged.status_code == 401
    expired = await slack.post(body, "application/x-www-form-urlencoded", signature=sign(body, timestamp=int(time.time()) - 600))
    assert expired.status_code == 401
    tampered = await slack.post(body + "&text=evil", "application/x-www-form-urlencoded", signature=sign(body))
    assert tampered.status_code == 401
    missing = await slack.post(body, "application/x-www-form-urlencoded", signature={})
    assert missing.status_code == 401
    await slack.settled()  # (a refused request starts no listener at all)
    assert not slack.fake.of("chat.postMessage")


async def test_a_retry_does_not_start_a_second_check(slack: SlackHarness) -> None:
    trigger = slack.trigger()
    first = await slack.command("Retry Trading LLC", trigger=trigger)
    assert first.status_code == 200
    retry = await slack.command("Retry Trading LLC", trigger=trigger,
                                headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    await slack.fake.wait_for(lambda: _finished(slack))
    await slack.settled()
    assert len([c for c in slack.fake.of("chat.postMessage") if c.params.get("blocks")]) == 1


async def test_a_name_with_channel_ping_and_bold_is_harmless(slack: SlackHarness) -> None:
    # Slack escapes what the user typed (`<` arrives as `&lt;`); the name must survive, inert
    response = await slack.command('"&lt;!channel&gt; *bold* &amp; Trading" email=x@evil.example')
    ack = response.json()["text"]
    assert "<!channel>" not in ack and "&lt;!channel&gt; ∗bold∗ &amp; Trading" in ack
    await slack.fake.wait_for(lambda: _finished(slack))
    final = slack.fake.of("chat.update")[-1].params
    assert final["blocks"][0]["text"]["type"] == "plain_text"  # the header is the decision
    buyer = next(b for b in final["blocks"] if b["type"] == "section" and "Trading" in b["text"]["text"])
    assert "&lt;!channel&gt; ∗bold∗ &amp; Trading" in buyer["text"]["text"]  # the buyer line, inert
    assert "&lt;!channel&gt; ∗bold∗ &amp; Trading" in final["text"]
    for call in [*slack.fake.of("chat.postMessage"), *slack.fake.of("chat.update")]:
        validate_blocks(call.params["blocks"])  # asserts no <!…>, <@…>, <#…> in any mrkdwn text
        assert "<!channel>" not in str(call.params), call.params
        assert "*bold*" not in call.params["text"]
