"""The Evidence pack button in Slack: the PDF goes into the card's thread through the files API's
external upload (files.getUploadURLExternal, the bytes to the upload URL, files.completeUploadExternal)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlmodel import select

from storage.models import AuditEvent
from tests.bot.slack.conftest import SALES, SlackHarness


async def test_the_evidence_pack_is_uploaded_into_the_cards_thread(slack: SlackHarness) -> None:
    card = await slack.run_check("Mahan Air General Trading LLC email=sales@mahan-trading.ae country=AE", timeout=120)
    buttons = slack.buttons(card["blocks"])
    assert "evidence_pack" in buttons, sorted(buttons)
    response = await slack.interact(slack.button(buttons["evidence_pack"], SALES, card["channel"], card["ts"]))
    assert response.status_code == 200, response.text

    done = await slack.fake.wait_for(lambda: slack.fake.of("files.completeUploadExternal"))
    asked = slack.fake.of("files.getUploadURLExternal")
    assert len(asked) == 1 and asked[0].params["filename"].endswith("-en.pdf")
    complete = done[0].params
    assert complete["channel_id"] == card["channel"] and complete["thread_ts"] == card["ts"]
    [shared] = complete["files"]
    content = slack.fake.uploads[shared["id"]]
    assert int(asked[0].params["length"]) == len(content)
    assert content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Mahan Air General Trading LLC" in text and "MAHAN AIR" in text
    assert "Evidence pack of case" in complete["initial_comment"]
    # the export is in the audit trail, by the person who pressed
    with slack.runtime.ensure_database().session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "evidence_exported")).all()
    assert len(events) == 1 and events[0].actor == f"slack:{SALES}" and events[0].details["via"] == "slack"


async def test_a_failed_upload_is_told_to_the_person(slack: SlackHarness) -> None:
    card = await slack.run_check("Kestrel Industrial Supplies Ltd email=p@kestrel-ind.com country=GB")
    slack.fake.errors[("files.getUploadURLExternal", None)] = "missing_scope"
    buttons = slack.buttons(card["blocks"])
    await slack.interact(slack.button(buttons["evidence_pack"], SALES, card["channel"], card["ts"]))
    told = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if "missing_scope" in str(c.params.get("text"))])
    assert "files:write" in told[0].params["text"]
    assert not slack.fake.of("files.completeUploadExternal")
