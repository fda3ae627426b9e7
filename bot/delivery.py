"""Delivery of messages the bot sends on its own (re-check results, reminders) to a conversation.

Each platform adapter provides a `Deliverer` and registers it into the `DelivererRegistry` the
monitor sends with (`register_deliverer(registry, runtime)` in the adapter's module, called by the
process's entry point): the monitor and this module never import an adapter. The monitor's outbox
calls the deliverer and retries with backoff; a permanent failure (bot blocked, chat deleted) marks
the conversation dead instead.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from .app.types import Conversation
from .card import Card


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


class DelivererRegistry:
    """The deliverers one process sends with, one per platform. Thread-safe: the terminal chat's
    ticker thread sends while the main thread may register."""

    def __init__(self) -> None:
        self._by_platform: dict[str, Deliverer] = {}
        self._lock = threading.Lock()

    def register(self, deliverer: Deliverer) -> None:
        """Messages of `deliverer.platform` are sent with it from now on (replacing any other)."""
        with self._lock:
            self._by_platform[deliverer.platform] = deliverer

    def unregister(self, platform: str) -> Deliverer | None:
        """Stop sending `platform`'s messages here; the deliverer that was registered, if any."""
        with self._lock:
            return self._by_platform.pop(platform, None)

    def get(self, platform: str) -> Deliverer | None:
        with self._lock:
            return self._by_platform.get(platform)

    def platforms(self) -> list[str]:
        with self._lock:
            return sorted(self._by_platform)

    def snapshot(self) -> dict[str, Deliverer]:
        with self._lock:
            return dict(self._by_platform)

    def __contains__(self, platform: object) -> bool:
        with self._lock:
            return platform in self._by_platform
