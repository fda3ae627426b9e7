"""The card in Block Kit: message blocks, the Details modal, the reason modal.

Every text that can carry user input is escaped for mrkdwn (`&`, `<`, `>`), and the formatting
characters Slack has no escape for (`*`, `~`, a backtick, a word-edge `_`) are swapped for
look-alikes, so a company called `<!channel> *bold*` pings no one and bolds nothing. Block Kit
limits are enforced here, because Slack rejects a whole message over one of them and slack_sdk
does not check all of them: 50 blocks a message (100 a modal), 3,000 characters a text, 150 a
header, 75 a button label, 2,000 a button value, 255 an action_id. Text is never cut mid-word
without saying so: a long finding ends with "(continued in Details)" and the Details modal
splits it over several blocks instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from checks.i18n import translator

from ..card import LEVEL_ICON, ActionKind, Card, CardAction, CardItem, CardSection, format_time, resolve_times
from ..text import clean

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_ACTIONS_PER_BLOCK = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_VIEW_TITLE = 24
MAX_METADATA = 3000
MAX_FALLBACK = 3000
ITEM_DETAIL_IN_CARD = 600  # longer details are shortened on the card and shown whole in Details

ACTION_PREFIX = "tc:"
REASON_CALLBACK = "tc_reason"
DETAILS_CALLBACK = "tc_details"
LANG_ACTION = "tc_lang"

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_FORMAT_SWAP = {"*": "∗", "~": "∼", "`": "ˋ"}
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_MRKDWN_TABLE = str.maketrans({**_ESCAPES, **_FORMAT_SWAP})
_URL_UNSAFE = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", '"': "%22"}


def escape(text: str) -> str:
    """Escape Slack's three control characters (mrkdwn and plain message text)."""
    return clean(text).translate(_ESCAPE_TABLE)


def mrkdwn(text: str) -> str:
    """User text made inert for mrkdwn: escaped, and formatting characters neutralised.

    `_` inside a word (john_doe@acme.ae) cannot start italics and is kept as typed.
    """
    text = clean(text).translate(_MRKDWN_TABLE)
    return _EDGE_UNDERSCORE.sub("ˍ", text) if "_" in text else text


def link(url: str, label: str) -> str:
    """A mrkdwn link; the URL keeps its bytes except the few that would end the link early."""
    safe = "".join(_URL_UNSAFE.get(ch, ch) for ch in url)
    return f"<{safe}|{mrkdwn(label).replace('|', '¦')}>"


def shorten(text: str, limit: int, marker: str = "…") -> str:
    """At most `limit` characters, cut at a word boundary, ending with `marker` when cut."""
    if len(text) <= limit:
        return text
    room = max(limit - len(marker), 1)
    cut = text[:room]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > room // 2:
        cut = cut[:space]
    else:
        cut = re.sub(r"&[a-z]{0,3}$", "", cut)  # never leave half an escape (&am…)
    return cut.rstrip() + marker


def split_text(text: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` characters at line or word boundaries, losing nothing."""
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit  # one unbroken word longer than half the limit: split it, nothing is lost
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    if text:
        pieces.append(text)
    return pieces


def _plain(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    """plain_text is never formatted, but Slack's escaping rule covers it too: `<!channel>` stays inert."""
    return {"type": "plain_text", "text": shorten(escape(text), limit) or " ", "emoji": True}


def _md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": _md(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def _context(lines: list[str]) -> dict[str, Any]:
    elements = [_md(shorten(line, MAX_TEXT)) for line in lines if line][: MAX_CONTEXT_ELEMENTS - 1]
    rest = [line for line in lines if line][MAX_CONTEXT_ELEMENTS - 1:]
    if rest:
        elements.append(_md(shorten(" · ".join(rest), MAX_TEXT)))
    return {"type": "context", "elements": elements}


def _notes_blocks(lines: list[str]) -> list[dict[str, Any]]:
    """Housekeeping lines (already mrkdwn) one under another, in as few context blocks as fit: a context's
    elements sit side by side, so one element a line ran the sentences together into a wall of small print."""
    blocks: list[dict[str, Any]] = []
    current = ""
    for line in (shorten(line, MAX_TEXT) for line in lines if line):
        if current and len(current) + 1 + len(line) > MAX_TEXT:
            blocks.append({"type": "context", "elements": [_md(current)]})
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append({"type": "context", "elements": [_md(current)]})
    return blocks


MAX_LINK_URL = 500


def _item_atoms(item: CardItem, t, *, full: bool, budget: int = ITEM_DETAIL_IN_CARD) -> list[str]:  # type: ignore[no-untyped-def]
    """One finding as lines that are never split inside: title, detail pieces, links.

    On the card the title and detail are shortened at a word (saying so); in Details the detail
    is split over as many pieces as it needs.
    """
    more = "… " + t("slack.card.continued")
    title = item.text if full else shorten(item.text, budget, more)
    atoms = [f"{item.icon} {mrkdwn(title)}"]
    if item.detail:
        if full:
            atoms.extend(_escaped_pieces(item.detail, MAX_TEXT - 100))
        else:
            atoms.append(_indent(mrkdwn(shorten(item.detail, budget, more))))
    links = [link(each.url, each.label) for each in item.links if len(each.url) <= MAX_LINK_URL]
    if links:
        atoms.append("      ↳ " + " · ".join(links))
    if not full and sum(len(a) + 1 for a in atoms) > MAX_TEXT - 200 and budget > 50:
        return _item_atoms(item, t, full=full, budget=budget // 2)  # heavy escaping: try shorter
    return atoms


def _indent(text: str) -> str:
    return "      " + text.replace("\n", "\n      ")


def _escaped_pieces(text: str, limit: int) -> list[str]:
    """`text` escaped and indented, in pieces that each fit `limit` after escaping."""
    pieces: list[str] = []
    for raw in split_text(text, limit):
        piece = _indent(mrkdwn(raw))
        if len(piece) > limit and len(raw) > 1:
            pieces.extend(_escaped_pieces(raw, max(len(raw) // 2, 1)))
        else:
            pieces.append(piece)
    return pieces


def _section_blocks(section: CardSection, t, *, full: bool) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A card section as one or more section blocks of at most 3,000 characters each."""
    atoms: list[str] = []
    for item in section.items:
        atoms.extend(_item_atoms(item, t, full=full))
    if not section.items:
        atoms.append("_" + mrkdwn(t("card.no_history")) + "_")
    if section.hidden:
        atoms.append("_" + mrkdwn(t("card.more", n=section.hidden)) + "_")
    blocks: list[dict[str, Any]] = []
    current = f"*{mrkdwn(shorten(section.title, 200))}*"
    for atom in atoms:
        if len(current) + 1 + len(atom) > MAX_TEXT:
            blocks.append(_section(current))
            current = atom
        else:
            current = f"{current}\n{atom}"
    blocks.append(_section(current))
    return blocks


def _list_block(title: str, lines: list[str], t) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A titled bullet list; lines that do not fit are counted, not silently dropped."""
    text = f"*{mrkdwn(title)}*"
    for i, line in enumerate(lines):
        bullet = "\n• " + mrkdwn(shorten(line, 400))
        if len(text) + len(bullet) > MAX_TEXT - 100:
            text += "\n_" + mrkdwn(t("card.more", n=len(lines) - i)) + "_"
            break
        text += bullet
    return _section(text)


def header_text(card: Card) -> str:
    """The header is the decision (the first thing on a phone); while checking, the buyer's name."""
    if card.decision_badge and not card.in_progress:
        return card.decision_badge
    icon = LEVEL_ICON[card.level] if card.level else "⏳"
    return f"{icon} {card.title}"


def slack_time(value, zone=None) -> str:  # type: ignore[no-untyped-def]
    """A time each reader sees in their own Slack time zone (the fallback says the zone: the team's, `zone`)."""
    return f"<!date^{int(value.timestamp())}^{{date_short_pretty}} {{time}}|{format_time(value, zone)}>"


def _times(text: str, card: Card) -> str:
    return resolve_times(text, card, lambda value: slack_time(value, card.zone))


def _decision_text(card: Card) -> str:
    lines = []
    if card.decision_reason:
        lines.append(f"*{mrkdwn(shorten(card.decision_reason, 1200))}*")
    if card.decision_action:
        lines.append("→ " + mrkdwn(shorten(card.decision_action, 1200)))
    return shorten("\n".join(lines), MAX_TEXT) or " "


def _summary(card: Card) -> str:
    """Buyer, risk badge and identity, case status: each shortened on its own so markup stays whole."""
    lines = [f"*{mrkdwn(shorten(card.title, 300))}*" + (" · " + mrkdwn(shorten(card.subtitle, 400)) if card.subtitle else "")]
    badge = f"*{mrkdwn(shorten(card.badge, 200))}*"
    if card.verdict:
        badge += " · " + mrkdwn(shorten(card.verdict, 800))
    lines.append(badge)
    if card.status_line:
        lines.append(f"*{_times(mrkdwn(shorten(card.status_line, 700)), card)}*")
    return shorten("\n".join(lines), MAX_TEXT)


def encode_value(action: CardAction) -> str:
    return f"{action.case_id if action.case_id is not None else ''}|{action.arg}"


def decode_value(value: str) -> tuple[int | None, str]:
    """`<case_id>|<arg>` back to its parts; a malformed value gives (None, "")."""
    case, _, arg = (value or "").partition("|")
    try:
        return int(case), arg
    except ValueError:
        return None, ""


def decode_action_id(action_id: str) -> ActionKind | None:
    """`tc:<kind>` or `tc:<kind>:<n>` (n keeps action_ids unique within a message)."""
    if not action_id.startswith(ACTION_PREFIX):
        return None
    kind = action_id[len(ACTION_PREFIX):].split(":", 1)[0]
    try:
        return ActionKind(kind)
    except ValueError:
        return None


def _buttons(card: Card) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for action in card.actions:
        value = encode_value(action)
        if len(value) > MAX_BUTTON_VALUE:
            continue  # cannot happen with ids and short args; never send a value Slack rejects
        base = ACTION_PREFIX + action.kind.value
        n = seen.get(base, 0)
        seen[base] = n + 1
        label = action.label
        button: dict[str, Any] = {
            "type": "button",
            "action_id": (base if n == 0 else f"{base}:{n}")[:MAX_ACTION_ID],
            "text": _plain(label, MAX_BUTTON_TEXT),
            "value": value,
        }
        if action.style in ("primary", "danger"):
            button["style"] = action.style
        if action.confirm:
            t = translator(card.lang)
            button["confirm"] = {
                "title": _plain(t("slack.confirm.title"), 100), "text": _plain(action.confirm, 300),
                "confirm": _plain(t("slack.confirm.yes"), 30), "deny": _plain(t("slack.modal.cancel"), 30),
            }
            if action.style in ("primary", "danger"):
                button["confirm"]["style"] = "danger"
        buttons.append(button)
    return buttons


def _main_button(card: Card) -> dict[str, Any] | None:
    """The first primary action, shown right under the decision (the phone's first screen)."""
    buttons = _buttons(card)
    return next((b for b in buttons if b.get("style") == "primary"), None)


def _action_blocks(card: Card) -> list[dict[str, Any]]:
    main = _main_button(card)
    buttons = [b for b in _buttons(card) if b is not main and b != main]
    return [
        {"type": "actions", "block_id": f"tc_actions_{i}", "elements": buttons[i:i + MAX_ACTIONS_PER_BLOCK]}
        for i in range(0, len(buttons), MAX_ACTIONS_PER_BLOCK)
    ]


def _body_blocks(card: Card, *, full: bool) -> list[dict[str, Any]]:
    t = translator(card.lang)
    blocks: list[dict[str, Any]] = []
    if card.notices:
        blocks.append(_section(shorten("\n".join(f"⚠️ {mrkdwn(shorten(n, 500))}" for n in card.notices), MAX_TEXT)))
    for section in card.sections:
        blocks.extend(_section_blocks(section, t, full=full))
    for key, lines in (("card.risk_factors", card.risk_factors), ("card.advice", card.advice), ("card.ask_next", card.ask_next)):
        if lines:
            blocks.append(_list_block(t(key), lines, t))
    return blocks


def _head_blocks(card: Card) -> list[dict[str, Any]]:
    """Decision (header), reason and action with the main button, then the buyer."""
    head: list[dict[str, Any]] = [{"type": "header", "text": _plain(header_text(card), MAX_HEADER)}]
    if card.decision_badge and not card.in_progress:
        head.append(_section(_decision_text(card), block_id="tc_decision"))
        main = _main_button(card)
        if main is not None:  # full width under the decision: on a phone's first screen
            head.append({"type": "actions", "block_id": "tc_main", "elements": [main]})
    head.append(_section(_summary(card)))
    return head


def render_blocks(card: Card) -> list[dict[str, Any]]:
    """The message blocks for a card: never more than 50, every text within its limit."""
    t = translator(card.lang)
    head = _head_blocks(card)
    body = _body_blocks(card, full=False)
    tail: list[dict[str, Any]] = []
    if card.trust_line:
        tail.append(_context([mrkdwn(card.trust_line)]))
    elif card.footer:  # a card still checking: what runs, in one block (the rest is the Details' business)
        tail.append({"type": "context", "elements": [_md(shorten("\n".join(mrkdwn(line) for line in card.footer if line),
                                                                  MAX_TEXT))]})
    tail.extend(_action_blocks(card))
    room = MAX_MESSAGE_BLOCKS - len(head) - len(tail) - 1  # one divider before the tail
    if len(body) > room:
        dropped = body[room - 1:]
        lines = sum(block["text"]["text"].count("\n") + 1 for block in dropped)
        body = body[: room - 1] + [_context([mrkdwn(t("slack.card.more_blocks", n=lines))])]
    blocks = head + body + [{"type": "divider"}] + tail
    return blocks[:MAX_MESSAGE_BLOCKS]


def fallback_text(card: Card) -> str:
    """The message's `text`: what notifications and screen readers show — the decision and its reason."""
    return shorten(mrkdwn(card.preview), MAX_FALLBACK)


def render_message(card: Card) -> dict[str, Any]:
    """`text` + `blocks` keyword arguments for chat.postMessage / chat.update."""
    return {"text": fallback_text(card), "blocks": render_blocks(card)}


def _view_title(text: str) -> dict[str, Any]:
    return _plain(text, MAX_VIEW_TITLE)


def render_details_view(card: Card) -> dict[str, Any]:
    """A modal with every finding in full (built from a details=True card); nothing cut silently."""
    t = translator(card.lang)
    # escaping can make a short name long (& becomes &amp;): the block is capped after escaping
    top = (f"*{mrkdwn(shorten(card.decision_badge, 200))}*\n" + _decision_text(card) + "\n") if card.decision_badge else ""
    blocks: list[dict[str, Any]] = [_section(shorten(top + _summary(card), MAX_TEXT))]
    body = _body_blocks(card, full=True)
    if card.footer:
        body.extend(_notes_blocks([mrkdwn(line) for line in card.footer]))
    room = MAX_VIEW_BLOCKS - len(blocks)
    if len(body) > room:
        cut = len(body) - (room - 1)
        items = sum(block.get("text", {}).get("text", "").count("\n") + 1 for block in body[room - 1:])
        body = body[: room - 1] + [_context([mrkdwn(t("slack.details.cut", n=max(items, cut), id=card.case_id or "?"))])]
    return {
        "type": "modal",
        "callback_id": DETAILS_CALLBACK,
        "title": _view_title(t("slack.details.title")),
        "close": _plain(t("slack.modal.close"), MAX_VIEW_TITLE),
        "blocks": blocks + body,
    }


def loading_view(lang: str) -> dict[str, Any]:
    """Opened at once with the trigger id (valid 3 s), then replaced by the real view."""
    t = translator(lang)
    return {
        "type": "modal",
        "callback_id": DETAILS_CALLBACK,
        "title": _view_title(t("slack.details.title")),
        "close": _plain(t("slack.modal.close"), MAX_VIEW_TITLE),
        "blocks": [_section(mrkdwn(t("slack.details.loading")))],
    }


REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"
DEAL_BLOCK = "deal"
DEAL_INPUT = "deal_input"


def render_reason_modal(kind: ActionKind, lang: str, metadata: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    """The "why?" modal for Reject, Add note, Not this buyer. Its context rides in private_metadata."""
    t = translator(lang)
    meta = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
    if len(meta) > MAX_METADATA:
        raise ValueError("modal metadata over 3,000 characters")
    blocks: list[dict[str, Any]] = []
    if metadata.get("c") is not None:
        blocks.append(_context([mrkdwn(t("slack.modal.context", id=metadata["c"]))
                                + (f" · {mrkdwn(metadata['a'])}" if metadata.get("a") else "")]))
    if kind.value in ("approve",) and metadata.get("cf"):
        blocks.append(_section("⚠️ " + mrkdwn(t("action.confirm_stop_approval"))))
    blocks.append({
        "type": "input",
        "block_id": REASON_BLOCK,
        "optional": optional,
        "label": _plain(t(f"slack.modal.label.{kind.value}"), 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": REASON_INPUT,
            "multiline": True,
            "max_length": 2000,
            "placeholder": _plain(t(f"slack.modal.placeholder.{kind.value}"), 150),
        },
    })
    if kind.value in ("request_approval", "escalate"):  # the deal, optional
        blocks.append({
            "type": "input", "block_id": DEAL_BLOCK, "optional": True,
            "label": _plain(t("slack.modal.label.deal"), 2000),
            "element": {"type": "plain_text_input", "action_id": DEAL_INPUT, "max_length": 500,
                        "placeholder": _plain(t("slack.modal.placeholder.deal"), 150)},
        })
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "title": _view_title(t(f"slack.modal.title.{kind.value}")),
        "submit": _plain(t("slack.modal.submit"), MAX_VIEW_TITLE),
        "close": _plain(t("slack.modal.cancel"), MAX_VIEW_TITLE),
        "private_metadata": meta,
        "blocks": blocks,
    }
