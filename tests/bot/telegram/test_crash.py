"""A Telegram `/check` is a durable job (bot/app/checkjobs.py): a process dying mid-check loses nothing.

The death is simulated in the database: a check job whose "⏳ Checking…" message is posted and whose
lease ran out. When the surviving server's Application starts, its resumer finishes that message
into the card, replying to the same command; no second message is posted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from bot.app import checkjobs
from bot.telegram.handlers import TelegramCheckSpec
from storage.models import Job, utcnow

from .conftest import SALES, Harness
from .fakeapi import BOT_ID, TOKEN


def _job(harness: Harness, job_id: int) -> Job | None:
    with harness.runtime.ensure_database().session() as session:
        return session.get(Job, job_id)


def _done(harness: Harness, job_id: int) -> Job | None:
    job = _job(harness, job_id)
    return job if job is not None and job.status == "done" else None


async def test_the_resumer_finishes_the_check_of_a_process_that_died(harness: Harness) -> None:
    runtime, api = harness.runtime, harness.api
    text = "Died Mid Check LLC email=ops@diedmidcheck.example country=DE"
    command = harness.updates.message(SALES, harness.updates.user(SALES, "User 111"), f"/check {text}")
    command_id = command["message"]["message_id"]
    async with httpx.AsyncClient() as http:  # what the dead process posted before it was killed
        posted = (await http.post(f"{api.url}{TOKEN}/sendMessage", json={
            "chat_id": SALES, "text": "⏳ Checking Died Mid Check LLC…",
            "reply_parameters": {"message_id": command_id}})).json()["result"]
    request = runtime.checking.parse_now(text, "en")
    spec = TelegramCheckSpec(
        request=request.model_dump(mode="json"), lang="en", channel=str(SALES), reply_to=command_id,
        actor={"platform": "telegram", "user_id": str(SALES), "name": "User 111", "workspace": str(BOT_ID)},
        card=checkjobs.CardAt(channel=str(SALES), ts=str(posted["message_id"])))
    job = checkjobs.record(runtime.ensure_database, "telegram", f"{BOT_ID}:{command['update_id']}", None, spec)
    assert job is not None and job.kind == "telegram_check"
    with runtime.ensure_database().session() as session:  # time passes: the dead owner's lease runs out
        session.execute(update(Job).where(Job.id == job.id).values(lease_until=utcnow() - timedelta(seconds=1)))
        session.commit()
    sends_before = len(api.of("sendMessage"))

    await harness.webhook.startup()  # the surviving server's Application, and its resumer, start
    card: dict[str, Any] = await api.wait_for(
        lambda a: (m := a.messages[(SALES, posted["message_id"])]).get("reply_markup") and m, timeout=90)
    assert "Died Mid Check LLC" in card["text"] and "Case #" in card["text"]
    done = await api.wait_for(lambda a: _done(harness, job.id))
    assert done.attempts == 2  # the dead owner's, then the resumer's
    assert len(api.of("sendMessage")) == sends_before, "the stuck message was finished, not a second one sent"


async def test_a_check_is_recorded_as_a_job_and_completed(harness: Harness) -> None:
    card = await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme-trading.ae country=AE")
    assert card["reply_markup"]
    job = await harness.api.wait_for(lambda a: _done(harness, 1))
    assert job.kind == "telegram_check" and job.attempts == 1
    assert job.payload["reply_to"] and job.payload["card"]["ts"] == str(card["message_id"])
