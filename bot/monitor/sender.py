"""The outbox sender: claims due messages of the platforms this process has deliverers for, sends
each through its platform's `Deliverer` while keeping the row's lease, and records the outcome
(sent; retry with backoff; dead conversation; a misconfigured platform stops here)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage import outbox
from storage.db import Database

from ..app.types import Conversation
from ..card import Card
from ..delivery import DeliveryFailed
from ..logs import redact
from .config import TERMINAL

if TYPE_CHECKING:
    from .service import Monitor

log = logging.getLogger(__name__)


class TerminalDeliverer:
    """The terminal chat has no server to post to: the message stays in the outbox (marked sent) and
    the chat prints it at its next prompt with `pending_terminal_messages(database)`."""

    platform: str = TERMINAL

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        return TERMINAL


def pending_terminal_messages(database: Database, channel: str | None = None) -> list[str]:
    """Messages for the terminal chat not shown yet (each returned once, to one reader). A function of
    the database, not of a monitor: the chat shows them whichever process's ticker sent them."""
    return [message.text for message in outbox.take_for_reader(database, TERMINAL, channel)]


async def _keeping_lease(monitor: Monitor, db: Database, message: outbox.OutgoingMessage, lease: float,
                         sending: Awaitable[Any]) -> Any:
    """Await the platform while renewing the row's lease every third of it: a slow platform (Slack
    answering in seconds) must not let another sender claim a message that is being sent."""
    task = asyncio.ensure_future(sending)
    held = True
    loop = asyncio.get_running_loop()
    give_up = loop.time() + monitor.config.outbox_max_send_seconds  # a platform hanging for ever must not hold the row
    while True:
        done, _ = await asyncio.wait({task}, timeout=max(lease / 3, 0.05))
        if done:
            return task.result()
        if held and loop.time() < give_up and not await asyncio.to_thread(outbox.renew, db, message, lease):
            held = False
            log.warning("outbox %s: lease lost while the platform was answering", message.dedup_key)


async def _failed(monitor: Monitor, db: Database, message: outbox.OutgoingMessage, failure: DeliveryFailed) -> str:
    """Record a refused delivery: misconfigured platform, dead conversation, or a retry later."""
    reason = redact(str(failure))
    if failure.misconfigured:  # e.g. a revoked token: stop sending there (said once), keep the message
        if monitor.deliverers.unregister(message.platform) is not None:
            log.error("%s: %s — this process stops sending %s messages until it is restarted with a "
                      "working configuration; they wait in the outbox", message.platform, failure, message.platform)
        await asyncio.to_thread(outbox.mark_retry, db, message, reason, retry_after=0)
        return "misconfigured"
    if failure.permanent:
        await asyncio.to_thread(outbox.mark_dead, db, message, reason)
        await asyncio.to_thread(outbox.bury_channel, db, message.platform, message.channel, reason)
        await monitor.runtime.monitoring.mark_conversation_dead(message.platform, message.channel)
        return "dead"
    await asyncio.to_thread(outbox.mark_retry, db, message, reason, retry_after=failure.retry_after)
    return "retry"


async def send_one(monitor: Monitor, message: outbox.OutgoingMessage) -> str:
    """Send one claimed message: "sent", "retry", "dead", "misconfigured" or "lost" (lease lost)."""
    db = monitor.database()
    deliverer = monitor.deliverers.get(message.platform)
    if deliverer is None:  # unregistered meanwhile: give it back at once
        await asyncio.to_thread(outbox.mark_retry, db, message, f"no deliverer for {message.platform}", retry_after=0)
        return "retry"
    card = Card.model_validate(message.card) if message.card else None
    conversation = Conversation(message.platform, "", message.channel, thread=message.thread, message=message.reply_to)
    lease = monitor.config.outbox_lease_seconds
    # the row may have waited in the batch past its lease: send only if it is still ours
    if not outbox.surely_held(message, lease) and not await asyncio.to_thread(outbox.renew, db, message, lease):
        log.info("outbox %s: lease lost before sending; another sender has it", message.dedup_key)
        return "lost"
    try:
        sent_id = await _keeping_lease(monitor, db, message, lease, deliverer.deliver(conversation, message.text, card))
    except DeliveryFailed as failure:
        return await _failed(monitor, db, message, failure)
    except Exception as error:  # a deliverer bug: keep the message and try again later
        log.exception("delivery of %s failed", message.dedup_key)
        await asyncio.to_thread(outbox.mark_retry, db, message, redact(f"{type(error).__name__}: {error}"))
        return "retry"
    if not await asyncio.to_thread(outbox.mark_sent, db, message):
        log.warning("outbox %s: sent, but the lease had been lost meanwhile (may be sent twice)", message.dedup_key)
    log.info("delivered %s (%s)", message.dedup_key, sent_id)
    return "sent"


async def send_outbox(monitor: Monitor, now: datetime | None = None, limit: int | None = None) -> int:
    """Send due messages of the platforms this process has deliverers for. Returns how many were sent.

    A few rows are claimed at a time (`config.outbox_batch`), again and again until nothing is due
    (or `limit` rows were handled): what this process cannot send soon stays claimable by others."""
    config = monitor.config
    sent = handled = 0
    most = limit or config.outbox_per_tick
    db = await asyncio.to_thread(monitor.database)
    while handled < most:
        claimed = await asyncio.to_thread(outbox.claim, db, monitor.deliverers.platforms(), now=now,
                                          limit=min(max(config.outbox_batch, 1), most - handled),
                                          lease_seconds=config.outbox_lease_seconds)
        outcomes = [await send_one(monitor, message) for message in claimed]
        sent += outcomes.count("sent")
        handled += len(claimed)
        if len(claimed) < config.outbox_batch or any(o not in ("sent", "lost") for o in outcomes):
            break  # nothing more due, or a failure put a row back: the next tick goes on
    return sent
