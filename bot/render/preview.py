"""`python -m bot.render.preview`: the real Slack payloads and Telegram HTML of a few example buyers,
laid out as people see them, to HTML — and to PNG where headless Chromium is installed. The Feishu
cards are written as their JSON 2.0 (`feishu-*.json`): paste one into Feishu's card builder
(open.feishu.cn/cardkit, "JSON 2.0") to see it as Feishu draws it.

The cards come from the offline engine and the real renderers (`render_message`, `render`); only the
last step is ours: a small, faithful renderer of the Block Kit types the card uses (header, section
with mrkdwn and a button accessory, context, actions, divider) and of Telegram's HTML subset with
its inline keyboard. PNGs are taken at desktop width and at a 390-px phone's first screen.

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
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
body{margin:0;background:#fff;font:15px/1.46 -apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC',
 'Noto Color Emoji',sans-serif;color:#1d1c1d}
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


def telegram_page(message: tg_render.TelegramMessage, title: str) -> str:
    rows = []
    if message.reply_markup is not None:
        for row in message.reply_markup.inline_keyboard:
            rows.append('<div class="row">' + "".join(f'<div class="key">{html.escape(b.text)}</div>' for b in row)
                        + "</div>")
    return _page(title, f'<div class="tg"><div class="bubble">{message.text}</div><div class="kb">{"".join(rows)}</div></div>')


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width"><style>{_CSS}</style></head><body>{body}'
            '<script>document.title=String(document.documentElement.scrollHeight)</script></body></html>')


# --- the example cards -----------------------------------------------------------------------------
async def example_cards(langs: list[str]) -> dict[tuple[str, str], Card]:
    """The card of each example buyer in each language, from the offline engine, as a case would show it."""
    from ..app import Runtime

    runtime = Runtime.from_environment(offline=True)  # this tool's own runtime: the offline engine, no database
    try:
        return await _example_cards(runtime.engine(offline=True), langs)
    finally:
        await runtime.aclose()
        runtime.close()


async def _example_cards(engine: Engine, langs: list[str]) -> dict[tuple[str, str], Card]:
    cards: dict[tuple[str, str], Card] = {}
    for n, (slug, text) in enumerate(EXAMPLES.items(), 1):
        for lang in langs:
            report = await engine.run(parse(f"{text} lang={lang}"))
            status = "pending_approval" if report.risk.approval_required else "open"
            cards[(slug, lang)] = build_card(report, CaseInfo(id=n, status=status))
    return cards


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
            height = min(int(found.group(1)) if found else 1600, 4000)
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
    cards = asyncio.run(example_cards(args.lang))
    browser = chromium() if args.png else None
    if args.png and browser is None:
        print("no Chromium found: HTML only (Debian: apt-get install chromium fonts-noto-cjk)", file=sys.stderr)
    index = []
    for (slug, lang), card in cards.items():
        for platform, page in (("slack", slack_page(slack_render.render_message(card), card.title)),
                               ("telegram", telegram_page(tg_render.render(card), card.title))):
            name = f"{platform}-{slug}-{lang}"
            path = args.out / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            index.append(f'<li><a href="{path.name}">{name}</a></li>')
            shots = {f"{name}-desktop": (DESKTOP if platform == "slack" else 480, None), f"{name}-phone": PHONE}
            for shot, (width, height) in shots.items():
                if browser and (not args.only or any(fnmatch(shot, pattern) for pattern in args.only)):
                    screenshot(browser, path.resolve(), args.out / f"{shot}.png", width, height)
            print(path)
        feishu = args.out / f"feishu-{slug}-{lang}.json"
        feishu.write_text(json.dumps(feishu_render.render_card(card), ensure_ascii=False, indent=1), encoding="utf-8")
        print(feishu)
    (args.out / "index.html").write_text(_page("tradecheck cards", "<ul>" + "".join(index) + "</ul>"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
