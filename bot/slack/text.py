"""Slack's message markup back to the plain text the request parser expects.

Slack sends `&amp;`/`&lt;`/`&gt;`, links as `<http://acme.ae|acme.ae>`, e-mails as
`<mailto:j@acme.ae|j@acme.ae>`, and mentions as `<@U123>`; a pasted inquiry must be seen as typed.
"""

from __future__ import annotations

import re

_ANGLE = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def _plain_link(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("mailto:"):
        return target[len("mailto:"):]
    if target.startswith(("http://", "https://")):
        # Slack auto-links bare domains as <http://acme.ae|acme.ae>: keep what the user typed
        return label or target
    if target.startswith(("@", "#", "!")):
        return label or ""  # mentions, channels, broadcasts: never forwarded as markup
    return label or target


def slack_to_plain(text: str | None) -> str:
    if not text:
        return ""
    text = _ANGLE.sub(_plain_link, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
