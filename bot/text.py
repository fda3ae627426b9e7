"""User and source text made safe to show: no terminal escapes, control or bidi-override characters.

A buyer's name, a note, a decision reason or a registry's answer can carry ``\\x1b[2J`` (clears a
terminal), ``\\x1b]0;…\\x07`` (retitles it), C0/C1 controls (Telegram and Slack show them as boxes
or refuse the message) or U+202E (shows "ACME‮gnidart" reversed). Every card goes through
`clean_card` when it is built and every renderer's escape function goes through `clean`, so no
platform can show them. Newlines and tabs stay where a text may have several lines.
"""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel

from checks.request import ANSI_RE

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

_SPACES = re.compile(r" {2,}")
_LINE_EDGES = re.compile(r" ?\n ?")

Model = TypeVar("Model", bound=BaseModel)


def clean(text: str, *, one_line: bool = False) -> str:
    """`text` without escape sequences and control characters (a control becomes a space; runs of
    spaces it leaves are collapsed only where it stood). `one_line` also turns newlines into spaces."""
    if not text:
        return text
    text = ANSI_RE.sub("", text)
    pattern = _CONTROLS_ONE_LINE if one_line else _CONTROLS
    if pattern.search(text):
        text = _SPACES.sub(" ", pattern.sub(" ", text.replace("\r\n", "\n")))
        text = _LINE_EDGES.sub("\n", text).strip(" ")
    return text


def clean_card(card: Model) -> Model:
    """A copy of a card (any model) with every string in it cleaned; the title stays on one line."""
    data = _clean_value(card.model_dump(mode="python"))
    if isinstance(data.get("title"), str):
        data["title"] = clean(data["title"], one_line=True)
    return type(card).model_validate(data)


def _clean_value(value):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _clean_value(item) for key, item in value.items()}
    return value
