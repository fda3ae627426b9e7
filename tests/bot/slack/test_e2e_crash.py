"""A /check whose process died is finished by a survivor, once (issue 15, item 2), in-process.

The death is simulated where it matters — in the database: a delivery claimed and never recorded
(the process died before its ack), or a check job whose placeholder card is posted and whose lease
ran out (the process died mid-check: the card says "⏳ checking… 0 of N"). Then Slack's retry of
the same request reaches the surviving server, or nobody retries and the survivor's resumer finds
the job. Each ends with exactly one card, finished. The real multi-process run with SIGKILL is
`benchmarks/slack_crash.py`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import update

from bot.app import Runtime
from bot.app.driver import pending_card as placeholder
from bot.slack import checkjob
from bot.slack.client import make_client
from bot.slack.port import post_card
from storage import chatstate
from storage.models import Job, ProcessedDelivery, utcnow
from tests.bot.slack.conftest import SALES, TEAM, SlackHarness, make_engine

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def _cards(slack: SlackHarness, channel: str) -> list[Any]:
    return [c for c in slack.fake.of("chat.postMessage") if c.params.get("blocks") and c.params["channel"] == channel]


def _finished_on(slack: SlackHarness, channel: str, ts: str) -> list[Any]:
    return [c for c in slack.fake.of("chat.update") if c.params["channel"] == channel and c.params["ts"] == ts
            and c.params.get("blocks") and "⏳" not in c.params["blocks"][0]["text"]["text"]]


def _expire(runtime: Runtime, model: Any, **where: Any) -> None:
    """Time passes: the lease of a process that died runs out."""
    database = runtime.ensure_database()
    with database.session() as session:
        condition = [getattr(model, k) == v for k, v in where.items()]
        session.execute(update(model).where(*condition).values(lease_until=utcnow() - timedelta(seconds=1)))
        session.commit()


def _done_job(runtime: Runtime, job_id: int) -> Job | None:
    with runtime.ensure_database().session() as session:
        job = session.get(Job, job_id)
        return job if job is not None and job.status == "done" else None


def _dead_process_claims(runtime: Runtime, key: str) -> None:
    claim = checkjob.claim_delivery(runtime.ensure_database, key)
    assert claim.state == chatstate.CLAIMED
    _expire(runtime, ProcessedDelivery, key=key)


async def _dead_process_posts_placeholder(slack: SlackHarness, body: str) -> tuple[str, str]:
    """What a process does before it is killed mid-check: claim, record the job, post the ⏳ card."""
    runtime = slack.runtime  # the same database as the dead process's
    form = {k: v[0] for k, v in parse_qs(body).items()}
    key = f"command:{form['trigger_id']}"
    claim = checkjob.claim_delivery(runtime.ensure_database, key)
    request = runtime.checking.parse_now(form["text"], "en")
    spec = checkjob.CheckSpec(request=request.model_dump(mode="json"),
                              actor={"platform": "slack", "user_id": SALES, "name": "Zhang Wei", "workspace": TEAM},
                              channel=form["channel_id"], lang="en", response_url=form["response_url"])
    job = checkjob.record(runtime.ensure_database, key, claim.owner, spec)
    assert job is not None
    client = make_client(runtime.settings)
    card = placeholder(request, make_engine(runtime), "en", runtime.card_settings)
    posted = await post_card(client, form["channel_id"], card, thread_ts=None, user=SALES)
    from storage import jobs as jobstore

    assert jobstore.set_payload(runtime.ensure_database(), job, {**job.payload, "card": {"channel": posted.channel,
                                                                                       "ts": posted.ts}})
    _expire(runtime, Job, id=job.id)
    return posted.channel, posted.ts


async def test_a_retry_takes_over_a_delivery_whose_process_died_before_its_ack(slack: SlackHarness) -> None:
    body = slack.command_body("Lost Before Ack LLC email=ops@lostbeforeack.example country=AE", channel="C7")
    trigger = parse_qs(body)["trigger_id"][0]
    _dead_process_claims(slack.runtime, f"command:{trigger}")
    response = await slack.post(body, "application/x-www-form-urlencoded", headers=RETRY)
    assert response.status_code == 200
    assert "Lost Before Ack LLC" in response.json()["text"]  # handled, not dropped as a duplicate
    await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.update") if c.params["channel"] == "C7"
                                       and "⏳" not in c.params["blocks"][0]["text"]["text"]])
    assert len(_cards(slack, "C7")) == 1


async def test_a_retry_finishes_the_stuck_card_of_a_process_that_died_mid_check(slack: SlackHarness) -> None:
    body = slack.command_body("Died Mid Check LLC email=ops@diedmidcheck.example country=DE", channel="C8")
    channel, ts = await _dead_process_posts_placeholder(slack, body)
    response = await slack.post(body, "application/x-www-form-urlencoded", headers=RETRY)
    assert response.status_code == 200 and response.text == ""  # acknowledged as a duplicate ...
    finished = await slack.fake.wait_for(lambda: _finished_on(slack, channel, ts))  # ... and its card finished
    assert "Died Mid Check LLC" in finished[-1].params["text"]
    assert len(_cards(slack, "C8")) == 1, "the stuck card was finished, not a second one posted"
    job = await slack.fake.wait_for(lambda: _done_job(slack.runtime, 1))  # completed right after its last card edit
    assert job.attempts == 2  # the dead owner's claim, then the retry's


async def test_without_a_retry_the_survivors_resumer_finishes_the_stuck_card(slack: SlackHarness) -> None:
    body = slack.command_body("Nobody Retried LLC email=ops@nobodyretried.example country=FR", channel="C9")
    channel, ts = await _dead_process_posts_placeholder(slack, body)
    finished = await slack.fake.wait_for(lambda: _finished_on(slack, channel, ts))
    assert "Nobody Retried LLC" in finished[-1].params["text"]
    assert len(_cards(slack, "C9")) == 1


async def test_a_retry_while_the_first_delivery_is_alive_is_not_a_second_check(slack: SlackHarness) -> None:
    """A slow but live owner keeps its job: the retry neither checks again nor takes the job."""
    body = slack.command_body("Alive And Slow LLC email=ops@aliveandslow.example country=AE", channel="C6")
    first = await slack.post(body, "application/x-www-form-urlencoded")
    retry = await slack.post(body, "application/x-www-form-urlencoded", headers=RETRY)
    assert first.status_code == retry.status_code == 200 and retry.text == ""
    card = (await slack.fake.wait_for(lambda: _cards(slack, "C6")))[0]
    done = await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.update") if c.params["channel"] == "C6"
                                              and "⏳" not in c.params["blocks"][0]["text"]["text"]])
    assert len(_cards(slack, "C6")) == 1 and done[-1].params["ts"] is not None and card is not None
    job = await slack.fake.wait_for(lambda: _done_job(slack.runtime, 1))
    assert job.attempts == 1 and job.kind == checkjob.KIND
    with slack.runtime.ensure_database().session() as session:
        assert session.get(Job, 2) is None
