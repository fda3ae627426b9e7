"""The Evidence pack button: the application layer's side (the adapters deliver the file)."""

from __future__ import annotations

from checks.i18n import t
from storage import cases
from storage.db import Database

from ..app.types import ActionResult, Actor, Attachment
from . import export


def pack_result(database: Database, case_id: int, actor: Actor, lang: str) -> ActionResult:
    """Build the case's PDF pack in the reader's language, limited to the actor's workspace."""
    try:
        exported = export(database, case_id, "pdf", lang, actor, workspace=actor.workspace, via=actor.platform)
    except cases.Refused as refused:
        return ActionResult(ok=False, message=t(refused.key, lang, **refused.params), case_id=case_id)
    caption = t("evidence.caption", lang, id=case_id, name=exported.title.split("：" if lang == "zh" else ": ", 1)[-1])
    return ActionResult(
        ok=True, case_id=case_id,
        message=t("flows.done.evidence_pack", lang, id=case_id, hash=exported.sha256[:16]),
        attachment=Attachment(filename=exported.filename, content=exported.content, mime=exported.mime,
                              caption=caption, lang=lang),
    )
