"""The card as a Feishu (Lark) interactive card, JSON 2.0.

Layout only, like the other renderers: the neutral `bot.card.Card` decides what is shown. The
header is the decision (its colour follows it), the body starts with the decision's reason and the
one thing to do, then the buyer, the sections, why this level, what to do, what to ask, the trust
line, and the buttons. A reason is asked in a form on the card itself (an input and a submit
button), which the callback delivers as `form_value`.

Escaping: every value the card did not write itself (a buyer's name, a finding, a note) is put in
`markdown` elements with each Markdown/HTML-significant character written as `&#N;` (Feishu's own
rule for special characters), so `**ACME**`, `<at id=all>` or `[x](javascript:…)` stay text; the
header uses `plain_text`. Links are only http(s) URLs, percent-encoded.

Size: Feishu refuses a card over 30 KB of JSON and over 200 elements. The body is built from
self-contained lines with priorities; when the JSON does not fit, the least important lines are
left out first (links, details, passes) and each section then says "…and N more (Details)".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from checks.i18n import translator
from checks.models import DecisionCode, Status

from ..card import ActionKind, Card, CardAction, CardSection, resolve_times
from ..text import clean

CARD_LIMIT = 30_000  # bytes of JSON Feishu accepts for one card (30 KB); kept with a margin below
SAFE_LIMIT = CARD_LIMIT - 1_000
MAX_ELEMENTS = 200  # JSON 2.0: at most 200 elements and components in one card
TITLE_MAX = 200
LINE_MAX = 400
DETAIL_MAX = 600
URL_MAX = 500
INPUT_MAX = 1000  # characters a reason may have (the input component's max_length)

TEMPLATE = {
    DecisionCode.STOP: "red",
    DecisionCode.VERIFY_FIRST: "orange",
    DecisionCode.SAFE_TERMS: "yellow",
    DecisionCode.PROCEED: "green",
}
BUTTON_TYPE = {"primary": "primary_filled", "danger": "danger"}
FORM_NAME = "reason_form"
REASON_FIELD = "reason"
DEAL_FIELD = "deal"
_STATUS_PRIORITY = {Status.FAIL: 3, Status.FLAG: 4, Status.UNAVAILABLE: 5, Status.INFO: 6, Status.PASS: 7}
_DETAIL_PRIORITY = 8
_LINK_PRIORITY = 9

# Feishu's Markdown treats these as syntax (and `<` opens its tags: <at>, <font>, <person> …)
_SPECIAL = re.compile(r"[&<>*_~`#\[\]()!|\\+\-:$\"'{}/=]")


def md(value: str, limit: int | None = LINE_MAX) -> str:
    """A plain value made literal inside a Feishu `markdown` element (cut first, then escaped)."""
    value = clean(value or "").strip()
    if limit is not None and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return _SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", value)


def plain(value: str, limit: int | None = TITLE_MAX) -> dict[str, str]:
    value = clean(value or "", one_line=True).strip()
    if limit is not None and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return {"tag": "plain_text", "content": value}


def safe_url(url: str) -> str | None:
    """An http(s) URL that cannot break out of `[label](url)`; None for anything else."""
    url = clean(url or "", one_line=True).strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > URL_MAX:
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~.-_")  # parentheses, spaces, quotes and brackets encoded


def local_time(value: datetime) -> str:
    """A time each reader sees in their own time zone (Feishu's <local_datetime> tag)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    ms = int(value.timestamp() * 1000)
    return (f"<local_datetime millisecond='{ms}' format_type='date_num'></local_datetime> "
            f"<local_datetime millisecond='{ms}' format_type='time'></local_datetime>")


def with_times(text: str, card: Card, limit: int | None = LINE_MAX) -> str:
    """An escaped line whose ⟦key⟧ time marks become reader-local times."""
    if "⟦" not in text:
        return md(text, limit)
    parts = re.split(r"(⟦\w+⟧)", text)
    out = []
    for part in parts:
        if part.startswith("⟦") and part.endswith("⟧"):
            out.append(resolve_times(part, card, render=local_time))
        else:
            out.append(md(part, limit))
    return "".join(out)


@dataclass
class _Line:
    text: str
    priority: int
    group: str | None = None
    counts: bool = False  # an item of its group (a detail or a link does not count)
    parent: int | None = None  # the item a detail or link line belongs to
    title_of: str | None = None


@dataclass
class _Body:
    """The card's body as lines; each group (section, list) becomes one markdown element."""

    lines: list[_Line] = field(default_factory=list)
    hidden: dict[str, int] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # element keys in order: a group name or "#n" for a lone line

    def add(self, line: _Line) -> int:
        self.lines.append(line)
        key = line.group or line.title_of or f"#{len(self.lines) - 1}"
        if key not in self.order:
            self.order.append(key)
        return len(self.lines) - 1


def _body(card: Card, preface: Sequence[str], *, full: bool) -> tuple[_Body, Any]:
    t = translator(card.lang)
    body = _Body()
    line_max, detail_max = (None, None) if full else (LINE_MAX, DETAIL_MAX)
    _head(body, card, preface, line_max)
    for section in card.sections:
        _section(body, section, t, line_max, detail_max)
    for key, lines, priority in (("card.risk_factors", card.risk_factors, 6), ("card.advice", card.advice, 5),
                                 ("card.ask_next", card.ask_next, 7)):
        if not lines:
            continue
        body.add(_Line(f"**{md(t(key))}**", 1, title_of=key))
        for text in lines:
            body.add(_Line("• " + md(text, line_max), priority, group=key, counts=True))
    for notice in card.notices:
        body.add(_Line("⚠️ " + md(notice, line_max), 5, group="card.notices", counts=True))
    _footer(body, card, full, line_max)
    return body, t


def _head(body: _Body, card: Card, preface: Sequence[str], line_max: int | None) -> None:
    """The decision's reason and action (the header shows the decision), then the buyer."""
    if card.decision_badge and not card.in_progress:
        if card.decision_reason:
            body.add(_Line(f"**{md(card.decision_reason, line_max)}**", 0, group="decision"))
        if card.decision_action:
            body.add(_Line("→ " + md(card.decision_action, line_max), 0, group="decision"))
    for text in list(preface)[:4]:
        body.add(_Line(f"<font color='grey'>{md(text)}</font>", 0, group="preface"))
    buyer = f"**{md(card.title, TITLE_MAX)}**" + (" · " + md(card.subtitle, line_max) if card.subtitle else "")
    body.add(_Line(buyer, 0, group="buyer"))
    if card.badge:
        body.add(_Line(f"**{md(card.badge)}**" + (" · " + md(card.verdict, line_max) if card.verdict else ""), 0,
                       group="buyer"))
    if card.status_line:
        body.add(_Line(f"**{with_times(card.status_line, card, line_max)}**", 0, group="buyer"))


def _section(body: _Body, section: CardSection, t: Any, line_max: int | None, detail_max: int | None) -> None:
    key = f"section.{section.key.value}"
    body.hidden[key] = section.hidden
    body.add(_Line(f"**{md(section.title)}**", 1, title_of=key))
    if not section.items and not section.hidden:
        body.add(_Line(f"<font color='grey'>{md(t('card.no_history'))}</font>", 7, group=key))
    for item in section.items:
        parent = body.add(_Line(f"{item.icon} {md(item.text, line_max)}", _STATUS_PRIORITY.get(item.status, 5),
                                group=key, counts=True))
        if item.detail:
            body.add(_Line(f"<font color='grey'>{md(item.detail, detail_max)}</font>", _DETAIL_PRIORITY,
                           group=key, parent=parent))
        links = [(md(link.label, 60), safe_url(link.url)) for link in item.links]
        shown = " · ".join(f"[{label}]({url})" for label, url in links if url)
        if shown:
            body.add(_Line(f"↳ {shown}", _LINK_PRIORITY, group=key, parent=parent))


def _footer(body: _Body, card: Card, full: bool, line_max: int | None) -> None:
    """Details show the housekeeping in full; the card its trust line, else the first footer lines."""
    if full and card.footer:
        for text in card.footer:
            body.add(_Line(f"<font color='grey'>{md(text, line_max)}</font>", 0, group="footer"))
    elif card.trust_line:
        body.add(_Line(f"<font color='grey'>{md(card.trust_line)}</font>", 0, group="footer"))
    elif card.footer:
        for text in card.footer[:4]:
            body.add(_Line(f"<font color='grey'>{md(text)}</font>", 0, group="footer"))


def _elements(body: _Body, kept: set[int], t: Any) -> list[dict[str, Any]]:
    """One markdown element per group, with its "…and N more" line; a divider before each section."""
    grouped: dict[str, list[str]] = {key: [] for key in body.order}
    shown_groups = {body.lines[i].group for i in kept if body.lines[i].group}
    for index, line in enumerate(body.lines):
        key = line.group or line.title_of or f"#{index}"
        if index not in kept:
            continue
        if line.title_of and line.title_of not in shown_groups and body.hidden.get(line.title_of, 0) == 0:
            continue
        grouped[key].append(line.text)
    for key in body.order:
        dropped = sum(1 for i, line in enumerate(body.lines) if line.group == key and line.counts and i not in kept)
        n = body.hidden.get(key, 0) + dropped
        if n and grouped.get(key):
            grouped[key].append(f"<font color='grey'>{md(t('card.more', n=n))}</font>")
    elements: list[dict[str, Any]] = []
    for key in body.order:
        lines = grouped.get(key) or []
        if not lines:
            continue
        if key.startswith(("section.", "card.")) or key == "footer":
            elements.append({"tag": "hr"})
        elements.append({"tag": "markdown", "content": "\n".join(lines)})
    return elements


def _button(action: CardAction, *, lang: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "tag": "button",
        "text": plain(action.label, 60),
        "type": BUTTON_TYPE.get(action.style or "", "default"),
        "behaviors": [{"type": "callback", "value": action_value(action.kind, action.case_id, action.arg)}],
    }
    return button


def action_value(kind: ActionKind, case_id: int | None, arg: str = "", *, form: bool = False) -> dict[str, Any]:
    """What a button carries back (checked again server-side: only a claim)."""
    value: dict[str, Any] = {"a": ActionKind(kind).value, "c": case_id}
    if arg:
        value["g"] = arg[:200]
    if form:
        value["f"] = 1
    return value


def _buttons(actions: Iterable[CardAction], lang: str) -> list[dict[str, Any]]:
    columns = [{"tag": "column", "width": "auto", "elements": [_button(action, lang=lang)]} for action in actions]
    if not columns:
        return []
    return [{"tag": "column_set", "flex_mode": "flow", "horizontal_spacing": "small", "columns": columns}]


@dataclass(frozen=True)
class ReasonForm:
    """A reason asked on the card: which button it is for, and what the prompt says."""

    kind: ActionKind
    case_id: int
    prompt: str
    arg: str = ""
    ask_deal: bool = False  # Request approval: the deal (goods, value, payment terms), optional
    confirm: str = ""  # approving a STOP case: a confirmation dialog on the submit button


def _form(form: ReasonForm, lang: str) -> list[dict[str, Any]]:
    t = translator(lang)
    fields: list[dict[str, Any]] = [
        {"tag": "markdown", "content": f"**{md(form.prompt)}**"},
        {"tag": "input", "name": REASON_FIELD, "required": True, "max_length": INPUT_MAX,
         "placeholder": plain(t("feishu.reason.placeholder"), 100)},
    ]
    if form.ask_deal:
        fields.append({"tag": "input", "name": DEAL_FIELD, "required": False, "max_length": 300,
                       "placeholder": plain(t("feishu.reason.deal_placeholder"), 100)})
    submit: dict[str, Any] = {
        "tag": "button", "name": "submit", "form_action_type": "submit", "type": "primary_filled",
        "text": plain(t("feishu.reason.submit"), 40),
        "behaviors": [{"type": "callback", "value": action_value(form.kind, form.case_id, form.arg, form=True)}],
    }
    if form.confirm:
        submit["confirm"] = {"title": plain(t("feishu.reason.confirm_title"), 60), "text": plain(form.confirm, 500)}
    cancel = {"tag": "button", "name": "cancel", "form_action_type": "reset", "type": "default",
              "text": plain(t("feishu.reason.cancel"), 40)}
    fields.append({"tag": "column_set", "flex_mode": "flow", "columns": [
        {"tag": "column", "width": "auto", "elements": [submit]},
        {"tag": "column", "width": "auto", "elements": [cancel]},
    ]})
    return [{"tag": "hr"}, {"tag": "form", "name": FORM_NAME, "elements": fields}]


def _header(card: Card) -> dict[str, Any]:
    if card.decision_badge and not card.in_progress:
        title, template = card.decision_badge, TEMPLATE.get(card.decision or DecisionCode.VERIFY_FIRST, "grey")
    else:
        title, template = card.badge or card.title, "blue"
    header: dict[str, Any] = {"title": plain(title, TITLE_MAX), "template": template}
    subtitle = card.buyer_line if (card.decision_badge and not card.in_progress) else card.title
    if subtitle:
        header["subtitle"] = plain(subtitle, TITLE_MAX)
    return header


def size_of(payload: dict[str, Any]) -> int:
    """Bytes of the card's JSON as sent (UTF-8, not ASCII-escaped)."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def count_elements(node: Any) -> int:
    """Components in a card (each dict with a `tag`), what Feishu's 200-element limit counts."""
    if isinstance(node, dict):
        return (1 if "tag" in node else 0) + sum(count_elements(value) for value in node.values())
    if isinstance(node, list):
        return sum(count_elements(item) for item in node)
    return 0


def render_card(card: Card, *, preface: Sequence[str] = (), form: ReasonForm | None = None,
                with_actions: bool = True, limit: int = SAFE_LIMIT) -> dict[str, Any]:
    """The card JSON 2.0 (a dict) within `limit` bytes: least important lines left out first."""
    body, t = _body(card, preface, full=False)
    tail: list[dict[str, Any]] = []
    if with_actions and card.actions:
        tail.append({"tag": "hr"})
        tail.extend(_buttons(card.actions, card.lang))
    if form is not None:
        tail.extend(_form(form, card.lang))

    def build(kept: set[int]) -> dict[str, Any]:
        return {
            "schema": "2.0",
            "config": {"update_multi": True, "summary": {"content": clean(card.preview, one_line=True)[:120]}},
            "header": _header(card),
            "body": {"elements": _elements(body, kept, t) + tail},
        }

    ranked = sorted(range(len(body.lines)), key=lambda i: (body.lines[i].priority, i))

    def keep(k: int) -> set[int]:
        chosen = set(ranked[:k])
        return {i for i in chosen if body.lines[i].parent is None or body.lines[i].parent in chosen}

    def fits(payload: dict[str, Any]) -> bool:
        return size_of(payload) <= limit and count_elements(payload) <= MAX_ELEMENTS

    full = build(set(ranked))
    if fits(full):
        return full
    low = sum(1 for line in body.lines if line.priority == 0)
    high = len(ranked)
    while low < high:  # how many lines fit, by bisection
        mid = (low + high + 1) // 2
        if fits(build(keep(mid))):
            low = mid
        else:
            high = mid - 1
    payload = build(keep(low))
    while not fits(payload) and low > 0:  # the size is not strictly monotonic in k
        low -= 1
        payload = build(keep(low))
    return payload


def render_details(card: Card, *, limit: int = SAFE_LIMIT) -> list[dict[str, Any]]:
    """The whole card (Details: every item, detail, link and the housekeeping) as one or more cards
    without buttons, each within `limit` bytes and the element limit."""
    body, t = _body(card, (), full=True)
    pages: list[dict[str, Any]] = []
    current: list[int] = []

    def build(indexes: list[int], page: int) -> dict[str, Any]:
        header = _header(card)
        if page:
            header["subtitle"] = plain(f"{card.title} ({page + 1})")
        return {"schema": "2.0", "config": {"update_multi": True}, "header": header,
                "body": {"elements": _elements(body, set(indexes), t)}}

    for index, line in enumerate(body.lines):
        if len(line.text.encode("utf-8")) > limit // 2:  # one enormous detail: cut, never dropped silently
            line.text = line.text[: limit // 8] + "…"
        trial = current + [index]
        payload = build(trial, len(pages))
        if current and (size_of(payload) > limit or count_elements(payload) > MAX_ELEMENTS):
            pages.append(build(current, len(pages)))
            current = [index]
        else:
            current = trial
    if current:
        pages.append(build(current, len(pages)))
    return pages


def render_text(text: str, *, title: str = "", template: str = "blue") -> dict[str, Any]:
    """A short message as a card (a notice, a refusal): escaped markdown, no buttons."""
    payload: dict[str, Any] = {"schema": "2.0", "config": {"update_multi": True},
                               "body": {"elements": [{"tag": "markdown", "content": md(text, 4000)}]}}
    if title:
        payload["header"] = {"title": plain(title), "template": template}
    return payload


__all__ = [
    "CARD_LIMIT",
    "DEAL_FIELD",
    "MAX_ELEMENTS",
    "REASON_FIELD",
    "ReasonForm",
    "action_value",
    "count_elements",
    "md",
    "render_card",
    "render_details",
    "render_text",
    "safe_url",
    "size_of",
]
