"""The card for a terminal, with rich. Actions are numbered so the chat can press them by number."""

from __future__ import annotations

from io import StringIO

from rich.console import Console, Group
from rich.markup import escape
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


def renderable(card: Card) -> Panel:
    """A rich Panel; every user-given value goes through `escape` (no markup injection).

    Reading order: decision, reason, action; the buyer; the findings; what to do; the trust line; buttons.
    """
    t = translator(card.lang)
    parts: list[Text | str] = []
    style = _LEVEL_STYLE.get(card.level, "cyan") if card.level else "cyan"
    if card.decision is not None and card.decision_badge:
        parts.append(Text(card.decision_badge, style=_DECISION_STYLE[card.decision]))
        if card.decision_reason:
            parts.append(Text(card.decision_reason, style="bold"))
        if card.decision_action:
            parts.append(Text("→ " + card.decision_action))
    parts.append(Text(card.buyer_line, style="dim"))
    line = Text.from_markup(f"[{style}]{escape(card.badge)}[/]")
    if card.verdict:
        line.append(" · " + card.verdict)
    parts.append(line)
    if card.status_line:
        parts.append(Text(resolve_times(card.status_line, card), style="bold"))
    for section in card.sections:
        parts.append(Text(""))
        parts.append(Text.from_markup(f"[bold underline]{escape(section.title)}[/]"))
        if not section.items:
            parts.append(Text("  " + t("card.no_history"), style="dim"))
        for item in section.items:
            line = Text(f"  {item.icon} ")
            line.append(item.text)
            parts.append(line)
            if item.detail:
                parts.append(Text(f"     {item.detail}", style="dim"))
            for link in item.links:
                parts.append(Text(f"     ↳ {link.label}: {link.url}", style="blue"))
        if section.hidden:
            parts.append(Text("  " + t("card.more", n=section.hidden), style="dim italic"))
    for key, lines in (("card.risk_factors", card.risk_factors), ("card.advice", card.advice), ("card.ask_next", card.ask_next)):
        if lines:
            parts.append(Text(""))
            parts.append(Text.from_markup(f"[bold]{escape(t(key))}[/]"))
            parts.extend(Text(f"  • {line}") for line in lines)
    if card.notices:
        parts.append(Text(""))
        parts.extend(Text(f"⚠ {notice}", style="yellow") for notice in card.notices)
    if card.trust_line:
        parts.append(Text(""))
        parts.append(Text(card.trust_line, style="dim"))
    elif card.footer:  # still checking: say what runs
        parts.append(Text(""))
        parts.extend(Text(line, style="dim") for line in card.footer)
    if card.actions:
        parts.append(Text(""))
        buttons = "  ".join(f"[{a.number or i}] {a.label}" for i, a in enumerate(card.actions, 1))
        parts.append(Text(buttons, style="bold cyan"))
    return Panel(Group(*parts), title=Text(card.title, style="bold"), title_align="left", expand=False)


def render_details(card: Card) -> Panel:
    """The Details view: the card with every item, and the housekeeping in full."""
    panel = renderable(card)
    if card.footer:
        group = panel.renderable
        assert isinstance(group, Group)
        group.renderables.extend([Text(""), *(Text(line, style="dim") for line in card.footer)])
    return panel


def render_text(card: Card, width: int = 100) -> str:
    """The card as plain text (no colour codes): for tests, logs and pipes."""
    buffer = StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(renderable(card))
    return buffer.getvalue()
