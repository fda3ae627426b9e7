"""A Feishu `/check` whose process died is finished by a survivor, once (bot/app/checkjobs.py).

The death is simulated where it matters — in the database: an event id claimed and never recorded
(the process died before Feishu got its answer), or a check job whose placeholder card is posted and
whose lease ran out (the process died mid-check: the card says "checking…"). Then Feishu's retry of
the same event reaches the surviving server, or nobody retries and the survivor's resumer (started
with the server's lifespan, as in `tradecheck serve`) finds the job. Each ends with exactly one
card, finished, on the fake Feishu API.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from bot.app import Runtime, checkjobs
from bot.app.driver import CheckCommand
from bot.app.driver import pending_card as placeholder
from bot.app.types import Actor, Conversation
from bot.feishu.api import FeishuApi
from bot.render.feishu import render_card
from storage import chatstate
from storage import jobs as jobstore
from storage.models import Job, ProcessedDelivery, utcnow
from tests.runtimes import MakeRuntime

from .conftest import SALES, Harness, engine, text_of
from .fake_feishu import TENANT, message_event, signed_post


def _expire(runtime: Runtime, model: Any, **where: Any) -> None:
    """Time passes: the lease of a process that died runs out."""
    with runtime.ensure_database().session() as session:
        condition = [getattr(model, k) == v for k, v in where.items()]
        session.execute(update(model).where(*condition).values(lease_until=utcnow() - timedelta(seconds=1)))
        session.commit()


def _job(runtime: Runtime, job_id: int) -> Job | None:
    with runtime.ensure_database().session() as session:
        return session.get(Job, job_id)


def _done(runtime: Runtime, job_id: int) -> bool:
    job = _job(runtime, job_id)
    return job is not None and job.status == "done"


def _finished(fake: Any, card_id: str) -> dict[str, Any] | None:
    card = fake.cards.get(card_id)
    return card if card and card["header"]["template"] != "blue" and "Case #" in text_of(card) else None


def _card_replies(fake: Any) -> list[Any]:
    return [c for c in fake.of("reply") if c.body.get("msg_type") == "interactive"
            and json.loads(c.body["content"]).get("header")]


async def _dead_process_posts_placeholder(harness: Harness, payload: dict[str, Any]) -> tuple[str, int]:
    """What a process does before it is killed mid-check: claim, record the job, post the card."""
    runtime, bot = harness.runtime, harness.bot
    key = f"event:{payload['header']['event_id']}"
    message = payload["event"]["message"]
    claim = checkjobs.claim_delivery(runtime.ensure_database, "feishu", key)
    assert claim.state == chatstate.CLAIMED
    request = runtime.checking.parse_now(json.loads(message["content"])["text"].removeprefix("/check "), "en")
    actor = Actor(platform="feishu", user_id=SALES, name="Li Wei", workspace=TENANT)
    where = Conversation("feishu", TENANT, message["chat_id"], thread=message["message_id"])
    job = await bot.jobs.record(key, claim.owner, CheckCommand(actor, request, where, "en"))
    assert job is not None and job.kind == "feishu_check"
    card = placeholder(request, engine(runtime), "en", runtime.card_settings)
    card_id = await FeishuApi(bot.settings).send_card(where.channel, render_card(card), reply_to=where.thread)
    assert jobstore.set_payload(runtime.ensure_database(), job,
                                {**job.payload, "card": {"channel": where.channel, "ts": card_id}})
    _expire(runtime, Job, id=job.id)
    return card_id, job.id


async def test_a_retry_finishes_the_stuck_card_of_a_process_that_died_mid_check(harness: Harness) -> None:
    payload = message_event("/check Died Mid Check LLC email=ops@diedmidcheck.example country=DE", user=SALES)
    card_id, job_id = await _dead_process_posts_placeholder(harness, payload)
    assert (await harness.post(payload)).status_code == 200  # Feishu's retry: the same event id
    await harness.bot.drain()
    finished = _finished(harness.fake, card_id)
    assert finished is not None and "Died Mid Check LLC" in text_of(finished)
    assert len(_card_replies(harness.fake)) == 1, "the stuck card was finished, not a second one posted"
    job = _job(harness.runtime, job_id)
    assert job is not None and job.status == "done" and job.attempts == 2  # the dead owner's claim, then the retry's

    assert (await harness.post(payload)).status_code == 200  # one more retry: nothing left to do
    await harness.bot.drain()
    again = _job(harness.runtime, job_id)
    assert len(_card_replies(harness.fake)) == 1 and again is not None and again.attempts == 2


async def test_without_a_retry_the_servers_resumer_finishes_the_stuck_card(harness: Harness) -> None:
    payload = message_event("/check Nobody Retried LLC email=ops@nobodyretried.example country=FR", user=SALES)
    card_id, job_id = await _dead_process_posts_placeholder(harness, payload)
    async with harness.app.router.lifespan_context(harness.app):  # the server runs: its resumer with it
        finished = await harness.fake.wait_for(lambda: _finished(harness.fake, card_id))
        await harness.fake.wait_for(lambda: _done(harness.runtime, job_id))
    assert "Nobody Retried LLC" in text_of(finished)
    assert len(_card_replies(harness.fake)) == 1


async def test_a_retry_takes_over_an_event_whose_process_died_before_answering(harness: Harness) -> None:
    payload = message_event("/check Lost Before Answer LLC email=ops@lostbeforeanswer.example country=AE", user=SALES)
    key = f"event:{payload['header']['event_id']}"
    assert checkjobs.claim_delivery(harness.runtime.ensure_database, "feishu", key).state == chatstate.CLAIMED
    _expire(harness.runtime, ProcessedDelivery, key=key)  # it died holding the claim: nothing was recorded
    body, headers = signed_post(payload, nonce="retry-nonce")
    assert (await harness.http.post("/feishu/events", content=body, headers=headers)).status_code == 200
    await harness.bot.drain()
    replies = _card_replies(harness.fake)
    assert len(replies) == 1, "handled, not dropped as a duplicate"
    finished = _finished(harness.fake, replies[0].message_id or "")
    assert finished is not None and "Lost Before Answer LLC" in text_of(finished)


async def test_a_retry_while_the_first_is_alive_is_not_a_second_check(harness: Harness) -> None:
    """A live owner keeps its job: the retry neither checks again nor takes the job over."""
    payload = message_event("/check Alive And Slow LLC email=ops@aliveandslow.example country=AE", user=SALES)
    assert (await harness.post(payload)).status_code == 200  # recorded and running in the background
    assert (await harness.post(payload)).status_code == 200  # the retry arrives while it runs
    await harness.bot.drain()
    replies = _card_replies(harness.fake)
    assert len(replies) == 1 and _finished(harness.fake, replies[0].message_id or "") is not None
    job = _job(harness.runtime, 1)
    assert job is not None and job.status == "done" and job.attempts == 1 and job.kind == "feishu_check"
    assert _job(harness.runtime, 2) is None


async def test_the_other_server_on_the_same_database_finishes_a_dead_servers_check(
        harness: Harness, runtime_factory: MakeRuntime) -> None:
    """Server one died mid-check; Feishu's retry reaches server two (its own runtime, the same database)."""
    from bot.app.services import RuntimeServices
    from bot.feishu.handlers import FeishuBot
    from bot.server import create_app

    payload = message_event("/check Other Server LLC email=ops@otherserver.example country=DE", user=SALES)
    card_id, job_id = await _dead_process_posts_placeholder(harness, payload)
    other_runtime = runtime_factory()
    other_services = RuntimeServices(other_runtime)
    other_bot = FeishuBot(FeishuApi(harness.bot.settings), harness.bot.settings, other_services,
                          engine=engine(other_runtime), progress_interval=0.05)
    other = create_app(other_runtime.settings, mount_slack=False, mount_telegram=False, feishu_bot=other_bot,
                       services=other_services)
    body, headers = signed_post(payload, nonce="retry-nonce")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://feishu2.test") as http2:
        assert (await http2.post("/feishu/events", content=body, headers=headers)).status_code == 200
    await other_bot.drain()
    finished = _finished(harness.fake, card_id)
    assert finished is not None and "Other Server LLC" in text_of(finished)
    assert len(_card_replies(harness.fake)) == 1
    assert _done(harness.runtime, job_id)
