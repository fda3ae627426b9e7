"""The pack as one self-contained HTML file: inline CSS, no script that runs, no fetch of anything.

The data is embedded as JSON in `<script type="application/json" id="evidence-data">` (a data
block browsers never execute); `<` is escaped inside it so no text can close the element.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from .layout import Block, Heading, Para, Table

CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:2em auto;max-width:60em;padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.5em;border-bottom:2px solid #333;padding-bottom:.3em}
h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #aaa}
h3{font-size:1em;margin-top:1.2em}
table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.88em}
th,td{border:1px solid #bbb;padding:.25em .4em;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#eee}
.small{font-size:.85em;color:#444}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
@media print{body{margin:0;max-width:none}}
"""

_URL = re.compile(r"https?://[^\s<>\"')]+")


def _text(value: str) -> str:
    """Escaped text with web addresses as links (escaped too; shown, not fetched)."""
    out, last = [], 0
    for match in _URL.finditer(value):
        out.append(html.escape(value[last:match.start()]))
        url = match.group(0).rstrip(".,;")
        out.append(f'<a href="{html.escape(url, quote=True)}" rel="noreferrer noopener">{html.escape(url)}</a>')
        last = match.start() + len(url)
    out.append(html.escape(value[last:]))
    return "".join(out)


def embedded_json(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(title: str, blocks: list[Block], data: dict[str, Any], lang: str, footer: list[str]) -> bytes:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 2), 4)
            parts.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        elif isinstance(block, Para):
            cls = " ".join(c for c, on in (("small", block.small), ("mono", block.mono)) if on)
            parts.append(f'<p class="{cls}">{_text(block.text)}</p>' if cls else f"<p>{_text(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
            rows = "".join("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    for i, line in enumerate(footer):
        parts.append(f'<p class="mono" id="sha256">{html.escape(line)}</p>' if i == 0
                     else f'<p class="small">{html.escape(line)}</p>')
    parts.append(f'<script type="application/json" id="evidence-data">{embedded_json(data)}</script>')
    parts.append("</body></html>")
    return ("\n".join(parts) + "\n").encode("utf-8")


_EMBEDDED = re.compile(r'<script type="application/json" id="evidence-data">(.*?)</script>', re.S)


def extract(content: bytes) -> dict[str, Any] | None:
    """The embedded data of an HTML pack, or None."""
    found = _EMBEDDED.search(content.decode("utf-8", errors="replace"))
    return json.loads(found.group(1)) if found else None


def stated_hash(content: bytes) -> str | None:
    found = re.search(r'id="sha256">[^<]*?([0-9a-f]{64})', content.decode("utf-8", errors="replace"))
    return found.group(1) if found else None
