"""`tradecheck lists update`: fetch each list from its official address, validate, swap atomically.

Per list: conditional GETs (If-None-Match / If-Modified-Since from the last download), a bounded retry on
network errors, 429 and 5xx, then validation: the files must parse, hold entries, and not have shrunk to
less than half of the live version (a truncated download or a publisher's error must not empty
screening). Only then is the new version written beside the old one and `current.json` replaced with
os.replace. On any failure the live version stays as it was.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .store import (
    SOURCE_KEYS,
    SPECS,
    bundled_manifest,
    content_version,
    downloaded_files,
    read_current,
    resolve_lists_dir,
)

if TYPE_CHECKING:  # httpx is imported when something is downloaded: a check that only reads the lists
    import httpx  # (storing its case pulls shared copies through this module) does not load it

log = logging.getLogger(__name__)

USER_AGENT = "tradecheck-lists/0.1 (+sanctions screening; conditional requests)"
TIMEOUT_SECONDS, CONNECT_SECONDS = 60.0, 15.0
ATTEMPTS = 3
SHRINK_LIMIT = 0.5


@dataclass
class UpdateResult:
    source: str
    status: str  # updated | unchanged | failed | refused
    detail: str = ""
    count: int = 0
    as_of: str = ""


def new_client() -> httpx.Client:
    """The official files' downloader's client (a long read timeout, redirects followed)."""
    import httpx

    return httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_SECONDS), follow_redirects=True)


class _Refused(Exception):
    """The download is readable but not believable (empty, shrunk by half)."""


def get_with_retry(client: httpx.Client, url: str, headers: dict[str, str],
                   sleep: Callable[[float], None]) -> httpx.Response:
    """One GET, retried with backoff (ATTEMPTS in all) on 429, 5xx and network errors; shared by every
    downloader of official files."""
    import httpx

    last: Exception | None = None
    for attempt in range(ATTEMPTS):
        try:
            response = client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            last = exc
        else:
            if response.status_code in (429, 500, 502, 503, 504):
                last = httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request, response=response)
            else:
                return response
        if attempt + 1 < ATTEMPTS:
            sleep(2.0 ** attempt)
    assert last is not None
    raise last


def _previous_count(lists_dir: Path, key: str) -> int:
    meta = read_current(lists_dir, key)
    if meta is not None and meta.get("count"):
        return int(meta["count"])
    return int(bundled_manifest().get(key, {}).get("count") or 0)


def update_source(key: str, lists_dir: Path, client: httpx.Client,
                  sleep: Callable[[float], None] = time.sleep) -> UpdateResult:
    import httpx

    spec = SPECS[key]
    meta = read_current(lists_dir, key)
    old_files = downloaded_files(lists_dir, key, meta) if meta else None
    validators = (meta or {}).get("files", {}) if old_files else {}
    files: dict[str, bytes] = {}
    file_meta: dict[str, dict[str, str]] = {}
    changed = False
    try:
        for name, url in spec.files.items():
            headers = {"User-Agent": USER_AGENT}
            known = validators.get(name, {})
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
            response = get_with_retry(client, url, headers, sleep)
            if response.status_code == 304 and old_files is not None and name in old_files:
                files[name] = old_files[name]
                file_meta[name] = known
                continue
            if response.status_code == 404 and name not in spec.required:
                if old_files is not None and name in old_files:  # e.g. OFAC's ALT.CSV gone: not a list without aliases
                    raise httpx.HTTPStatusError(f"HTTP 404 for {url}, which the live version has",
                                                request=response.request, response=response)
                continue
            if response.status_code != 200:
                raise httpx.HTTPStatusError(f"HTTP {response.status_code} for {url}", request=response.request, response=response)
            files[name] = response.content
            file_meta[name] = {k: v for k, v in (("etag", response.headers.get("etag")),
                                                 ("last_modified", response.headers.get("last-modified"))) if v}
            changed = True
    except httpx.HTTPError as exc:
        return UpdateResult(key, "failed", f"download failed: {exc}")
    if not changed and meta is not None:
        _write_pointer(lists_dir, key, {**meta, "checked_at": _now()})
        return UpdateResult(key, "unchanged", "not modified since the last download", int(meta.get("count") or 0),
                            str(meta.get("as_of") or ""))
    try:
        entities = spec.parse(files)
        if not entities:
            raise _Refused("no entries in the downloaded file")
        previous = _previous_count(lists_dir, key)
        if previous and len(entities) < previous * SHRINK_LIMIT:
            raise _Refused(f"{len(entities)} entries against {previous} before: shrank by more than half")
    except _Refused as exc:
        return UpdateResult(key, "refused", str(exc))
    except Exception as exc:  # any parse error: the download is not a list
        return UpdateResult(key, "refused", f"unreadable: {type(exc).__name__}: {exc}"[:300])
    version = content_version(files)
    as_of = spec.published(files, entities) or _http_date(file_meta.get(spec.required[0], {})) or _now()[:10]
    _install(lists_dir, key, version, files)
    record = {"version": version, "as_of": as_of, "count": len(entities), "fetched_at": _now(),
              "checked_at": _now(), "files": file_meta, "previous": (meta or {}).get("version")}
    _write_pointer(lists_dir, key, record)
    _prune(lists_dir, key, keep={version, str((meta or {}).get("version"))})
    return UpdateResult(key, "updated", "", len(entities), as_of)


def update_lists(lists_dir: Path | None = None, sources: list[str] | None = None,
                 client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep) -> list[UpdateResult]:
    folder = resolve_lists_dir(lists_dir)
    folder.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or new_client()
    try:
        return [update_source(key, folder, client, sleep) for key in (sources or list(SOURCE_KEYS))]
    finally:
        if own:
            client.close()


def export_current(lists_dir: Path | None, key: str) -> tuple[dict, dict[str, bytes]] | None:
    """The live download of one list (its current.json record and its files), to share with other hosts."""
    folder = resolve_lists_dir(lists_dir)
    meta = read_current(folder, key)
    files = downloaded_files(folder, key, meta) if meta else None
    return (meta, files) if meta and files else None


def install_version(lists_dir: Path | None, key: str, record: dict, files: dict[str, bytes]) -> bool:
    """Make a version downloaded elsewhere the live one here (same atomic steps as an update).
    False, and nothing changed, when the files do not match the record's version."""
    if key not in SPECS or content_version(files) != record.get("version"):
        return False
    folder = resolve_lists_dir(lists_dir)
    previous = read_current(folder, key)
    _install(folder, key, str(record["version"]), files)
    _write_pointer(folder, key, {**record, "previous": (previous or {}).get("version")})
    _prune(folder, key, keep={str(record["version"]), str((previous or {}).get("version"))})
    return True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _http_date(meta: dict[str, str]) -> str | None:
    try:
        return parsedate_to_datetime(meta["last_modified"]).date().isoformat()
    except (KeyError, TypeError, ValueError):
        return None


def _install(lists_dir: Path, key: str, version: str, files: dict[str, bytes]) -> None:
    base = lists_dir / key
    base.mkdir(parents=True, exist_ok=True)
    target = base / version
    if target.is_dir():
        return
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=base))
    for name, data in files.items():
        (staging / name).write_bytes(data)
    os.replace(staging, target)


def _write_pointer(lists_dir: Path, key: str, record: dict) -> None:
    write_json_atomically(lists_dir / key / "current.json", record, indent=2, ensure_ascii=True)


def write_json_atomically(path: Path, record: dict, *, indent: int | None = None, ensure_ascii: bool = False) -> None:
    """Write beside the target and swap it in: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(record, stream, indent=indent, ensure_ascii=ensure_ascii)
    os.replace(temp, path)


def _prune(lists_dir: Path, key: str, keep: set[str]) -> None:
    """Keep the live version and the one before it (the last good fallback); remove older ones."""
    for path in (lists_dir / key).iterdir():
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
