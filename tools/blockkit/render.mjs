// Renders the Slack payloads `python -m bot.render.preview` wrote (slack-*.json) with slack-blocks-to-jsx:
// a second, independent Block Kit renderer to hold preview.py's own against. Writes blockkit-*.html
// beside them; take PNGs with headless Chromium.
//
//   node render.mjs DIR [--width 760]
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import React from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { Message } from "slack-blocks-to-jsx";

const require = createRequire(import.meta.url);
const css = readFileSync(require.resolve("slack-blocks-to-jsx/dist/style.css"), "utf8");
const dir = process.argv[2] ?? "build/cards";
const font = "font-family:Lato,'Noto Sans','DejaVu Sans','Noto Sans CJK SC','Noto Color Emoji',sans-serif";

// slack-blocks-to-jsx shows a text with `verbatim: true` raw (no bold, no links), but Slack's verbatim only turns
// off auto-linking of bare URLs, #channels and @names: formatting still applies. The card sets verbatim on every
// mrkdwn text (user input must never become a mention), so drop it here to see what Slack draws.
function unverbatim(value) {
  if (Array.isArray(value)) return value.map(unverbatim);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "verbatim").map(([k, v]) => [k, unverbatim(v)]));
  }
  return value;
}

for (const file of readdirSync(dir).filter((f) => /^slack-.*\.json$/.test(f)).sort()) {
  const payload = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const modal = payload.type === "modal";
  const blocks = unverbatim(payload.blocks);
  const message = React.createElement(Message, {
    blocks, logo: "", name: modal ? `[modal] ${payload.title.text}` : "tradecheck", theme: "light",
    time: new Date(Date.UTC(2026, 11, 6, 18, 15)),
  });
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<style>${css}</style><style>body{margin:0;background:#fff;${font}} *{${font}}</style></head>
<body>${renderToStaticMarkup(message)}
<script>document.title=String(document.documentElement.scrollHeight)</script></body></html>`;
  const out = join(dir, file.replace(/^slack-/, "blockkit-").replace(/\.json$/, ".html"));
  writeFileSync(out, html);
  console.log(out);
}
