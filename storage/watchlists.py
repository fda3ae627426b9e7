"""Sanctions lists shared through the database: one row per list with its live version and files.

`tradecheck lists update` on one host publishes what it downloaded; every other process copies a newer
version into its own lists folder before its next screening (bot/lists_sync.py), so a fleet behind a
load balancer never screens against different versions for long.
"""

from __future__ import annotations

import base64
import json
import lzma
from typing import Any

from sqlmodel import Session, select

from .models import WatchlistCopy, utcnow


def _pack(files: dict[str, bytes]) -> bytes:
    plain = json.dumps({name: base64.b64encode(data).decode("ascii") for name, data in sorted(files.items())})
    return lzma.compress(plain.encode("ascii"))


def _unpack(content: bytes) -> dict[str, bytes]:
    return {name: base64.b64decode(data) for name, data in json.loads(lzma.decompress(content)).items()}


def publish(session: Session, source: str, record: dict[str, Any], files: dict[str, bytes]) -> bool:
    """Store (or replace) a list's live version. False when that version is already there."""
    row = session.exec(select(WatchlistCopy).where(WatchlistCopy.source == source)).first()
    version = str(record["version"])
    if row is not None and row.version == version:
        return False
    if row is None:
        row = WatchlistCopy(source=source, version=version, record=record, content=_pack(files))
    else:
        row.version, row.record, row.content, row.updated_at = version, record, _pack(files), utcnow()
    session.add(row)
    return True


def versions(session: Session) -> dict[str, str]:
    """Each shared list's version: a small query, done before each screening version check."""
    return dict(session.exec(select(WatchlistCopy.source, WatchlistCopy.version)).all())


def fetch(session: Session, source: str) -> tuple[dict[str, Any], dict[str, bytes]] | None:
    row = session.exec(select(WatchlistCopy).where(WatchlistCopy.source == source)).first()
    return (dict(row.record), _unpack(row.content)) if row is not None else None
