"""One screening index per process, built on first use and rebuilt when the lists change.

Building takes a few seconds (decompress, parse, tokenize about 45,000 names), so it happens once; the
version check is a few small file reads, done at most every `RECHECK_SECONDS`. Thread-safe: the bot may
screen from several threads, and `lists update` may swap files under a running process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..watchlists import load_all
from ..watchlists.model import ListInfo
from ..watchlists.store import current_versions
from .index import Index
from .matcher import ALERT_THRESHOLD, Match, Matcher, Query

RECHECK_SECONDS = 60.0


@dataclass
class Screener:
    matcher: Matcher
    lists: list[ListInfo]
    versions: tuple[str, ...]
    lists_dir: Path | None

    def screen(self, query: Query, threshold: float = ALERT_THRESHOLD) -> list[Match]:
        return self.matcher.screen(query, threshold=threshold)


_lock = threading.Lock()
_screener: Screener | None = None
_checked_at = 0.0


def build_screener(lists_dir: Path | None = None) -> Screener:
    versions = current_versions(lists_dir)
    loaded = load_all(lists_dir)
    index = Index.build(e for item in loaded for e in item.entities)
    return Screener(Matcher(index), [item.info for item in loaded], versions, lists_dir)


def get_screener(lists_dir: Path | None = None) -> Screener:
    """The process-wide screener; rebuilt when a list version in `lists_dir` changed."""
    global _screener, _checked_at
    with _lock:
        now = time.monotonic()
        stale = _screener is None or _screener.lists_dir != lists_dir
        if not stale and now - _checked_at > RECHECK_SECONDS:
            stale = current_versions(lists_dir) != _screener.versions  # type: ignore[union-attr]
            _checked_at = now
        if stale:
            _screener = build_screener(lists_dir)
            _checked_at = now
        assert _screener is not None
        return _screener


def reset() -> None:
    """Forget the index (tests, or after `lists update` in the same process)."""
    global _screener
    with _lock:
        _screener = None
