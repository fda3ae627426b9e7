"""The card for a terminal, with rich. Actions are numbered so the chat can press them by number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.panel import Panel
from rich.text import Text

from checks.i18n import translator
from checks.models import DecisionCode, RiskLevel

from ..card import Card, resolve_times

_LEVEL_STYLE = {
    RiskLevel.LOW: "green",
    RiskLevel.MEDIUM: "yellow",
    RiskLevel.HIGH: "dark_orange",
    RiskLevel.CRITICAL: "bold red",
}


_DECISION_STYLE = {
    DecisionCode.STOP: "bold white on red",
    DecisionCode.VERIFY_FIRST: "bold yellow",
    DecisionCode.SAFE_TERMS: "bold dark_orange",
    DecisionCode.PROCEED: "bold green",
}


# rich breaks lines only at spaces, so a Chinese sentence is one long "word": it went whole to the next
# line ("→" alone above it) or was folded anywhere. Here a line may break after any CJK character, not
# before closing punctuation (，。）…) nor after an opening one (（“), and wrapped lines keep their indent.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_OPEN = "（《「『【〔“‘"
_CLOSE = "，。、；：？！）》」』】〕”’…"
_TOKEN = re.compile(rf"[{_OPEN}]*(?:[{_CJK}]|[^\s{_CJK}]+)[{_CLOSE}]*\s*|\s+")


class Wrapped:
    """A Text wrapped at the console's width with a hanging `indent` (cells); CJK breaks between characters."""

    def __init__(self, text: Text, indent: int = 0) -> None:
        self.text = text
        self.indent = indent

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for paragraph in self.text.split("\n"):
            yield from self.lines(paragraph, options.max_width)

    def lines(self, text: Text, width: int) -> list[Text]:
        breaks: list[int] = []
        column = 0
        for token in _TOKEN.finditer(text.plain):
            room = width - (self.indent if breaks else 0)
            if column and column + cell_len(token.group().rstrip()) > room:
                breaks.append(token.start())
                column = 0
            column += cell_len(token.group())
        lines = list(text.divide(breaks))
        for n, line in enumerate(lines):
            line.rstrip()
            if n:
                line.pad_left(self.indent)
            line.overflow = "fold"  # one word wider than the whole line: folded, nothing lost
        return lines


def _fit(title: str, room: int) -> str:
    """`title` in at most `room` cells, cut at a space when one is near the end, and marked with "…"."""
    if cell_len(title) <= room:
        return title
    cut = ""
    for char in title:
        if cell_len(cut + char) > room - 1:
            break
        cut += char
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


class CardPanel(Panel):
    """The card's panel; its title (the buyer's name) is shortened at a word to the width, not cropped mid-word."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if isinstance(self.title, Text):
            full = getattr(self, "_full_title", None) or self.title.plain
            self._full_title = full
            self.title = Text(_fit(full, max(options.max_width - 6, 8)), style=self.title.style)
        yield from super().__rich_console__(console, options)


def renderable(card: Card) -> Panel:
    """A rich Panel; every user-given value goes through `escape` (no markup injection).

    Reading order: decision, reason, action; the buyer; the findings; what to do; the trust line; buttons.
    """
    t = translator(card.lang)
    parts: list[Text | Wrapped | str] = []
    style = _LEVEL_STYLE.get(card.level, "cyan") if card.level else "cyan"
    if card.decision is not None and card.decision_badge:
        parts.append(Text(card.decision_badge, style=_DECISION_STYLE[card.decision]))
        if card.decision_reason:
            parts.append(Wrapped(Text(card.decision_reason, style="bold")))
        if card.decision_action:
            parts.append(Wrapped(Text("→ " + card.decision_action), 2))
    parts.append(Wrapped(Text(card.buyer_line, style="dim")))
    line = Text.from_markup(f"[{style}]{escape(card.badge)}[/]")
    if card.verdict:
        line.append(" · " + card.verdict)
    parts.append(Wrapped(line))
    if card.status_line:
        parts.append(Wrapped(Text(resolve_times(card.status_line, card), style="bold")))
    for section in card.sections:
        parts.append(Text(""))
        parts.append(Text.from_markup(f"[bold underline]{escape(section.title)}[/]"))
        if not section.items:
            parts.append(Text("  " + t("card.no_history"), style="dim"))
        for item in section.items:
            line = Text(f"  {item.icon} ")
            line.append(item.text)
            parts.append(Wrapped(line, 5))
            if item.detail:
                parts.append(Wrapped(Text(f"     {item.detail}", style="dim"), 5))
            for link in item.links:
                parts.append(Text(f"     ↳ {link.label}: {link.url}", style="blue"))
        if section.hidden:
            parts.append(Text("  " + t("card.more", n=section.hidden), style="dim italic"))
    for key, lines in (("card.risk_factors", card.risk_factors), ("card.advice", card.advice), ("card.ask_next", card.ask_next)):
        if lines:
            parts.append(Text(""))
            parts.append(Text.from_markup(f"[bold]{escape(t(key))}[/]"))
            parts.extend(Wrapped(Text(f"  • {line}"), 4) for line in lines)
    if card.notices:
        parts.append(Text(""))
        parts.extend(Wrapped(Text(f"⚠ {notice}", style="yellow"), 2) for notice in card.notices)
    if card.trust_line:
        parts.append(Text(""))
        parts.append(Wrapped(Text(card.trust_line, style="dim")))
    elif card.footer:  # still checking: say what runs
        parts.append(Text(""))
        parts.extend(Wrapped(Text(line, style="dim")) for line in card.footer)
    if card.actions:
        parts.append(Text(""))
        buttons = "  ".join(f"[{a.number or i}] {a.label}" for i, a in enumerate(card.actions, 1))
        parts.append(Text(buttons, style="bold cyan"))
    return CardPanel(Group(*parts), title=Text(card.title, style="bold"), title_align="left", expand=False)


def render_details(card: Card) -> Panel:
    """The Details view: the card with every item, and the housekeeping in full."""
    panel = renderable(card)
    if card.footer:
        group = panel.renderable
        assert isinstance(group, Group)
        group.renderables.extend([Text(""), *(Wrapped(Text(line, style="dim")) for line in card.footer)])
    return panel


def render_text(card: Card, width: int = 100) -> str:
    """The card as plain text (no colour codes): for tests, logs and pipes."""
    buffer = StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(renderable(card))
    return buffer.getvalue()
