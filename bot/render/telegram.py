"""The card as Telegram HTML plus an inline keyboard.

Every value goes through `html.escape` (a buyer called `<b>ACME</b> & Co` stays text). A message
holds at most 4,096 characters: the card is built from self-contained lines ("units": no tag
spans two units), and when it does not fit the least important units are left out — passes before
problems, details before titles — each section then saying "…and N more (Details)". The full
card (the Details button) is split into several messages on unit boundaries, never mid-tag.
The Details pages are not clipped: an item longer than a message is split at word boundaries
(a Chinese text between any two characters), each piece closing and reopening its tags.
Length is counted in UTF-16 code units of the HTML source, which is never less than what
Telegram counts after parsing the entities, so the limit holds with a margin.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from checks.i18n import translator
from checks.models import Status

from ..card import ActionKind, Card, CardAction, CardSection, resolve_times
from ..text import clean
from .buttons import encode

MESSAGE_LIMIT = 4096
TITLE_MAX = 200
LINE_MAX = 400
DETAIL_MAX = 600
URL_MAX = 500

# What to keep first when space runs out (lower is kept first).
_STATUS_PRIORITY = {Status.FAIL: 3, Status.FLAG: 4, Status.UNAVAILABLE: 5, Status.INFO: 6, Status.PASS: 7}
_DETAIL_PRIORITY = 8
_LINK_PRIORITY = 9
_DECISIONS = (ActionKind.REQUEST_APPROVAL, ActionKind.ESCALATE, ActionKind.APPROVE, ActionKind.REJECT)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def clip(value: str, limit: int | None) -> str:
    """Cut a plain value (before escaping, so never inside an entity) and mark the cut; None: keep it all."""
    value = value.strip()
    return value if limit is None or len(value) <= limit else value[: limit - 1].rstrip() + "…"


def esc(value: str, limit: int | None = LINE_MAX) -> str:
    return html.escape(clip(clean(value), limit), quote=False)


@dataclass
class _Unit:
    html: str
    priority: int
    group: str | None = None  # the section or list whose "…and N more" line counts this unit
    counts: bool = False  # an item of its group (a detail or link line does not count)
    parent: int | None = None  # index of the unit this one belongs to (a detail to its item)
    title_of: str | None = None  # a group's title: shown only when something of the group is


@dataclass
class _Group:
    key: str
    already_hidden: int = 0
    units: list[int] = field(default_factory=list)


@dataclass
class TelegramMessage:
    """What `sendMessage` / `editMessageText` get: HTML text and an optional inline keyboard."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None

    @property
    def length(self) -> int:
        return utf16_len(self.text)


class _Layout:
    """The card as an ordered list of units, with the "…and N more" line after each group."""

    def __init__(self, card: Card, preface: Sequence[str], *, full: bool = False) -> None:
        self.t = translator(card.lang)
        self.full = full  # the Details pages: no value is clipped (long lines are split instead)
        self.units: list[_Unit] = []
        self.groups: dict[str, _Group] = {}
        self.group_after: dict[int, str] = {}  # unit index -> group whose "more" line follows it
        self._build(card, preface)

    def add(self, unit: _Unit) -> int:
        self.units.append(unit)
        index = len(self.units) - 1
        if unit.group is not None:
            self.groups[unit.group].units.append(index)
        return index

    def open_group(self, key: str, already_hidden: int = 0) -> None:
        self.groups[key] = _Group(key, already_hidden)

    def close_group(self, key: str) -> None:
        self.group_after[len(self.units) - 1] = key

    def _build(self, card: Card, preface: Sequence[str]) -> None:
        line_max, detail_max, title_max = (None, None, None) if self.full else (LINE_MAX, DETAIL_MAX, TITLE_MAX)
        self._head(card, preface, line_max, title_max)
        for section in card.sections:
            self._section(section, line_max, detail_max)
        self._lists(card, line_max)
        self._footer(card, line_max)

    def _head(self, card: Card, preface: Sequence[str], line_max: int | None, title_max: int | None) -> None:
        """The first lines: decision, reason, action (the notification shows the first line), then the buyer."""
        add = self.add
        if card.decision_badge and not card.in_progress:
            add(_Unit(f"<b>{esc(card.decision_badge, line_max)}</b>", 0))
            if card.decision_reason:
                add(_Unit(f"<b>{esc(card.decision_reason, line_max)}</b>", 0))
            if card.decision_action:
                add(_Unit("→ " + esc(card.decision_action, line_max), 0))
        for line in list(preface)[:4]:
            add(_Unit(f"<i>{esc(line)}</i>", 0))
        buyer = f"<b>{esc(card.title, title_max)}</b>"
        if card.subtitle:
            buyer += " · " + esc(card.subtitle, line_max)
        add(_Unit(buyer, 0))
        if card.badge:
            add(_Unit(f"<b>{esc(card.badge, line_max)}</b>" + (" · " + esc(card.verdict, line_max) if card.verdict else ""), 0))
        if card.status_line:
            add(_Unit(f"<b>{esc(resolve_times(card.status_line, card), line_max)}</b>", 0))

    def _section(self, section: CardSection, line_max: int | None, detail_max: int | None) -> None:
        add = self.add
        key = f"section.{section.key.value}"
        self.open_group(key, section.hidden)
        add(_Unit(f"\n<b>{esc(section.title)}</b>", 1, title_of=key))
        if not section.items and not section.hidden:
            add(_Unit(f"<i>{esc(self.t('card.no_history'))}</i>", 7, key))  # low on a phone's first screen
        for item in section.items:
            priority = _STATUS_PRIORITY.get(item.status, 5)
            parent = add(_Unit(f"{item.icon} {esc(item.text, line_max)}", priority, key, counts=True))
            if item.detail:
                add(_Unit(f"    <i>{esc(item.detail, detail_max)}</i>", _DETAIL_PRIORITY, key, parent=parent))
            if item.links:
                links = " · ".join(
                    f'<a href="{html.escape(clip(link.url, URL_MAX), quote=True)}">{esc(link.label, 60)}</a>'
                    for link in item.links
                )
                add(_Unit(f"    ↳ {links}", _LINK_PRIORITY, key, parent=parent))
        self.close_group(key)

    def _lists(self, card: Card, line_max: int | None) -> None:
        """Risk factors, advice, what to ask next and notices: after the findings that caused them, so a
        phone's first screen shows the problems."""
        add = self.add
        lists = (
            ("card.risk_factors", card.risk_factors, 6),
            ("card.advice", card.advice, 5),
            ("card.ask_next", card.ask_next, 7),
        )
        for key, lines, priority in lists:
            if not lines:
                continue
            self.open_group(key)
            add(_Unit(f"\n<b>{esc(self.t(key))}</b>", 1, title_of=key))
            for line in lines:
                add(_Unit(f"• {esc(line, line_max)}", priority, key, counts=True))
            self.close_group(key)
        if card.notices:
            self.open_group("card.notices")
            add(_Unit("", 1))
            for notice in card.notices:
                add(_Unit(f"⚠️ {esc(notice, line_max)}", 5, "card.notices", counts=True))
            self.close_group("card.notices")

    def _footer(self, card: Card, line_max: int | None) -> None:
        """Details show the housekeeping in full; the card its trust line, else the first footer lines."""
        add = self.add
        if self.full and card.footer:
            add(_Unit("", 0))
            for line in card.footer:
                add(_Unit(f"<i>{esc(line, line_max)}</i>", 0))
        elif card.trust_line:
            add(_Unit("", 0))
            add(_Unit(f"<i>{esc(card.trust_line, line_max)}</i>", 0))
        elif card.footer:
            add(_Unit("", 0))
            for line in card.footer[:4]:
                add(_Unit(f"<i>{esc(line, line_max)}</i>", 0))

    def more_line(self, group: _Group, kept: set[int]) -> str | None:
        if not any(self.units[i].title_of == group.key and i in kept for i in range(len(self.units))):
            return None  # the whole group waits in Details (the trust line says so)
        dropped = sum(1 for i in group.units if self.units[i].counts and i not in kept)
        n = group.already_hidden + dropped
        return f"<i>{esc(self.t('card.more', n=n))}</i>" if n else None

    def lines(self, kept: set[int]) -> list[str]:
        out: list[str] = []
        for index, unit in enumerate(self.units):
            if index in kept:
                out.append(unit.html)
            group = self.group_after.get(index)
            if group is not None:
                more = self.more_line(self.groups[group], kept)
                if more:
                    out.append(more)
        return out

    def text(self, kept: set[int]) -> str:
        return "\n".join(self.lines(kept)).strip("\n")

    def ranked(self) -> list[int]:
        """Unit indexes, most important first; among equals, each group's first before any second."""
        position: dict[int, int] = {}
        for group in self.groups.values():
            for n, index in enumerate(group.units):
                position[index] = n
        return sorted(range(len(self.units)), key=lambda i: (self.units[i].priority, position.get(i, 0), i))

    def keep(self, ranked: list[int], k: int) -> set[int]:
        chosen = set(ranked[:k])
        # a detail or link line is shown only under its own item
        chosen = {i for i in chosen if self.units[i].parent is None or self.units[i].parent in chosen}
        # a title only above something of its group (an item, or an empty section's own line)
        shown = {self.units[i].group for i in chosen if self.units[i].group is not None}
        for index in list(chosen):
            unit = self.units[index]
            if unit.title_of and unit.title_of not in shown and self.groups[unit.title_of].units:
                chosen.discard(index)
        return chosen


PHONE_LINES = 30  # what a 390-px phone shows above the inline keyboard (14.5 px text, ~44 narrow characters a line)
PHONE_WIDTH = 44


def phone_lines(html_text: str) -> int:
    """Lines the message takes on a phone: a CJK character is as wide as two Latin ones."""
    total = 0
    for line in re.sub(r"<[^>]+>", "", html_text).split("\n"):
        width = sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in html.unescape(line))
        total += max(1, -(-width // PHONE_WIDTH))
    return total


def render_text(card: Card, *, preface: Sequence[str] = (), limit: int = MESSAGE_LIMIT,
                lines: int | None = PHONE_LINES) -> str:
    """The card's HTML, within `limit` UTF-16 units and (when `lines` is set) within a phone's first screen,
    so that the inline keyboard — the main button — is visible without scrolling; the least important
    lines go first (details, links and passes are in Details)."""
    layout = _Layout(card, preface)
    ranked = layout.ranked()

    def fits(text: str) -> bool:
        return utf16_len(text) <= limit and (lines is None or phone_lines(text) <= lines)

    full = layout.text(set(ranked))
    if fits(full):
        return full
    mandatory = sum(1 for i in ranked if layout.units[i].priority == 0)
    low, high = mandatory, len(ranked)  # binary search on how many units to keep
    while low < high:
        mid = (low + high + 1) // 2
        if fits(layout.text(layout.keep(ranked, mid))):
            low = mid
        else:
            high = mid - 1
    text = layout.text(layout.keep(ranked, low))
    while utf16_len(text) > limit and low > 0:  # the length is not strictly monotonic in k
        low -= 1
        text = layout.text(layout.keep(ranked, low))
    return text


def render_pages(card: Card, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The whole card (every item, detail and link, unclipped) split into messages of at most `limit`."""
    layout = _Layout(card, (), full=True)
    lines = [piece for line in layout.lines(set(range(len(layout.units)))) for piece in split_html(line, limit)]
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        cost = utf16_len(line) + 1
        if current and size + cost > limit:
            pages.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(line)
        size += cost
    if current:
        pages.append("\n".join(current).strip("\n"))
    return [page for page in pages if page]


# A tag, an entity, a run of spaces, one CJK character (a line may break after any), or a word.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_ATOM = re.compile(rf"<[^>]*>|\s+|[{_CJK}]|(?:&#?\w+;|[^\s<{_CJK}])+")
_CHAR = re.compile(r"&#?\w+;|.", re.S)  # a word too long for a message is cut between characters


def _tag_name(tag: str) -> str:
    match = re.match(r"</?\s*(\w+)", tag)
    return match.group(1) if match else ""


def split_html(line: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """One line of escaped HTML as pieces of at most `limit` UTF-16 units, each valid on its own.

    Breaks between words (never inside a tag or an entity like `&amp;`); the tags open at a break are
    closed at the end of the piece and reopened at the start of the next, so a long `<i>` detail
    stays italic and a link stays a link. A single word longer than a whole message is cut
    between characters.
    """
    if utf16_len(line) <= limit:
        return [line]
    splitter = _HtmlSplitter(limit)
    for atom in _ATOM.findall(line):
        splitter.feed(atom)
    return splitter.finish()


class _HtmlSplitter:
    """The pieces `split_html` has cut so far and the one it is filling."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pieces: list[str] = []
        self.opened: list[tuple[str, str]] = []  # the open tags: (name, the tag as written, to reopen it)
        self.parts: list[str] = []
        self.size = 0  # UTF-16 units in parts
        self.has_text = False

    def closers(self) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(self.opened))

    def fits(self, token: str) -> bool:
        """Room for `token` and for closing every tag open after it."""
        closing = utf16_len(self.closers())
        if token.startswith("</"):
            closing -= utf16_len(token)
        elif token.startswith("<"):
            closing += len(_tag_name(token)) + 3
        return self.size + utf16_len(token) + closing <= self.limit

    def flush(self) -> None:
        self.pieces.append("".join(self.parts) + self.closers())
        self.parts = [tag for _, tag in self.opened]
        self.size, self.has_text = sum(utf16_len(tag) for tag in self.parts), False

    def take(self, token: str) -> None:
        if token.startswith("</"):
            if self.opened:
                self.opened.pop()
        elif token.startswith("<"):
            self.opened.append((_tag_name(token), token))
        elif token.isspace() and not self.has_text and self.pieces:
            return  # a piece does not start with the space it was broken at
        else:
            self.has_text = True
        self.parts.append(token)
        self.size += utf16_len(token)

    def feed(self, atom: str) -> None:
        if self.fits(atom):
            self.take(atom)
            return
        if atom.isspace():  # the break itself
            if self.has_text:
                self.flush()
            return
        if self.has_text:
            self.flush()
        if atom.startswith("<") or self.fits(atom):  # a tag is never cut: it starts the next piece
            self.take(atom)
            return
        for char in _CHAR.findall(atom):  # longer than a whole message: cut between characters
            if self.has_text and not self.fits(char):
                self.flush()
            self.take(char)

    def finish(self) -> list[str]:
        if self.has_text or not self.pieces:
            self.pieces.append("".join(self.parts) + self.closers())
        return self.pieces


def button_label(action: CardAction) -> str:
    return clip(action.label, 60)


def keyboard(actions: Iterable[CardAction]) -> InlineKeyboardMarkup | None:
    """The card's actions as inline buttons: decisions first, two per row, each match alone."""
    decisions: list[InlineKeyboardButton] = []
    others: list[InlineKeyboardButton] = []
    matches: list[list[InlineKeyboardButton]] = []
    for action in actions:
        data = encode(action)
        if data is None:
            continue
        button = InlineKeyboardButton(button_label(action), callback_data=data)
        if action.kind in _DECISIONS:
            decisions.append(button)
        elif action.kind is ActionKind.CLEAR_MATCH:
            matches.append([button])
        else:
            others.append(button)
    rows: list[list[InlineKeyboardButton]] = []
    if decisions:
        rows.append(decisions)
    rows.extend(others[i : i + 2] for i in range(0, len(others), 2))
    rows.extend(matches)
    return InlineKeyboardMarkup(rows) if rows else None


def render(card: Card, *, preface: Sequence[str] = (), limit: int = MESSAGE_LIMIT,
           lines: int | None = PHONE_LINES) -> TelegramMessage:
    """The message for a card: HTML within the limit (and a phone's first screen) and its buttons."""
    return TelegramMessage(text=render_text(card, preface=preface, limit=limit, lines=lines),
                           reply_markup=keyboard(card.actions))
