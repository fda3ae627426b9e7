"""Reading a webhook's body with a size limit, for every adapter's HTTP endpoint.

The body is read as a stream and given up as soon as it passes the limit (or its Content-Length says it
will), so an absurd request costs no memory before it is refused with 413.
"""

from __future__ import annotations

from starlette.requests import Request


class TooLarge(Exception):
    """The body passed the limit."""


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk; TooLarge as soon as it passes `limit` (or says it will)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)
