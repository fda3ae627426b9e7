"""`python -m bot.render.first_lines`: the first lines of the Slack (blocks as text), Telegram and terminal
cards of the example buyers, in English and Chinese — what a busy reader sees first on each platform."""

from __future__ import annotations

import asyncio
import html
import re
import sys

from . import slack as slack_render
from . import telegram as tg_render
from .preview import example_cards
from .terminal import render_text


def slack_lines(card) -> list[str]:  # type: ignore[no-untyped-def]
    message = slack_render.render_message(card)
    lines = [f"[text] {message['text']}"]
    for block in message["blocks"]:
        if block["type"] in ("header", "section"):
            lines.extend(block["text"]["text"].splitlines())
            if block.get("accessory", {}).get("type") == "button":
                lines.append(f"[button] {block['accessory']['text']['text']}")
        elif block["type"] == "context":
            lines.append(" ".join(e["text"] for e in block["elements"]))
        elif block["type"] == "actions":
            lines.append(" ".join(f"[{b['text']['text']}]" for b in block["elements"]))  # buttons
    return lines


def telegram_lines(card) -> list[str]:  # type: ignore[no-untyped-def]
    text = tg_render.render(card).text
    return [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in text.splitlines()]


def terminal_lines(card) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.strip("│ ").rstrip() for line in render_text(card, width=110).splitlines()]


def main(n: int = 8) -> int:
    cards = asyncio.run(example_cards(["en", "zh"]))
    for (slug, lang), card in cards.items():
        for name, lines in (("Slack", slack_lines(card)), ("Telegram", telegram_lines(card)),
                            ("terminal", terminal_lines(card))):
            print(f"--- {slug} · {lang} · {name}")
            for line in [line for line in lines if line.strip()][:n]:
                print("    " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8))
