"""Delivery of messages the bot sends on its own (re-check results, reminders) to a conversation.

Each platform adapter provides a `Deliverer`; the scheduler's outbox calls it and retries with
backoff. A permanent failure (bot blocked, chat deleted) marks the conversation dead instead.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .card import Card
from .flows import Conversation


class DeliveryFailed(Exception):
    """Sending failed. `permanent` means retrying cannot help (blocked, chat gone); `misconfigured`
    means no message to this platform can be sent by this process (its token was refused)."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None,
                 misconfigured: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after
        # the platform refuses this process's credentials (wrong or revoked token): no message can
        # go out until someone fixes the configuration, so this process stops sending there
        self.misconfigured = misconfigured


@runtime_checkable
class Deliverer(Protocol):
    platform: str

    async def deliver(self, conversation: Conversation, text: str, card: Card | None = None) -> str | None:
        """Post `text` (and the card, if any) in the conversation's thread; return the message id."""
        ...
