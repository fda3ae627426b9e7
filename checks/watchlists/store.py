"""Where each list's files come from: the last good download in `lists_dir`, else the bundled snapshot.

Layout of `lists_dir` (default: $XDG_DATA_HOME/tradecheck/lists, i.e. ~/.local/share/tradecheck/lists):
``<source>/current.json`` names the live version folder ``<source>/<version>/`` and records its date,
count and HTTP validators. `update` writes a new folder, then replaces current.json atomically
(os.replace), so a reader sees either the old or the new version, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import lzma
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from . import csl, eu, ofac, uk, un
from .model import Entity, ListInfo

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
SOURCE_KEYS = ("us_ofac_sdn", "us_ofac_cons", "us_csl", "un_sc", "eu_fsf", "uk_sl")

Files = Mapping[str, bytes]


@dataclass(frozen=True)
class ListSpec:
    key: str
    title: str
    files: dict[str, str]  # local file name -> official download address
    required: tuple[str, ...]
    parse: Callable[[Files], list[Entity]]
    # the date the file itself states (UN dateGenerated...); None when it states none (OFAC CSVs, CSL)
    published: Callable[[Files, list[Entity]], str | None] = lambda files, entities: None


_OFAC = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"

SPECS: dict[str, ListSpec] = {
    "us_ofac_sdn": ListSpec(
        "us_ofac_sdn", "OFAC SDN",
        {"sdn.csv": _OFAC + "SDN.CSV", "alt.csv": _OFAC + "ALT.CSV", "add.csv": _OFAC + "ADD.CSV",
         "sdn_comments.csv": _OFAC + "SDN_COMMENTS.CSV"},
        ("sdn.csv",), ofac.parse_sdn,
    ),
    "us_ofac_cons": ListSpec(
        "us_ofac_cons", "OFAC non-SDN",
        {"cons_prim.csv": _OFAC + "CONS_PRIM.CSV", "cons_alt.csv": _OFAC + "CONS_ALT.CSV",
         "cons_add.csv": _OFAC + "CONS_ADD.CSV", "cons_comments.csv": _OFAC + "CONS_COMMENTS.CSV"},
        ("cons_prim.csv",), ofac.parse_cons,
    ),
    "us_csl": ListSpec(
        "us_csl", "US Consolidated Screening List",
        {"consolidated.csv": "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"},
        # the CSV carries no publication date: a download is dated by Last-Modified (or the day it was fetched)
        ("consolidated.csv",), csl.parse_csl,
    ),
    "un_sc": ListSpec(
        "un_sc", "UN Security Council",
        {"UN_consolidated.xml": "https://scsanctions.un.org/resources/xml/en/consolidated.xml"},
        ("UN_consolidated.xml",), un.parse_un, lambda files, entities: un.generated_date(files),
    ),
    "eu_fsf": ListSpec(
        "eu_fsf", "EU Financial Sanctions File",
        # the public token published on the FSF page; verify before release
        {"eu_fsf.xml": "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw"},
        ("eu_fsf.xml",), eu.parse_eu, lambda files, entities: eu.generated_date(files),
    ),
    "uk_sl": ListSpec(
        "uk_sl", "UK Sanctions List",
        # linked from https://www.gov.uk/government/publications/the-uk-sanctions-list; verify before release
        {"uk_sl.xml": "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"},
        ("uk_sl.xml",), uk.parse_uk, lambda files, entities: uk.generated_date(files),
    ),
}


def default_lists_dir() -> Path:
    """The lists' folder in the user data folder (`checks.paths`)."""
    from ..paths import user_data_dir

    return user_data_dir() / "lists"


def resolve_lists_dir(lists_dir: Path | None) -> Path:
    return Path(lists_dir).expanduser() if lists_dir else default_lists_dir()


def content_version(files: Files) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


# ------------------------------------------------------------------ bundled snapshot


def bundled_manifest() -> dict[str, dict[str, str]]:
    return json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))


def bundled_files(key: str) -> dict[str, bytes] | None:
    folder = DATA_DIR / key
    if not folder.is_dir():
        return None
    return {path.name[: -len(".xz")]: lzma.decompress(path.read_bytes()) for path in sorted(folder.glob("*.xz"))}


# ------------------------------------------------------------------ downloaded versions


def read_current(lists_dir: Path, key: str) -> dict | None:
    """The live download's record (current.json), or None."""
    pointer = lists_dir / key / "current.json"
    try:
        meta = json.loads(pointer.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("version") else None


def downloaded_files(lists_dir: Path, key: str, meta: dict) -> dict[str, bytes] | None:
    folder = lists_dir / key / str(meta["version"])
    if not folder.is_dir():
        return None
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@dataclass
class LoadedList:
    info: ListInfo
    entities: list[Entity]


def load_source(key: str, lists_dir: Path | None = None) -> LoadedList | None:
    """The newest good copy of one list: a valid download first, else the bundled snapshot."""
    spec = SPECS[key]
    folder = resolve_lists_dir(lists_dir)
    meta = read_current(folder, key)
    if meta is not None:
        files = downloaded_files(folder, key, meta)
        if files is not None:
            try:
                entities = spec.parse(files)
                info = ListInfo(key, str(meta.get("as_of") or ""), len(entities), "downloaded",
                                str(meta["version"]), meta.get("fetched_at"))
                return LoadedList(info, entities)
            except Exception:  # a damaged download must not take screening down: use the snapshot
                log.exception("downloaded %s is unreadable; using the bundled snapshot", key)
    files = bundled_files(key)
    if files is None:
        return None
    entities = spec.parse(files)
    manifest = bundled_manifest().get(key, {})
    as_of = manifest.get("as_of") or spec.published(files, entities) or ""
    return LoadedList(ListInfo(key, as_of, len(entities), "bundled", "bundled-" + manifest.get("version", "")), entities)


def current_versions(lists_dir: Path | None = None) -> tuple[str, ...]:
    """A cheap fingerprint of what `load_source` would load, to know when to rebuild the index."""
    folder = resolve_lists_dir(lists_dir)
    manifest = bundled_manifest()
    versions = []
    for key in SOURCE_KEYS:
        meta = read_current(folder, key)
        bundled = manifest.get(key, {}).get("version", "none")
        versions.append(f"{key}:{meta['version']}" if meta else f"{key}:bundled-{bundled}")
    return tuple(versions)


def age_days(as_of: str, today: date | None = None) -> int | None:
    try:
        published = date.fromisoformat(as_of[:10])
    except ValueError:
        return None
    return ((today or datetime.now(UTC).date()) - published).days


def list_dates(lists_dir: Path | None = None) -> dict[str, ListInfo]:
    """Each list's date and size without parsing it (current.json or the bundled manifest): cheap enough
    to call on every check."""
    folder = resolve_lists_dir(lists_dir)
    manifest = bundled_manifest()
    infos: dict[str, ListInfo] = {}
    for key in SOURCE_KEYS:
        meta = read_current(folder, key)
        if meta is not None and (folder / key / str(meta["version"])).is_dir():
            infos[key] = ListInfo(key, str(meta.get("as_of") or ""), int(meta.get("count") or 0), "downloaded",
                                  str(meta["version"]), meta.get("fetched_at"))
        elif key in manifest:
            item = manifest[key]
            infos[key] = ListInfo(key, item.get("as_of", ""), int(item.get("count") or 0), "bundled",
                                  "bundled-" + item.get("version", ""))
    return infos
