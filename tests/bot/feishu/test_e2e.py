"""End to end: signed, encrypted Feishu events into `tradecheck serve`, cards out to a fake Open API."""

from __future__ import annotations

import time

from tests.runtimes import MakeRuntime

from .conftest import GROUP, MANAGER, OTHER, SALES, Harness, buttons, submit_of, text_of
from .fake_feishu import (
    CARD_LIMIT,
    VERIFICATION_TOKEN,
    header,
    message_event,
    signed_post,
)


async def test_url_verification_is_answered_after_the_token_check(harness: Harness) -> None:
    challenge = {"challenge": "abc-123", "token": VERIFICATION_TOKEN, "type": "url_verification"}
    body, headers = signed_post(challenge)
    response = await harness.http.post("/feishu/events", content=body, headers=headers)
    assert response.status_code == 200 and response.json() == {"challenge": "abc-123"}
    body, headers = signed_post({**challenge, "token": "guessed"})
    assert (await harness.http.post("/feishu/events", content=body, headers=headers)).status_code == 401


async def test_check_posts_a_card_and_fills_it_in(harness: Harness) -> None:
    fake = harness.fake
    card_id, card = await harness.check("/check ACME Trading LLC email=j@acme-trading.ae country=AE")
    first = fake.sent_cards()[0][1]
    assert first["header"]["template"] == "blue"  # the placeholder: checking…
    assert "ACME Trading LLC" in text_of(first)
    patches = [c for c in fake.of("patch") if c.message_id == card_id]
    assert len(patches) >= 2, "updated while sources answered, then finished"
    assert card["schema"] == "2.0" and card["header"]["template"] in {"red", "orange", "yellow", "green"}
    assert "No registry record for ACME Trading LLC" in text_of(card)
    kinds = buttons(card)
    assert {"recheck", "add_note", "details", "evidence_pack"} <= set(kinds)
    assert "Case #" in text_of(card)
    # the reply went to the user's message, the token was fetched once and reused
    assert fake.of("reply")[0].path.startswith("/open-apis/im/v1/messages/om_in_")


async def test_group_needs_a_mention_and_paste_mode_checks_the_text(harness: Harness) -> None:
    fake = harness.fake
    await harness.say("ACME Trading LLC j@acme-trading.ae", chat=GROUP, chat_type="group")
    assert not fake.calls or not fake.of("reply")  # not addressed to the bot: nothing
    _card_id, card = await harness.check("Best regards,\nJohn Smith\nACME Trading LLC\nj.smith@acme-trading.ae",
                                        chat=GROUP, chat_type="group", mention_bot=True)
    assert "ACME" in text_of(card) and buttons(card)


async def test_a_manager_approves_a_requested_case_and_the_requester_cannot(harness: Harness) -> None:
    fake = harness.fake
    card_id, card = await harness.check("/check Northwind Imports Ltd email=northwind.buyer@gmail.com "
                                        "vat=DE123456789 country=GB", chat=GROUP, chat_type="group", mention_bot=True)
    request = buttons(card)["request_approval"]
    case_id = request["c"]

    # Request approval asks why in a form on the card (the callback's answer carries the card)
    answer = await harness.press(card_id, request, SALES, chat=GROUP)
    form_card = answer["card"]["data"]
    assert answer["card"]["type"] == "raw"
    submit = submit_of(form_card)
    assert submit == {"a": "request_approval", "c": case_id, "f": 1}
    mark = len(fake.calls)
    answer = await harness.press(card_id, submit, SALES, chat=GROUP,
                                 form_value={"reason": "repeat order of the 2025 contract", "deal": "steel, $80k, LC"})
    assert answer["toast"]["type"] == "success"  # the card was updated within the callback's 3 s
    card = fake.cards[card_id]
    assert {"approve", "reject"} <= set(buttons(card))
    assert "Li Wei" in text_of(card)
    assert any("Northwind" in text_of(c[1]) for c in fake.sent_cards()[1:] if c[0] not in (card_id,)) or \
        any(c.method == "reply" for c in fake.calls[mark:])

    # the requester cannot approve their own request: told at once, nothing changes
    mark = len(fake.calls)
    answer = await harness.press(card_id, buttons(card)["approve"], SALES, chat=GROUP)
    assert answer["toast"]["type"] == "error"
    assert not [c for c in fake.calls[mark:] if c.method == "patch"]
    # nor can a salesperson who is not a manager
    answer = await harness.press(card_id, buttons(card)["approve"], OTHER, chat=GROUP)
    assert answer["toast"]["type"] == "error" and "manager" in answer["toast"]["content"].lower()

    # the manager approves; a high case needs a reason: the form, then the card approved in place
    answer = await harness.press(card_id, buttons(card)["approve"], MANAGER, chat=GROUP)
    approve_form = answer["card"]["data"]
    mark = len(fake.calls)
    await harness.press(card_id, submit_of(approve_form), MANAGER, chat=GROUP,
                        form_value={"reason": "registry extract received, LC at sight"})
    card = fake.cards[card_id]
    assert "approved" in text_of(card).lower() and "Wang Fang" in text_of(card)
    assert "approve" not in buttons(card)
    assert [c for c in fake.calls[mark:] if c.method == "patch" and c.message_id == card_id]
    announced = [text_of(json_card) for mid, json_card in fake.sent_cards() if mid not in (card_id,)]
    assert any("approved" in line.lower() for line in announced)
    assert case_id == buttons(card)["recheck"]["c"]


async def test_forged_and_replayed_events_are_refused(harness: Harness) -> None:
    fake = harness.fake
    payload = message_event("/check ACME Trading LLC", user=SALES)
    # a wrong signature, an unsigned body, a wrong verification token, a wrong encrypt key
    body, headers = signed_post(payload)
    assert (await harness.http.post("/feishu/events", content=body,
                                    headers={**headers, "X-Lark-Signature": "0" * 64})).status_code == 401
    assert (await harness.http.post("/feishu/events", content=body,
                                    headers={"Content-Type": "application/json"})).status_code == 401
    forged = {**payload, "header": header("im.message.receive_v1", token="not-the-token")}
    assert (await harness.post(forged)).status_code == 401
    assert (await harness.post(payload, key="another-key")).status_code == 401  # signed with another key
    # a captured request replayed later: its timestamp is too old
    old, old_headers = signed_post(payload, timestamp=time.time() - 3600)
    assert (await harness.http.post("/feishu/events", content=old, headers=old_headers)).status_code == 401
    await harness.bot.drain()
    assert not fake.of("reply") and not fake.of("send")

    # the same event delivered twice (Feishu retries, or a replay within the window): acted on once
    assert (await harness.post(payload)).status_code == 200
    await harness.bot.drain()
    assert (await harness.post(payload)).status_code == 200
    await harness.bot.drain()
    assert len([c for c in fake.calls if c.method == "reply"]) == 1

    # a button naming a case whose card is in another chat is refused
    card_id = fake.of("reply")[0].message_id or ""
    value = buttons(fake.cards[card_id])["details"]
    answer = await harness.press(card_id, value, SALES, chat="oc_elsewhere")
    assert answer["toast"]["type"] == "error"


async def test_forty_long_findings_fit_the_card_limit(harness: Harness) -> None:
    card_id, card = await harness.check("/check Verbose Holdings Ltd email=info@verbose-holdings.com")
    import json

    size = len(json.dumps(card, ensure_ascii=False).encode())
    assert size <= CARD_LIMIT  # the fake refuses a larger card; every update got through
    text = text_of(card)
    assert "Registry line" in text and "more (Details)" in text
    assert "<at id=all>" not in "\n".join(e.get("content", "") for e in card["body"]["elements"])
    # Details: the whole card as further cards, each within the limit
    mark = len(harness.fake.calls)
    await harness.press(card_id, buttons(card)["details"], SALES)
    pages = [json.loads(c.body["content"]) for c in harness.fake.calls[mark:] if c.method == "reply"]
    assert pages and all(len(json.dumps(p, ensure_ascii=False).encode()) <= CARD_LIMIT for p in pages)


async def test_evidence_pack_is_uploaded_as_a_file(harness: Harness) -> None:
    card_id, card = await harness.check("/check ACME Trading LLC email=j@acme-trading.ae country=AE")
    await harness.press(card_id, buttons(card)["evidence_pack"], SALES)
    uploads = harness.fake.of("upload")
    assert uploads and uploads[0].body["head"] == "%PDF-"
    files = [c for c in harness.fake.calls if c.method == "reply" and c.body.get("msg_type") == "file"]
    assert files and files[0].path.endswith(f"/{card_id}/reply")


async def test_chinese_by_default_and_english_when_chosen(harness: Harness, monkeypatch: object) -> None:
    harness.bot.settings.lang = "zh"
    card_id, card = await harness.check("/check ACME Trading LLC email=j@acme-trading.ae")
    assert "背调单" in text_of(card) or "风险" in text_of(card)
    await harness.say("/lang en")
    _card_id, card = await harness.check("/check ACME Trading LLC email=j@acme-trading.ae")
    assert "Case #" in text_of(card)


async def test_two_servers_on_one_database_act_on_an_event_once(harness: Harness, runtime_factory: MakeRuntime) -> None:
    """Feishu retries an event (or two processes behind a balancer both get it): one card only."""
    import httpx

    from bot.app.services import RuntimeServices
    from bot.feishu.api import FeishuApi
    from bot.feishu.handlers import FeishuBot
    from bot.server import create_app

    from .conftest import engine

    other_runtime = runtime_factory()  # the other process's own runtime, on the same database
    other_services = RuntimeServices(other_runtime)
    other_bot = FeishuBot(FeishuApi(harness.bot.settings), harness.bot.settings, other_services,
                          engine=engine(other_runtime), progress_interval=0.05)
    other = create_app(other_runtime.settings, mount_slack=False, mount_telegram=False, feishu_bot=other_bot,
                       services=other_services)
    payload = message_event("/check ACME Trading LLC email=j@acme-trading.ae", user=SALES)
    first, headers = signed_post(payload)
    second, headers2 = signed_post(payload, nonce="other-nonce")  # a retry: a fresh signature, the same event id
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://feishu2.test") as http2:
        answers = [await harness.http.post("/feishu/events", content=first, headers=headers),
                   await http2.post("/feishu/events", content=second, headers=headers2)]
    await harness.bot.drain()
    await other_bot.drain()
    assert [a.status_code for a in answers] == [200, 200]
    assert len(harness.fake.of("reply")) == 1
