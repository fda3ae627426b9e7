"""The Evidence pack button in Telegram: sendDocument with the PDF, as a reply to the card."""

from __future__ import annotations

import io

from pypdf import PdfReader

from .conftest import GROUP, SALES, Harness, buttons


async def test_the_evidence_pack_is_sent_as_a_document_replying_to_the_card(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(GROUP, SALES, "/check Mahan Air General Trading LLC country=AE lang=zh")
    codes = buttons(card)
    assert "e" in codes, codes
    mark = len(api.calls)
    await harness.press(card, SALES, codes["e"])
    [sent] = await api.wait_for(lambda a: [c for c in a.calls[mark:] if c.method == "sendDocument"], timeout=60)
    document = sent.params["document"]
    assert document["filename"].endswith(".pdf") and document["content"].startswith(b"%PDF-")
    assert sent.params["reply_parameters"]["message_id"] == card["message_id"]
    assert int(sent.params["chat_id"]) == GROUP
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document["content"])).pages)
    assert "Mahan Air General Trading LLC" in text
    assert sent.response["ok"] and sent.response["result"]["document"]["file_size"] == len(document["content"])
