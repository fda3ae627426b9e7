"""What `/slack/events` checks before anything reads the request: its size and Slack's signature.

Why here and not in Bolt: Bolt parses the body (form, JSON payload) before it verifies the
signature, so an unsigned `payload=x` was a 500 with a traceback, and it reads any body whole into
memory (400 MB held 1.4 GB). Here the body is read as a stream and given up past `MAX_BODY` (413),
and the signature is checked on the raw bytes (401) before a parser sees them. Bolt verifies again.
"""

from __future__ import annotations

import logging

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..httpbody import TooLarge, read_body

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # Slack's payloads are a few kB; a modal's view stays far below this


def signed(verifier: SignatureVerifier, body: bytes, request: Request) -> bool:
    try:
        return verifier.is_valid(body, request.headers.get("x-slack-request-timestamp"),
                                 request.headers.get("x-slack-signature"))
    except (ValueError, TypeError):  # a timestamp that is not a number
        return False


async def admit(request: Request, secret: str | None, limit: int = MAX_BODY) -> Response | None:
    """None when the request may go on (its body is then cached on the request); else the answer."""
    try:
        body = await read_body(request, limit)
    except TooLarge:
        log.warning("refused a Slack request over %d bytes from %s", limit, request.client.host if request.client else "?")
        return PlainTextResponse("request too large", status_code=413)
    if secret is not None and not signed(SignatureVerifier(secret), body, request):
        log.warning("refused an unsigned or badly signed Slack request from %s",
                    request.client.host if request.client else "?")
        return PlainTextResponse("invalid signature", status_code=401)
    request._body = body  # what Bolt's adapter reads next
    return None
