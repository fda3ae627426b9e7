"""The screening index, built on first use and rebuilt when the lists change: a `ScreeningService` per engine.

Building takes about 6 s on one core (decompress, parse, tokenize about 45,000 names), so the built
index is cached in the user's cache folder, keyed by the list versions and by the screening code itself
(a changed normalizer never reuses an old index). The cache is a memory-mapped file read lazily
(compact.py): opening it takes a few milliseconds, and a command that screens one name reads only the
pages it needs. A freshly built index is written, then used from the written file, so a process works
the same way whether the cache was cold or warm. That file is the only thing shared between services
(and processes); the loaded index is the service's: whoever builds the engine (`checks.registry.build_engine`,
the bot's runtime) owns one, so two runtimes share nothing. The version check is a few small file reads,
done at most every `RECHECK_SECONDS`. Thread-safe: the bot may screen from several threads, and
`lists update` may swap files under a running process.
Set TRADECHECK_INDEX_CACHE=off to never read or write the cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..watchlists import load_all
from ..watchlists.model import ListInfo
from ..watchlists.store import current_versions
from .compact import read_index, write_index
from .index import Index
from .matcher import ALERT_THRESHOLD, Match, Matcher, Query

RECHECK_SECONDS = 60.0
CACHE_FORMAT = "2"
CACHE_SUFFIX = ".index"
log = logging.getLogger(__name__)


@dataclass
class Screener:
    matcher: Matcher
    lists: list[ListInfo]
    versions: tuple[str, ...]
    lists_dir: Path | None

    def screen(self, query: Query, threshold: float = ALERT_THRESHOLD) -> list[Match]:
        return self.matcher.screen(query, threshold=threshold)


def default_cache_dir() -> Path | None:
    if os.environ.get("TRADECHECK_INDEX_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    from ..paths import user_cache_dir

    return user_cache_dir()


def _code_digest() -> str:
    """The screening and loading code: a change in any of it makes a new cache key. Read once, when this
    module is imported, so a process never files an index built by the code it runs under the key of
    newer files on disk (a long-running process during an upgrade)."""
    return _CODE_DIGEST


def _digest_code() -> str:
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    root = Path(__file__).resolve().parents[1]
    for folder in ("screening", "watchlists"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_CODE_DIGEST = _digest_code()


def _cache_path(cache_dir: Path, versions: tuple[str, ...]) -> Path:
    key = hashlib.sha256("|".join((_code_digest(), sys.version, *versions)).encode()).hexdigest()[:20]
    return cache_dir / f"screening-index-{key}{CACHE_SUFFIX}"


def _read_cache(path: Path) -> tuple[Index, list[ListInfo]] | None:
    if not path.is_file():
        return None
    try:
        return read_index(path)
    except Exception:  # noqa: BLE001 - a damaged or foreign file: rebuild
        log.warning("screening index cache %s unreadable; rebuilding", path)
        return None


def _write_cache(path: Path, index: Index, lists: list[ListInfo]) -> bool:
    try:
        write_index(path, index, lists)
        for pattern in ("screening-index-*" + CACHE_SUFFIX, "screening-index-*.pickle"):  # and the old format
            for old in path.parent.glob(pattern):
                if old != path:
                    old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only home is no reason to fail screening
        log.warning("screening index cache not written: %s", exc)
        return False
    return True


def build_screener(lists_dir: Path | None = None, cache_dir: Path | None | bool = True) -> Screener:
    """Load the lists and build (or read from the cache) the index. `cache_dir=False` skips the cache."""
    versions = current_versions(lists_dir)
    folder = default_cache_dir() if cache_dir is True else (cache_dir or None)
    path = _cache_path(folder, versions) if folder else None
    cached = _read_cache(path) if path else None
    if cached is not None:
        index, lists = cached
        return Screener(Matcher(index), lists, versions, lists_dir)
    loaded = load_all(lists_dir)
    index = Index.build(e for item in loaded for e in item.entities)
    lists = [item.info for item in loaded]
    if path and _write_cache(path, index, lists):
        cached = _read_cache(path)  # the same form a warm start uses; the built index is freed
        if cached is not None:
            index, lists = cached
    return Screener(Matcher(index), lists, versions, lists_dir)


Refresher = Callable[[Path | None], object]


class ScreeningService:
    """The loaded screener of one lists folder, re-checked against the list files at most every
    `recheck_seconds` and rebuilt (or read from the cache file) when a version changed."""

    def __init__(self, lists_dir: Path | None = None, cache_dir: Path | None | bool = True, *,
                 refresher: Refresher | None = None, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.lists_dir = lists_dir
        self.cache_dir = cache_dir
        self.recheck_seconds = recheck_seconds
        self._refresher = refresher
        self._lock = threading.Lock()
        self._screener: Screener | None = None
        self._checked_at = 0.0

    def set_refresher(self, refresher: Refresher | None) -> None:
        """A function that brings `lists_dir` up to date from elsewhere (the bot sets one that copies
        lists another host downloaded from the shared database); called before each version check."""
        self._refresher = refresher

    def _refresh(self) -> None:
        if self._refresher is None:
            return
        try:
            self._refresher(self.lists_dir)
        except Exception:  # noqa: BLE001 - screening goes on with the lists it has
            log.exception("could not refresh the lists from their shared copy")

    def screener(self) -> Screener:
        """The current screener; rebuilt when a list version in `lists_dir` changed. Blocking."""
        with self._lock:
            now = time.monotonic()
            loaded = self._screener
            due = now - self._checked_at > self.recheck_seconds
            if loaded is None or due:
                self._refresh()
            if loaded is not None and due:
                if current_versions(self.lists_dir) != loaded.versions:
                    loaded = None
                self._checked_at = now
            if loaded is None:
                loaded = self._screener = build_screener(self.lists_dir, self.cache_dir)
                self._checked_at = now
            return loaded

    def warm_up(self) -> threading.Thread:
        """Load (or build) the index in a background thread at start-up, so the first /check does not
        wait for it; a check that comes earlier simply waits on the same lock."""

        def load() -> None:
            try:
                self.screener()
            except Exception:  # noqa: BLE001 - the first check will report the lists as unavailable
                log.exception("sanctions index warm-up failed")

        thread = threading.Thread(target=load, name="tradecheck-screening-warm-up", daemon=True)
        thread.start()
        return thread

    def reset(self) -> None:
        """Forget the loaded index: the next screening reads the lists again (after `lists update`)."""
        with self._lock:
            self._screener = None
