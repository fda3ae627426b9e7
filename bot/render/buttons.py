"""Compact button data: `<action>:<case id>[:<arg>]`, at most 64 bytes (Telegram's `callback_data`).

Platform-neutral (a renderer and its adapter both use it; any platform with a small button payload
can). Telegram rejects longer data (PTB does not check), and PTB's "arbitrary callback data" lives in
one process's memory, so the button carries only the action letter and the case id; everything
else (who may press, what the case is) is looked up server-side when it is pressed. An argument
that would not fit (a long `source:source_id`) is replaced by a short hash, resolved against the
case's current card when pressed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..card import ActionKind, CardAction

MAX_BYTES = 64

CODES: dict[ActionKind, str] = {
    ActionKind.REQUEST_APPROVAL: "r",
    ActionKind.APPROVE: "a",
    ActionKind.REJECT: "x",
    ActionKind.RECHECK: "c",
    ActionKind.SCHEDULE_RECHECK: "s",
    ActionKind.ADD_NOTE: "n",
    ActionKind.DETAILS: "d",
    ActionKind.CLEAR_MATCH: "m",
    ActionKind.STOP_WATCHING: "w",
    ActionKind.ESCALATE: "u",  # up to compliance
    ActionKind.EVIDENCE_PACK: "e",
}
KINDS: dict[str, ActionKind] = {code: kind for kind, code in CODES.items()}
HASH_MARK = "#"


@dataclass(frozen=True)
class Pressed:
    """A decoded button: `arg_hash` is set instead of `arg` when the argument was too long."""

    kind: ActionKind
    case_id: int
    arg: str = ""
    arg_hash: str | None = None


def arg_digest(arg: str) -> str:
    return hashlib.sha256(arg.encode("utf-8")).hexdigest()[:16]


def encode(action: CardAction) -> str | None:
    """The callback_data of a card action, or None if it has no case (nothing to act on)."""
    if action.case_id is None:
        return None
    head = f"{CODES[action.kind]}:{action.case_id}"
    if not action.arg:
        return head
    data = f"{head}:{action.arg}"
    if len(data.encode("utf-8")) > MAX_BYTES or action.arg.startswith(HASH_MARK):
        data = f"{head}:{HASH_MARK}{arg_digest(action.arg)}"
    if len(data.encode("utf-8")) > MAX_BYTES:  # only with an absurd case id
        return None
    return data


def decode(data: str | None) -> Pressed | None:
    """The button behind `data`, or None for anything this bot did not produce."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    code, _, rest = data.partition(":")
    kind = KINDS.get(code)
    case_text, _, arg = rest.partition(":")
    if kind is None or not case_text.isdigit():
        return None
    case_id = int(case_text)
    if arg.startswith(HASH_MARK):
        return Pressed(kind, case_id, arg_hash=arg[len(HASH_MARK):])
    return Pressed(kind, case_id, arg=arg)
