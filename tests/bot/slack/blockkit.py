"""Block Kit validation for tests: slack_sdk's block models plus the limits they do not check."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_TEXT = 3000


def _texts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every text object (plain_text / mrkdwn) anywhere in a payload."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            yield path, node
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def _elements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "action_id" in node:
            yield node
        for value in node.values():
            yield from _elements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _elements(value)


def validate_blocks(blocks: list[dict[str, Any]], *, max_blocks: int = 50) -> None:
    """Raise AssertionError (or slack_sdk's SlackObjectFormationError) for anything Slack would reject."""
    assert isinstance(blocks, list) and blocks, "no blocks"
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks > {max_blocks}"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, f"unknown block {raw.get('type')}"
        assert parsed.to_dict()["type"] == raw["type"]  # to_dict() runs slack_sdk's validators
    for path, text in _texts(blocks):
        assert text["text"], f"empty text at {path}"
        assert len(text["text"]) <= MAX_TEXT, f"text over 3,000 characters at {path}"
        if text["type"] == "mrkdwn":
            assert_harmless_mrkdwn(text["text"])
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    action_ids = [element["action_id"] for element in _elements(blocks)]
    assert len(action_ids) == len(set(action_ids)), f"duplicate action_id in {action_ids}"
    for element in _elements(blocks):
        assert len(element["action_id"]) <= 255
        if element.get("type") == "button":
            assert len(element.get("value", "")) <= 2000
            assert len(element["text"]["text"]) <= 75
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), "duplicate block_id"


_SPECIAL = re.compile(r"<(?P<body>[^<>]*)>")


_DATE = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9: +-]+UTC[0-9+.-]*>")


def assert_harmless_mrkdwn(text: str) -> None:
    """Every `<…>` is a plain http(s) link or a date we made: no <!channel>, <!here>, <@U…>, <#C…> anywhere."""
    text = _DATE.sub("DATE", text)  # a time each reader sees in their own zone: pings no one
    for match in _SPECIAL.finditer(text):
        body = match.group("body")
        assert body.startswith(("http://", "https://")), f"special sequence <{body}> in mrkdwn"
    assert "<!" not in text and "<@" not in text and "<#" not in text


def validate_view(view: dict[str, Any]) -> None:
    parsed = View(**{k: v for k, v in view.items() if k != "blocks"}, blocks=view.get("blocks"))
    parsed.to_dict()  # runs slack_sdk's view validators (title 24 chars, blocks 100, private_metadata 3000)
    if "title" in view:
        assert len(view["title"]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    if view.get("private_metadata"):
        json.loads(view["private_metadata"])
    validate_blocks(view["blocks"], max_blocks=100)
