"""The evidence pack: a file that shows a credit insurer, a bank or an auditor what was checked.

`export()` builds it (HTML or PDF, in English or Chinese) from the case's stored records and
records the export in the audit trail; `verify()` checks a pack file against its embedded data.
`data.py` gathers the data, `layout.py` lays it out once, `html.py` and `pdf.py` draw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checks.i18n import normalize_lang, t
from storage import audit, cases
from storage.db import Database

from . import data as pack_data
from . import html as html_writer
from . import layout
from . import pdf as pdf_writer

FORMATS = ("pdf", "html")
MIME = {"pdf": "application/pdf", "html": "text/html"}


@dataclass
class Exported:
    case_id: int
    format: str
    lang: str
    filename: str
    content: bytes
    sha256: str
    title: str

    @property
    def mime(self) -> str:
        return MIME[self.format]


def render(data: dict[str, Any], fmt: str, lang: str, exported_by: str, exported_at: datetime) -> tuple[str, bytes, str]:
    """(title, file bytes, sha256) for already gathered data: pure, no database."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    lang = normalize_lang(lang)
    sha256 = pack_data.digest(data)
    title, blocks = layout.build(data, lang, layout.Meta(exported_by=exported_by,
                                                         exported_at=exported_at.astimezone(UTC).isoformat()))
    blocks = [*blocks, layout.Heading(t("evidence.section.integrity", lang))]
    footer = [t("evidence.hash", lang, hash=sha256), t(f"evidence.verify.{fmt}", lang)]
    case_id = data["case"]["id"]
    if fmt == "html":
        return title, html_writer.render(title, blocks, data, lang, footer), sha256
    content = pdf_writer.render(title, blocks, data, lang, footer,
                                lambda page: t("evidence.page", lang, id=case_id, page=page),
                                pack_data.canonical(data), sha256)
    return title, content, sha256


def export(database: Database, case_id: int, fmt: str, lang: str, who: cases.Who, *,
           workspace: str | None = None, via: str = "cli", now: datetime | None = None) -> Exported:
    """Build the pack of a case and record the export in the audit trail.

    `workspace` limits the case to one team (chat buttons); the admin CLI passes None (any case).
    Raises `cases.Refused` when the case does not exist (or is another team's).
    """
    lang = normalize_lang(lang)
    now = now or datetime.now(UTC)
    with database.session() as session:
        if workspace is not None:
            case = cases.case_in_workspace(session, case_id, workspace)
        else:
            case = session.get(cases.Case, case_id)
            if case is None:
                raise cases.Refused("flows.refused.not_found", id=case_id)
        gathered = pack_data.collect(session, case)
        title, content, sha256 = render(gathered, fmt, lang, who.label, now)
        audit.record(session, "evidence_exported", actor=who.key, actor_name=who.label, case_id=case.id,
                     workspace_id=case.workspace_id,
                     details={"format": fmt, "lang": lang, "sha256": sha256, "bytes": len(content), "via": via})
        session.commit()
    filename = f"evidence-case-{case_id}-{now:%Y%m%d}-{lang}.{fmt}"
    return Exported(case_id=case_id, format=fmt, lang=lang, filename=filename, content=content, sha256=sha256,
                    title=title)


@dataclass
class Verified:
    ok: bool
    case_id: int | None
    actual: str | None
    stated: str | None


def verify(path: Path) -> Verified:
    """Recompute the hash of the data embedded in a pack file and compare it with the one it states."""
    content = path.read_bytes()
    is_pdf = content.startswith(b"%PDF")
    writer: Any = pdf_writer if is_pdf else html_writer
    embedded = writer.extract(content)
    if embedded is None:
        return Verified(ok=False, case_id=None, actual=None, stated=None)
    actual = pack_data.digest(embedded)
    stated = writer.stated_hash(content)
    return Verified(ok=actual == stated, case_id=(embedded.get("case") or {}).get("id"), actual=actual, stated=stated)
