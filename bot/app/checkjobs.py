"""A `/check` is durable work, not a task in one process's memory — on every platform.

Why: a process killed (deploy, OOM, SIGKILL) between accepting a `/check` and finishing its card
used to lose it — the delivery key said "handled", the platform's retry was dropped as a duplicate,
and the card stayed on "⏳ checking… 0 of N" for ever.

How (the adapter only translates; all of this is here):
- The delivery key is first *claimed* for a few seconds (`claim_delivery`), not marked done.
- Before the platform gets its answer, one transaction makes the claim final AND writes a
  `<platform>_check` job row holding everything the check needs (`CheckSpec`: request, who, where),
  already leased to this process (`LEASE_SECONDS`, renewed while the check runs). Where the card
  is posted is saved into the job at once.
- If the process dies, the lease runs out; any process's resumer (`CheckJobs.resumer`, every few
  seconds in `tradecheck serve`) or the platform's retry of the same delivery (`resume_one`) claims
  the job and finishes it: it updates the card already posted (or posts it if none was), runs the
  check, finishes the card.
- The one platform-specific piece is `make_port(spec, actor)`: the adapter's `ChatPort` for a job
  resumed by a process that never saw the request.

What is left (honest): the check may run twice (stored twice in the case's history) when a process
dies mid-check; and if a process dies between the platform accepting the placeholder and the job
recording where it is, a second placeholder may be posted next to the stuck one (on Feishu the
placeholder's idempotency `uuid` should prevent it; not tested against the real API).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from checks.request import CheckRequest
from storage import chatstate
from storage import jobs as jobstore
from storage.db import Database

from .driver import ChatPort, CheckCommand, Driver
from .types import Actor, Conversation

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)

LEASE_SECONDS = 20.0  # renewed every quarter of it while the check runs
MAX_ATTEMPTS = 4
RESUME_EVERY = 3.0


class CardAt(BaseModel):
    """Where the placeholder card was posted (`ts`: its message id)."""

    channel: str
    ts: str
    moved_to_dm: bool = False


class CheckSpec(BaseModel):
    """Everything a process that never saw the request needs to finish it. A platform may add
    fields of its own (a subclass: Slack's `response_url`)."""

    model_config = ConfigDict(extra="allow")

    request: dict[str, Any]
    actor: dict[str, str]
    channel: str
    thread_ts: str | None = None
    lang: str
    card: CardAt | None = None

    @staticmethod
    def actor_of(actor: Actor) -> dict[str, str]:
        return {"platform": actor.platform, "user_id": actor.user_id, "name": actor.name, "workspace": actor.workspace}

    def the_actor(self) -> Actor:
        return Actor(**self.actor)

    def the_request(self) -> CheckRequest:
        return CheckRequest.model_validate(self.request)


S = TypeVar("S", bound=CheckSpec)


def kind_of(platform: str) -> str:
    return f"{platform}_check"


def job_key(kind: str, delivery_key: str) -> str:
    return f"{kind}:{delivery_key}"


# --- database work (synchronous; called in threads) --------------------------------------------------
def claim_delivery(open_database: Callable[[], Database], platform: str, key: str) -> chatstate.DeliveryClaim:
    database = open_database()
    with database.session() as session:
        claim = chatstate.claim_delivery(session, platform, key)
        session.commit()
    return claim


def finish_delivery(open_database: Callable[[], Database], platform: str, key: str, owner: str) -> bool:
    database = open_database()
    with database.session() as session:
        done = chatstate.finish_delivery(session, platform, key, owner)
        session.commit()
    return done


def record(open_database: Callable[[], Database], platform: str, key: str, owner: str | None, spec: CheckSpec, *,
           kind: str | None = None, lease_seconds: float = LEASE_SECONDS) -> jobstore.ClaimedJob | None:
    """The claim made final and the job written, in one transaction. None: another process owns
    this delivery now (our claim ran out and was taken over) — do nothing more."""
    database = open_database()
    kind = kind or kind_of(platform)
    with database.session() as session:
        if owner is not None and not chatstate.finish_delivery(session, platform, key, owner):
            session.rollback()
            return None
        job = jobstore.enqueue_claimed(session, kind, job_key(kind, key), lease_seconds=lease_seconds,
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


# --- running jobs -----------------------------------------------------------------------------------
class CheckJobs(Generic[S]):
    """The durable `/check` jobs of one platform in one process. `make_port(spec, actor)` is the
    adapter's hook: its `ChatPort` for a job (the live request's own port may be passed instead)."""

    def __init__(self, runtime: Runtime, driver: Driver, platform: str, make_port: Callable[[S, Actor], ChatPort],
                 *, spec_type: type[S], lease_seconds: float = LEASE_SECONDS, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.runtime = runtime
        self.driver = driver
        self.platform = platform
        self.kind = kind_of(platform)
        self.make_port = make_port
        self.spec_type = spec_type
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts

    # --- deliveries: claimed, then final with the job (or without one) --------------------------
    async def claim_delivery(self, key: str) -> chatstate.DeliveryClaim:
        return await self.runtime.offload(claim_delivery, self.runtime.ensure_database, self.platform, key, fast=True)

    async def settle(self, key: str, owner: str | None) -> None:
        """Make the delivery final without a job (help, a refused request, a button)."""
        if owner is None:
            return
        try:
            await self.runtime.offload(finish_delivery, self.runtime.ensure_database, self.platform, key, owner,
                                       fast=True)
        except Exception:
            log.warning("could not make %s delivery %s final", self.platform, key, exc_info=True)

    async def record(self, key: str, owner: str | None, command: CheckCommand, **extra: Any) -> jobstore.ClaimedJob | None:
        """Record the check as a job (and the delivery as final) before the platform gets its answer."""
        where = command.where
        spec = self.spec_type(request=command.request.model_dump(mode="json"), actor=CheckSpec.actor_of(command.actor),
                              channel=where.channel, thread_ts=where.thread, lang=command.lang, **extra)
        job = await self.runtime.offload(record, self.runtime.ensure_database, self.platform, key, owner, spec,
                                         kind=self.kind, lease_seconds=self.lease_seconds, fast=True)
        if job is None:
            log.info("%s delivery %s was taken over by another process; not checking here", self.platform, key)
        return job

    # --- one job ---------------------------------------------------------------------------------
    async def run(self, job: jobstore.ClaimedJob, port: ChatPort | None = None) -> str:
        """Post (or take over) the card, run the check, finish the card, complete the job.

        Returns "done", "lost" (another process holds the job now) or "failed"."""
        runtime = self.runtime
        database = await asyncio.to_thread(runtime.ensure_database)
        spec = self.spec_type.model_validate(job.payload)
        actor = spec.the_actor()
        known = spec.card
        at = None if known is None else Conversation(
            self.platform, actor.workspace, known.channel, thread=None if known.moved_to_dm else spec.thread_ts,
            message=known.ts)
        if job.attempts > self.max_attempts:  # it killed every process that tried: stop, and say so on the card
            await asyncio.to_thread(jobstore.fail, database, job, "too many attempts", max_attempts=1)
            if at is not None:
                await (port or self.make_port(spec, actor)).show_failure(at, f"job {job.id}")
            return "failed"
        port = port or self.make_port(spec, actor)
        lost = asyncio.Event()

        async def on_posted(posted: Conversation) -> bool:
            card = CardAt(channel=posted.channel, ts=posted.message or "", moved_to_dm=posted.channel != spec.channel)
            return await asyncio.to_thread(jobstore.set_payload, database, job,
                                           {**job.payload, "card": card.model_dump()})

        where = Conversation(self.platform, actor.workspace, spec.channel, thread=spec.thread_ts)
        work = asyncio.create_task(self.driver.check(CheckCommand(actor, spec.the_request(), where, spec.lang), port,
                                                     at=at, on_posted=on_posted))

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(self.lease_seconds / 4)
                if not await asyncio.to_thread(jobstore.extend_lease, database, job, self.lease_seconds):
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

    async def resume_one(self, key: str) -> str | None:
        """The platform retried a delivery whose check job exists: finish it now if its owner is gone."""
        database = await asyncio.to_thread(self.runtime.ensure_database)
        job = await asyncio.to_thread(jobstore.claim_one, database, job_key(self.kind, key),
                                      lease_seconds=self.lease_seconds)
        if job is None:
            return None
        log.info("check job %s taken over after its owner's lease ran out (%s retry)", job.dedup_key, self.platform)
        return await self.run(job)

    async def resume_due(self, limit: int = 5) -> list[str]:
        """Claim this platform's check jobs whose owner died (lease ran out) and finish them, concurrently."""
        database = await asyncio.to_thread(self.runtime.ensure_database)
        claimed = await asyncio.to_thread(jobstore.claim, database, limit=limit, lease_seconds=self.lease_seconds,
                                          kinds=[self.kind])
        for job in claimed:
            log.info("check job %s taken over (attempt %s)", job.dedup_key, job.attempts)
        results = await asyncio.gather(*(self.run(job) for job in claimed), return_exceptions=True)
        for job, result in zip(claimed, results, strict=True):
            if isinstance(result, BaseException):
                log.error("check job %s failed", job.dedup_key, exc_info=result)
        return [r if isinstance(r, str) else "error" for r in results]

    async def resumer(self, every: float = RESUME_EVERY) -> None:
        """Runs inside `tradecheck serve` (every process): finishes the checks of processes that died."""
        while True:
            try:
                await self.resume_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarting must not stop the resumer
                log.warning("resuming %s check jobs failed; trying again", self.platform, exc_info=True)
            await asyncio.sleep(every)
