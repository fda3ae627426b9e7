"""`python -m bot.render.preview`: the real Slack payloads and Telegram HTML of a few example buyers,
laid out as people see them, to HTML — and to PNG where headless Chromium is installed. The Feishu
cards are written as their JSON 2.0 (`feishu-*.json`): paste one into Feishu's card builder
(open.feishu.cn/cardkit, "JSON 2.0") to see it as Feishu draws it.

The cards come from the offline engine and the real renderers (`render_message`, `render`); only the
last step is ours: a small, faithful renderer of the Block Kit types the card uses (header, section
with mrkdwn and a button accessory, context, actions, divider) and of Telegram's HTML subset with
its inline keyboard. PNGs are taken at desktop width and at a 390-px phone's first screen.

Besides the four example buyers: `checking` (a card while the sources are still running, with the
request's preface) and `details` (the sanctioned buyer's Details: Slack's modal, Telegram's pages).
Each Slack payload is also written as `slack-*.json`, for tools/blockkit (slack-blocks-to-jsx), a
second, independent Block Kit renderer to hold this one against.

    python -m bot.render.preview [--out DIR] [--png] [--lang en zh]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.models import Report
from checks.request import parse

from ..card import Card, CaseInfo, build_card
from . import feishu as feishu_render
from . import slack as slack_render
from . import telegram as tg_render

if TYPE_CHECKING:
    from checks.engine import Engine

EXAMPLES: dict[str, str] = {
    "sanctioned": "Rosoboronexport",
    "impersonation": "Siemens AG email=procurement@siemens-ag-group.com",
    "unverified": "Bright Harbour Textiles Ltd country=GB",
    "gmail-trader": "Al Noor General Trading LLC email=alnoor.trading@gmail.com country=AE",
}
DESKTOP = 760
PHONE = (390, 844)

_CSS = """
body{margin:0;background:#fff;font:15px/1.46 Lato,-apple-system,'Segoe UI','Noto Sans',
 'Noto Color Emoji','DejaVu Sans','Noto Sans CJK SC',sans-serif;color:#1d1c1d}
.msg{display:flex;gap:8px;padding:12px 16px}
.avatar{width:36px;height:36px;border-radius:6px;background:#2b6cb0;color:#fff;font-weight:700;
 display:flex;align-items:center;justify-content:center;flex:none}
.name{font-weight:900}.app{font-size:10px;background:#e8e8e8;border-radius:2px;padding:0 3px;margin-left:4px;color:#616061}
.blocks{flex:1;min-width:0}
.header{font-size:18px;font-weight:900;margin:4px 0}
.section{display:flex;gap:12px;margin:6px 0;white-space:pre-wrap;word-wrap:break-word}
.section .text{flex:1;min-width:0}
.context{font-size:12px;color:#616061;margin:6px 0;white-space:pre-wrap}
.divider{border-top:1px solid #ddd;margin:10px 0}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.btn{border:1px solid #bbb;border-radius:4px;padding:3px 10px;font-size:13px;font-weight:700;background:#fff;
 white-space:nowrap;height:fit-content}
.btn.primary{background:#007a5a;color:#fff;border-color:#007a5a}.btn.danger{color:#e01e5a;border-color:#e01e5a}
a{color:#1264a3;text-decoration:none}
.tg{background:#d7e4ee;padding:12px;min-height:100vh;box-sizing:border-box}
.bubble{background:#fff;border-radius:12px;padding:8px 10px;white-space:pre-wrap;word-wrap:break-word;
 font-size:14.5px;line-height:1.38;box-shadow:0 1px 1px rgba(0,0,0,.12)}
.kb{display:flex;flex-direction:column;gap:4px;margin-top:4px}.kb .row{display:flex;gap:4px}
.kb .key{flex:1;background:rgba(70,100,130,.45);color:#fff;border-radius:8px;padding:7px 4px;text-align:center;
 font-size:13.5px;font-weight:600}
code{font-family:monospace;background:#f4f4f4}
.tg .bubble+.bubble{margin-top:6px}
.modal{margin:12px;border:1px solid #ddd;border-radius:8px;box-shadow:0 4px 12px rgba(0,0,0,.15)}
.modal .blocks{padding:4px 16px}
.mtitle{font-size:18px;font-weight:900;padding:12px 16px;border-bottom:1px solid #ddd}
.mfoot{display:flex;justify-content:flex-end;padding:10px 16px;border-top:1px solid #ddd}
"""


# --- Block Kit -----------------------------------------------------------------------------------
def mrkdwn_html(text: str) -> str:
    """Slack mrkdwn as HTML: the text is already escaped for Slack (&amp; &lt; &gt;), as HTML is."""
    def date(match: re.Match[str]) -> str:
        return match.group(1)  # the fallback (a time in the team's zone); Slack shows the reader's zone

    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", date, text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r'<a href="\1">\2</a>', text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", text)
    return text


def _plain_html(obj: dict[str, Any]) -> str:
    return obj["text"]  # plain_text is sent escaped (&amp; &lt; &gt;) like HTML


def _button_html(button: dict[str, Any]) -> str:
    style = button.get("style", "")
    return f'<span class="btn {style}">{_plain_html(button["text"])}</span>'


def blocks_html(blocks: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            out.append(f'<div class="header">{_plain_html(block["text"])}</div>')
        elif kind == "section":
            text = block.get("text") or {}
            body = mrkdwn_html(text.get("text", "")) if text.get("type") == "mrkdwn" else _plain_html(text)
            accessory = block.get("accessory")
            extra = _button_html(accessory) if accessory and accessory.get("type") == "button" else ""
            out.append(f'<div class="section"><div class="text">{body}</div>{extra}</div>')
        elif kind == "context":
            out.append('<div class="context">' + " ".join(mrkdwn_html(e.get("text", "")) for e in block["elements"])
                       + "</div>")
        elif kind == "divider":
            out.append('<div class="divider"></div>')
        elif kind == "actions":
            out.append('<div class="actions">' + "".join(_button_html(b) for b in block["elements"]) + "</div>")
        else:  # never used by the card; shown so that nothing is silently dropped
            out.append(f'<div class="context">[{html.escape(kind)} block]</div>')
    return "\n".join(out)


def slack_page(message: dict[str, Any], title: str) -> str:
    return _page(title, '<div class="msg"><div class="avatar">tc</div><div class="blocks">'
                 '<div><span class="name">tradecheck</span><span class="app">APP</span></div>'
                 f'{blocks_html(message["blocks"])}</div></div>'
                 f'<!-- notification text: {html.escape(message["text"]).replace("--", "- -")} -->')


def slack_modal_page(view: dict[str, Any], title: str) -> str:
    """A modal (the Details view) as Slack draws it: title bar, blocks, the close button."""
    return _page(title, f'<div class="modal"><div class="mtitle">{_plain_html(view["title"])}</div>'
                 f'<div class="blocks">{blocks_html(view["blocks"])}</div>'
                 f'<div class="mfoot"><span class="btn">{_plain_html(view["close"])}</span></div></div>')


def telegram_page(message: tg_render.TelegramMessage, title: str) -> str:
    rows = []
    if message.reply_markup is not None:
        for row in message.reply_markup.inline_keyboard:
            rows.append('<div class="row">' + "".join(f'<div class="key">{html.escape(b.text)}</div>' for b in row)
                        + "</div>")
    return _page(title, f'<div class="tg"><div class="bubble">{message.text}</div><div class="kb">{"".join(rows)}</div></div>')


def telegram_pages_page(pages: list[str], title: str) -> str:
    """The Details: the whole card as several messages, one bubble each."""
    return _page(title, '<div class="tg">' + "".join(f'<div class="bubble">{page}</div>' for page in pages) + "</div>")


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width"><style>{_CSS}</style></head><body>{body}'
            '<script>document.title=String(document.documentElement.scrollHeight)</script></body></html>')


# --- the example cards -----------------------------------------------------------------------------
# The in-progress card (the first progress update of a check, as the live card shows it): a long name with
# the characters Slack and Telegram treat as markup.
CHECKING = ("Guangzhou Hengsheng Int'l Import & Export Trading Co., Ltd. <Shenzhen> *urgent* "
            "email=sales_dept@hengsheng-trading.cn country=CN")
DETAILS_OF = "sanctioned"


@dataclass
class Example:
    """One picture's card: `details` renders it as the Details view; `preface` is the request's notes."""

    card: Card
    details: bool = False
    preface: list[str] = field(default_factory=list)


async def example_cards(langs: list[str]) -> dict[tuple[str, str], Card]:
    """The card of each example buyer in each language, from the offline engine, as a case would show it."""
    return {key: example.card for key, example in (await all_examples(langs, extras=False)).items()}


async def all_examples(langs: list[str], *, extras: bool = True) -> dict[tuple[str, str], Example]:
    """The example buyers' cards and (`extras`) the in-progress card and the Details of one buyer."""
    from ..app import Runtime

    runtime = Runtime.from_environment(offline=True)  # this tool's own runtime: the offline engine, no database
    try:
        return await _examples(runtime.engine(offline=True), langs, extras=extras)
    finally:
        await runtime.aclose()
        runtime.close()


async def _examples(engine: Engine, langs: list[str], *, extras: bool) -> dict[tuple[str, str], Example]:
    from ..app.checking import describe_request

    examples: dict[tuple[str, str], Example] = {}
    for n, (slug, text) in enumerate(EXAMPLES.items(), 1):
        for lang in langs:
            report = await engine.run(parse(f"{text} lang={lang}"))
            status = "pending_approval" if report.risk.approval_required else "open"
            case = CaseInfo(id=n, status=status)
            examples[(slug, lang)] = Example(build_card(report, case))
            if extras and slug == DETAILS_OF:
                examples[("details", lang)] = Example(build_card(report, case, details=True), details=True)
    if extras:
        for lang in langs:
            request = parse(f"{CHECKING} lang={lang}")
            progress: list[Report] = []

            async def on_progress(report: Report, progress: list[Report] = progress) -> None:
                progress.append(report)

            final = await engine.run(request, on_progress=on_progress)
            shown = progress[0] if progress else final.model_copy(update={"pending": ["…"]})
            examples[("checking", lang)] = Example(build_card(shown), preface=describe_request(request))
    return examples


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(browser: str, page: Path, png: Path, width: int, height: int | None = None) -> None:
    """PNG of `page` at `width`; the full height of the page (measured first) unless `height` is given."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1"]
    with tempfile.TemporaryDirectory() as profile:
        flags.append(f"--user-data-dir={profile}")
        if height is None:
            dom = subprocess.run([browser, *flags, f"--window-size={width},800", "--dump-dom", page.as_uri()],
                                 capture_output=True, text=True, timeout=120).stdout
            found = re.search(r"<title>(\d+)</title>", dom)
            # measured before every font has loaded: a margin, so that the last line is never cut off
            height = min(int(found.group(1)) + 80 if found else 1600, 4000)
        subprocess.run([browser, *flags, f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()],
                       capture_output=True, timeout=120, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.render.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/cards"), help="where the HTML (and PNG) go")
    parser.add_argument("--png", action="store_true", help="also take PNGs with headless Chromium")
    parser.add_argument("--lang", nargs="+", default=["en", "zh"], choices=["en", "zh"])
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME",
                        help="PNGs only of these, e.g. slack-sanctioned-en-phone telegram-*-zh-phone")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    examples = asyncio.run(all_examples(args.lang))
    browser = chromium() if args.png else None
    if args.png and browser is None:
        print("no Chromium found: HTML only (Debian: apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji fonts-lato)", file=sys.stderr)
    index = []
    for (slug, lang), example in examples.items():
        card = example.card
        if example.details:
            view = slack_render.render_details_view(card)
            slack_json: dict[str, Any] = view
            pages = [("slack", slack_modal_page(view, card.title)),
                     ("telegram", telegram_pages_page(tg_render.render_pages(card), card.title))]
        else:
            slack_json = slack_render.render_message(card)
            pages = [("slack", slack_page(slack_json, card.title)),
                     ("telegram", telegram_page(tg_render.render(card, preface=example.preface), card.title))]
        (args.out / f"slack-{slug}-{lang}.json").write_text(
            json.dumps(slack_json, ensure_ascii=False, indent=1), encoding="utf-8")
        for platform, page in pages:
            name = f"{platform}-{slug}-{lang}"
            path = args.out / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            index.append(f'<li><a href="{path.name}">{name}</a></li>')
            shots = {f"{name}-desktop": (DESKTOP if platform == "slack" else 480, None), f"{name}-phone": PHONE}
            for shot, (width, height) in shots.items():
                if browser and (not args.only or any(fnmatch(shot, pattern) for pattern in args.only)):
                    screenshot(browser, path.resolve(), args.out / f"{shot}.png", width, height)
            print(path)
        if not example.details:
            feishu = args.out / f"feishu-{slug}-{lang}.json"
            feishu.write_text(json.dumps(feishu_render.render_card(card), ensure_ascii=False, indent=1),
                              encoding="utf-8")
            print(feishu)
    (args.out / "index.html").write_text(_page("tradecheck cards", "<ul>" + "".join(index) + "</ul>"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
