"""Slack's durable `/check` jobs: the shared `bot.app.checkjobs` with Slack's port and payload.

The machinery (claim the delivery, write the job with the final claim before the 3-second ack,
renew its lease, resume a job whose process died — from Slack's retry or any process's resumer)
is `bot.app.checkjobs`. What is Slack's: the job kind and delivery platform (`slack_check`,
`slack`), the `response_url` kept in the job (ephemeral replies of a resumed job go through it),
and how a resumed job gets its `SlackPort` (the app's `AsyncWebClient`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from storage import chatstate
from storage import jobs as jobstore
from storage.db import Database

from ..app import checkjobs
from ..app.checkjobs import LEASE_SECONDS, MAX_ATTEMPTS, RESUME_EVERY, CardAt
from ..app.driver import Driver
from ..app.types import Actor
from .port import SlackPort

if TYPE_CHECKING:
    from ..app.runtime import Runtime

__all__ = ["KIND", "LEASE_SECONDS", "MAX_ATTEMPTS", "PLATFORM", "RESUME_EVERY", "CardAt", "CheckSpec", "check_jobs",
           "claim_delivery", "finish_delivery", "job_key", "live_port", "port_for", "record", "resume_due", "resume_one", "resumer", "run_job"]

PLATFORM = "slack"
KIND = checkjobs.kind_of(PLATFORM)  # "slack_check"

Respond = Callable[..., Awaitable[Any]]


class CheckSpec(checkjobs.CheckSpec):
    """The shared job payload plus the slash command's `response_url`."""

    response_url: str | None = None


def job_key(delivery_key: str) -> str:
    return checkjobs.job_key(KIND, delivery_key)


def claim_delivery(open_database: Callable[[], Database], key: str) -> chatstate.DeliveryClaim:
    return checkjobs.claim_delivery(open_database, PLATFORM, key)


def finish_delivery(open_database: Callable[[], Database], key: str, owner: str) -> bool:
    return checkjobs.finish_delivery(open_database, PLATFORM, key, owner)


def record(open_database: Callable[[], Database], key: str, owner: str | None, spec: CheckSpec) -> jobstore.ClaimedJob | None:
    return checkjobs.record(open_database, PLATFORM, key, owner, spec, kind=KIND)


def _webhook_respond(url: str | None) -> Respond | None:
    if not url:
        return None

    async def respond(**kwargs: Any) -> Any:
        from slack_sdk.webhook.async_client import AsyncWebhookClient

        return await AsyncWebhookClient(url).send(**kwargs)

    return respond


def port_for(client: AsyncWebClient, spec: CheckSpec, actor: Actor, respond: Respond | None = None) -> SlackPort:
    """The port of a job: the live request's `respond`, else one over the job's response_url."""
    return SlackPort(client, user=actor.user_id, workspace=actor.workspace, lang=spec.lang, channel=spec.channel,
                     thread=spec.thread_ts, respond=respond or _webhook_respond(spec.response_url))


def check_jobs(client: AsyncWebClient, driver: Driver, runtime: Runtime) -> checkjobs.CheckJobs[CheckSpec]:
    return checkjobs.CheckJobs(runtime, driver, PLATFORM, lambda spec, actor: port_for(client, spec, actor),
                               spec_type=CheckSpec)


def live_port(client: AsyncWebClient, job: jobstore.ClaimedJob, respond: Respond | None) -> SlackPort:
    """The port of the request that wrote `job`, answering through its own `respond`."""
    spec = CheckSpec.model_validate(job.payload)
    return port_for(client, spec, spec.the_actor(), respond)


async def run_job(client: AsyncWebClient, job: jobstore.ClaimedJob, driver: Driver, runtime: Runtime, *,
                  respond: Respond | None = None) -> str:
    """Post (or take over) the card, run the check, finish the card, complete the job."""
    return await check_jobs(client, driver, runtime).run(job, live_port(client, job, respond))


async def resume_one(client: AsyncWebClient, key: str, driver: Driver, runtime: Runtime) -> str | None:
    return await check_jobs(client, driver, runtime).resume_one(key)


async def resume_due(client: AsyncWebClient, driver: Driver, runtime: Runtime, limit: int = 5) -> list[str]:
    return await check_jobs(client, driver, runtime).resume_due(limit)


async def resumer(client: AsyncWebClient, driver: Driver, runtime: Runtime, every: float = RESUME_EVERY) -> None:
    await check_jobs(client, driver, runtime).resumer(every)
