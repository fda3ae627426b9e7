"""A /check is durable work, not a task in one process's memory.

Why: a process killed (deploy, OOM, SIGKILL) between acknowledging a /check and finishing its card
used to lose it — the delivery key said "handled", Slack's retry was dropped as a duplicate, and the
card stayed on "⏳ checking… 0 of N" for ever.

How:
- The delivery key is first *claimed* for a few seconds (`chatstate.claim_delivery`), not marked done.
- Before the ack, one transaction makes the claim final AND writes a `slack_check` job row holding
  everything the check needs (request, who, where), already leased to this process (`LEASE_SECONDS`,
  renewed while the check runs). Where the card is posted is saved into the job at once.
- If the process dies, the lease runs out; any process's resumer (`resume_due`, every few seconds
  in `tradecheck serve`) or Slack's retry of the same delivery claims the job and finishes it: it
  updates the card already posted (or posts it if none was), runs the check, finishes the card.

What is left (honest): the check may run twice (stored twice in the case's history) when a process
dies mid-check; and if a process dies in the milliseconds between Slack accepting the placeholder
and the job recording its `ts`, a second placeholder is posted next to the stuck one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from slack_sdk.web.async_client import AsyncWebClient

from checks.i18n import t
from checks.request import CheckRequest
from storage import chatstate
from storage import jobs as jobstore
from storage.db import Database

from ..app.driver import CheckCommand, Driver
from ..app.types import Actor, Conversation
from .port import SlackPort

if TYPE_CHECKING:
    from ..app.runtime import Runtime

log = logging.getLogger(__name__)

KIND = "slack_check"
LEASE_SECONDS = 20.0  # renewed every quarter of it while the check runs
MAX_ATTEMPTS = 4
RESUME_EVERY = 3.0
PLATFORM = "slack"

Respond = Callable[..., Awaitable[Any]]


class CardAt(BaseModel):
    channel: str
    ts: str
    moved_to_dm: bool = False


class CheckSpec(BaseModel):
    """Everything a process that never saw the request needs to finish it."""

    request: dict[str, Any]
    actor: dict[str, str]
    channel: str
    thread_ts: str | None = None
    lang: str
    response_url: str | None = None
    card: CardAt | None = None


def job_key(delivery_key: str) -> str:
    return f"{KIND}:{delivery_key}"


# --- database work (synchronous; called in threads) --------------------------------------------------
def claim_delivery(open_database: Callable[[], Database], key: str) -> chatstate.DeliveryClaim:
    database = open_database()
    with database.session() as session:
        claim = chatstate.claim_delivery(session, PLATFORM, key)
        session.commit()
    return claim


def finish_delivery(open_database: Callable[[], Database], key: str, owner: str) -> bool:
    database = open_database()
    with database.session() as session:
        done = chatstate.finish_delivery(session, PLATFORM, key, owner)
        session.commit()
    return done


def record(open_database: Callable[[], Database], key: str, owner: str | None, spec: CheckSpec) -> jobstore.ClaimedJob | None:
    """The claim made final and the job written, in one transaction. None: another process owns
    this delivery now (our claim ran out and was taken over) — do nothing more."""
    database = open_database()
    with database.session() as session:
        if owner is not None and not chatstate.finish_delivery(session, PLATFORM, key, owner):
            session.rollback()
            return None
        job = jobstore.enqueue_claimed(session, KIND, job_key(key), lease_seconds=LEASE_SECONDS,
                                       payload=spec.model_dump(mode="json"))
        if job is None:
            session.rollback()
            return None
        session.commit()
    return job


def _complete(open_database: Callable[[], Database], job: jobstore.ClaimedJob, note: str) -> bool:
    database = open_database()
    with database.session() as session:
        done = jobstore.complete(session, job, note=note)
        session.commit()
    return done


# --- running a job -------------------------------------------------------------------------------------
def _webhook_respond(url: str | None) -> Respond | None:
    if not url:
        return None

    async def respond(**kwargs: Any) -> Any:
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        return await AsyncWebhookClient(url).send(**kwargs)

    return respond


async def run_job(client: AsyncWebClient, job: jobstore.ClaimedJob, driver: Driver, runtime: Runtime, *,
                  respond: Respond | None = None) -> str:
    """Post (or take over) the card, run the check, finish the card, complete the job.

    Returns "done", "lost" (another process holds the job now) or "failed"."""
    database = await asyncio.to_thread(runtime.ensure_database)
    spec = CheckSpec.model_validate(job.payload)
    if job.attempts > MAX_ATTEMPTS:  # it killed every process that tried: stop, and say so on the card
        await asyncio.to_thread(jobstore.fail, database, job, "too many attempts", max_attempts=1)
        if spec.card is not None:
            await client.chat_update(channel=spec.card.channel, ts=spec.card.ts, blocks=[],
                                     text=t("slack.error.apology", spec.lang, ref=f"job {job.id}"))
        return "failed"
    request = CheckRequest.model_validate(spec.request)
    actor = Actor(**spec.actor)
    respond = respond or _webhook_respond(spec.response_url)
    lost = asyncio.Event()

    async def on_posted(at: Conversation) -> bool:
        card = CardAt(channel=at.channel, ts=at.message or "", moved_to_dm=at.channel != spec.channel)
        return await asyncio.to_thread(jobstore.set_payload, database, job,
                                       {**job.payload, "card": card.model_dump()})

    known = spec.card
    where = Conversation(PLATFORM, actor.workspace, spec.channel, thread=spec.thread_ts)
    at = None if known is None else Conversation(
        PLATFORM, actor.workspace, known.channel, thread=None if known.moved_to_dm else spec.thread_ts, message=known.ts)
    port = SlackPort(client, user=actor.user_id, workspace=actor.workspace, lang=spec.lang, channel=spec.channel,
                     thread=spec.thread_ts, respond=respond)
    work = asyncio.create_task(driver.check(CheckCommand(actor, request, where, spec.lang), port, at=at,
                                            on_posted=on_posted))

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 4)
            if not await asyncio.to_thread(jobstore.extend_lease, database, job, LEASE_SECONDS):
                log.warning("check job %s: lease lost; another process finishes it", job.dedup_key)
                lost.set()
                work.cancel()
                return

    beat = asyncio.create_task(heartbeat())
    try:
        result = await work
    except asyncio.CancelledError:
        if lost.is_set():
            return "lost"
        raise
    finally:
        beat.cancel()
    if result is None:  # the card's place could not be recorded: the lease is someone else's
        return "lost"
    if not await asyncio.to_thread(_complete, runtime.ensure_database, job, "card finished"):
        log.warning("check job %s: finished, but the lease had run out", job.dedup_key)
        return "lost"
    return "done"


async def resume_one(client: AsyncWebClient, key: str, driver: Driver, runtime: Runtime) -> str | None:
    """Slack retried a delivery whose check job exists: finish it now if its owner is gone."""
    database = await asyncio.to_thread(runtime.ensure_database)
    job = await asyncio.to_thread(jobstore.claim_one, database, job_key(key), lease_seconds=LEASE_SECONDS)
    if job is None:
        return None
    log.info("check job %s taken over after its owner's lease ran out (Slack retry)", job.dedup_key)
    return await run_job(client, job, driver, runtime)


async def resume_due(client: AsyncWebClient, driver: Driver, runtime: Runtime, limit: int = 5) -> list[str]:
    """Claim check jobs whose owner died (lease ran out) and finish them, concurrently."""
    database = await asyncio.to_thread(runtime.ensure_database)
    claimed = await asyncio.to_thread(jobstore.claim, database, limit=limit, lease_seconds=LEASE_SECONDS,
                                      kinds=[KIND])
    for job in claimed:
        log.info("check job %s taken over (attempt %s)", job.dedup_key, job.attempts)
    results = await asyncio.gather(*(run_job(client, job, driver, runtime) for job in claimed), return_exceptions=True)
    for job, result in zip(claimed, results, strict=True):
        if isinstance(result, BaseException):
            log.error("check job %s failed", job.dedup_key, exc_info=result)
    return [r if isinstance(r, str) else "error" for r in results]


async def resumer(client: AsyncWebClient, driver: Driver, runtime: Runtime, every: float = RESUME_EVERY) -> None:
    """Runs inside `tradecheck serve` (every process): finishes the checks of processes that died."""
    while True:
        try:
            await resume_due(client, driver, runtime)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database restarting must not stop the resumer
            log.warning("resuming check jobs failed; trying again", exc_info=True)
        await asyncio.sleep(every)

