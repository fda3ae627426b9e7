"""The application layer: the services every adapter (terminal, Slack, Telegram, the monitor) calls.

Build one `Runtime` per process and use its services; every service method that touches the
database is async and runs that work off the event loop:

    runtime = Runtime.from_environment()
    outcome = await runtime.checking.run_check("ACME Ltd country=DE", actor, conversation)
    result = await runtime.cases.perform_action(ActionKind.APPROVE, case_id, actor, reason="…")

See docs/ARCHITECTURE.md and /work/notes/API-app.md.
"""

from __future__ import annotations

from .runtime import Runtime
from .types import (
    ActionResult,
    Actor,
    Attachment,
    CheckOutcome,
    Conversation,
    Permission,
    Prompt,
)

__all__ = ["ActionResult", "Actor", "Attachment", "CheckOutcome", "Conversation", "Permission", "Prompt", "Runtime"]
