"""Download the official trade-remedy files that are published machine-readably, keep the old copy
when a download fails or looks wrong.

- `tr_ca_cbsa`: CBSA "SIMA – Measures in force" (one HTML table: case, product, type, country, codes);
  Canada's complete list.
- `tr_eu_tron`: DG TRADE TRON's ongoing cases (JSON).
- `tr_us_usitc`: the USITC "AD/CVD orders in place" workbook (.xls; no HTS codes: the HS codes stay
  WTO I-TIP's of 2020, and the coverage line says so).

- `tr_uk_tra`: the UK Trade Remedies Authority public file: its active and completed tabs list the cases,
  and each case page (one GET each, at most MAX_TRA_CASES) gives the record the register file holds;
  the records are joined to the bundled UK tariff census of live trade-remedy codes (28 Aug 2026)
  exactly as the snapshot build joins them, so the coverage stays dated by that census.

Not downloaded: the UK tariff's measures (one API call per commodity code) and EU TARIC measures
551-554 (no bulk extract). Their bundled snapshot stays in use, with its date.

Per source: one GET with a bounded retry (429, 5xx, network), then the file must parse into measures
and hold at least half as many as the copy in use; only then is the normalised copy written beside the
old one and swapped in with os.replace.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..watchlists.store import resolve_lists_dir
from ..watchlists.update import (
    SHRINK_LIMIT,
    UpdateResult,
    _http_date,
    get_with_retry,
    new_client,
    write_json_atomically,
)
from . import parse, store
from .store import SPECS, UpdateSpec

if TYPE_CHECKING:  # imported when downloading (see checks.watchlists.update)
    import httpx

USER_AGENT = "tradecheck-lists/0.1 (+trade-remedy measures; one request per source)"
KEYS = tuple(SPECS)
MAX_TRA_CASES = 400  # the public file listed 92 cases in Aug 2026; more than this is not the page we know


class _Fetched:
    """What `update_source` needs of a download: its bytes and headers."""

    def __init__(self, content: bytes, headers: dict[str, str]) -> None:
        self.content, self.headers, self.status_code = content, headers, 200


def _ok(client: httpx.Client, url: str, sleep: Callable[[float], None]) -> httpx.Response:
    import httpx

    response = _get(client, url, sleep)
    if response.status_code != 200:
        raise httpx.HTTPStatusError(f"HTTP {response.status_code} for {url}", request=response.request,
                                    response=response)
    return response


def _fetch_tra(client: httpx.Client, sleep: Callable[[float], None]) -> _Fetched:
    """The TRA public file as register lines (JSON, one case a line). A list page or case page that does
    not answer fails the whole download (httpx error); one that is not what we know is refused
    (ValueError), so a half-read register never replaces the old copy."""
    refs: set[str] = set()
    for url in parse.TRA_LIST_PAGES:
        refs.update(parse.tra_case_refs(_ok(client, url, sleep).content))
    if not refs or len(refs) > MAX_TRA_CASES:
        raise ValueError(f"TRA public file lists {len(refs)} cases")
    lines = []
    for ref in sorted(refs):
        page = _ok(client, parse.TRA_CASE.format(ref=ref.lower()), sleep)
        lines.append(json.dumps(parse.tra_case_record(ref, page.content), ensure_ascii=False))
    return _Fetched("\n".join(lines).encode("utf-8"), {})


def _get(client: httpx.Client, url: str, sleep: Callable[[float], None]) -> httpx.Response:
    """One GET with the watchlist downloader's bounded retry (429, 5xx, network)."""
    return get_with_retry(client, url, {"User-Agent": USER_AGENT}, sleep)


def previous_count(lists_dir: Path | None, spec: UpdateSpec) -> int:
    """Measures in the copy now in use: the last download, else the bundled snapshot's."""
    record = store.read_download(lists_dir, spec.key)
    if record is not None:
        return store.counted(spec, record["measures"])
    return store.counted(spec, [m for m in store.bundled().measures
                                if m.jurisdiction == spec.jurisdiction and m.source in spec.sources])


def _digest(measures: list) -> str:
    text = json.dumps([m.model_dump() for m in measures], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def update_source(key: str, lists_dir: Path | None, client: httpx.Client,
                  sleep: Callable[[float], None] = time.sleep) -> UpdateResult:
    import httpx

    spec = SPECS[key]
    try:
        response: httpx.Response | _Fetched = _fetch_tra(client, sleep) if spec.pages else _ok(client, spec.url, sleep)
    except httpx.HTTPError as exc:
        return UpdateResult(key, "failed", f"download failed: {exc}")
    except ValueError as exc:  # the case pages are not what we know: the old copy stays
        return UpdateResult(key, "refused", f"unreadable: {exc}"[:300])
    try:
        measures = spec.parse(response.content)
    except Exception as exc:  # not the file we know: the old copy stays
        return UpdateResult(key, "refused", f"unreadable: {type(exc).__name__}: {exc}"[:300])
    before = previous_count(lists_dir, spec)
    now_counted = store.counted(spec, measures)
    if before and now_counted < before * SHRINK_LIMIT:
        return UpdateResult(key, "refused", f"{now_counted} measures against {before} before: shrank by more than half")
    digest = _digest(measures)
    old = store.read_download(lists_dir, key)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if old is not None and old.get("digest") == digest:
        return UpdateResult(key, "unchanged", "same measures as the last download", len(measures), str(old.get("as_of")))
    as_of = _http_date({"last_modified": response.headers.get("last-modified", "")}) or now[:10]
    record = {"key": key, "url": spec.url, "as_of": as_of, "fetched_at": now, "count": len(measures),
              "digest": digest, "measures": [m.model_dump() for m in measures]}
    _write(store.folder(lists_dir), key, record)
    return UpdateResult(key, "updated", "", len(measures), as_of)


def _write(folder: Path, key: str, record: dict) -> None:
    write_json_atomically(folder / f"{key}.json", record)


def update_trade_remedies(lists_dir: Path | None = None, keys: list[str] | None = None,
                          client: httpx.Client | None = None,
                          sleep: Callable[[float], None] = time.sleep) -> list[UpdateResult]:
    resolve_lists_dir(lists_dir).mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or new_client()
    try:
        return [update_source(key, lists_dir, client, sleep) for key in (keys or list(KEYS))]
    finally:
        if own:
            client.close()


# ------------------------------------------------------------------ sharing between hosts


def export_download(lists_dir: Path | None, key: str) -> tuple[dict, dict[str, bytes]] | None:
    """The live download of one source as (record, files), shaped like a watchlist copy (its `version` is
    the measures' digest), for `bot.lists_sync` to publish to the database."""
    path = store.folder(lists_dir) / f"{key}.json"
    record = store.read_download(lists_dir, key)
    if record is None or not record.get("digest"):
        return None
    meta = {k: v for k, v in record.items() if k != "measures"}
    return {**meta, "version": record["digest"]}, {f"{key}.json": path.read_bytes()}


def installed_version(lists_dir: Path | None, key: str) -> str | None:
    record = store.read_download(lists_dir, key)
    return str(record.get("digest")) if record else None


def install_download(lists_dir: Path | None, key: str, record: dict, files: dict[str, bytes]) -> bool:
    """Make a download shared by another host the live one here; False (nothing changed) when the file
    does not hold the measures its record names."""
    if key not in SPECS or f"{key}.json" not in files:
        return False
    try:
        shared = json.loads(files[f"{key}.json"].decode("utf-8"))
        measures = [store.Measure.model_validate(m) for m in shared["measures"]]
    except (ValueError, KeyError, TypeError):
        return False
    if not measures or _digest(measures) != record.get("version") or shared.get("digest") != record.get("version"):
        return False
    _write(store.folder(lists_dir), key, shared)
    return True
