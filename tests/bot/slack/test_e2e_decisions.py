"""Buttons and modals end to end: approval by a manager only, never by the requester, reject
through the modal with a reason, refusals said privately and changing nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import bot  # noqa: F401  (registers the bot catalog)
from bot.render.slack import mrkdwn
from checks.i18n import t
from tests.bot.slack.blockkit import validate_blocks, validate_view
from tests.bot.slack.conftest import MANAGER, MANAGER2, OTHER_SALES, SALES, SlackHarness


def _request_button(slack: SlackHarness, card: dict[str, Any]) -> dict[str, Any]:
    """The card's own Request approval button (a risky buyer's card offers it)."""
    buttons = slack.buttons(card["blocks"])
    assert "request_approval" in buttons, sorted(buttons)
    return buttons["request_approval"]


async def _press(slack: SlackHarness, button: dict[str, Any], user: str, card: dict[str, Any]) -> None:
    response = await slack.interact(slack.button(button, user, card["channel"], card["ts"]))
    assert response.status_code == 200, response.text


# high risk, but no stop: a bad VAT number and free mail (a manager may approve it, with a reason)
RISKY = "Gulf Star General Trading LLC email=gulfstar.buyer@gmail.com vat=DE123456789 phone=+86 138 0013 8000 country=AE"


async def _submit_modal(slack: SlackHarness, user: str, reason: str, opened_before: int) -> dict[str, Any]:
    opened = await slack.fake.wait_for(lambda: slack.fake.of("views.open")[opened_before:])
    view = opened[-1].params["view"]
    validate_view(view)
    response = await slack.interact(slack.view_submission(view, user, reason))
    assert response.status_code == 200, response.text
    return view


async def _approve(slack: SlackHarness, pending: dict[str, Any], user: str, reason: str = "LC at sight agreed") -> None:
    """A high case: Approve opens the reason modal; the reason is submitted."""
    opened = len(slack.fake.of("views.open"))
    await _press(slack, slack.buttons(pending["blocks"])["approve"], user, pending)
    view = await _submit_modal(slack, user, reason, opened)
    assert json.loads(view["private_metadata"])["k"] == "approve"


async def _pending_card(slack: SlackHarness, requester: str = SALES) -> dict[str, Any]:
    card = await slack.run_check(RISKY, timeout=120)
    validate_blocks(card["blocks"])
    before = len(slack.fake.of("chat.update"))
    opened = len(slack.fake.of("views.open"))
    await _press(slack, _request_button(slack, card), requester, card)
    view = await _submit_modal(slack, requester, "first order, 2 × 40 ft", opened)  # the requester says why
    assert view["blocks"][-1]["block_id"] == "deal"  # and may describe the deal
    update = await slack.fake.wait_for(lambda: slack.fake.of("chat.update")[before:])
    pending = dict(update[-1].params)
    validate_blocks(pending["blocks"])
    assert {"approve", "reject"} <= set(slack.buttons(pending["blocks"]))
    text = json.dumps(pending["blocks"], ensure_ascii=False)
    assert "waiting for a decision" in text and "why: first order, 2 × 40 ft" in text
    assert "<!date^" in text  # the request time, in each reader's own time zone
    # the request is announced in the card's thread
    announce = await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.postMessage") if c.params.get("thread_ts") == card["ts"]])
    assert announce[-1].params["channel"] == card["channel"]
    return pending


async def _refusal(slack: SlackHarness, user: str) -> str:
    calls = await slack.fake.wait_for(lambda: [c for c in slack.fake.responses if c.method == f"response:btn-{user}"])
    body = calls[-1].params
    assert body["response_type"] == "ephemeral" and body.get("replace_original") is False
    return str(body["text"])


async def test_approve_by_a_manager_updates_the_card_with_who_and_when(slack: SlackHarness) -> None:
    pending = await _pending_card(slack)
    before = len(slack.fake.of("chat.update"))
    await _approve(slack, pending, MANAGER)
    update = await slack.fake.wait_for(lambda: slack.fake.of("chat.update")[before:])
    approved = update[-1].params
    validate_blocks(approved["blocks"])
    text = json.dumps(approved["blocks"], ensure_ascii=False)
    assert "approved by Li Na (manager) on <!date^" in text and "why: first order" not in text
    assert "valid until <!date^" in text  # the approval's expiry on the card
    assert "approve" not in slack.buttons(approved["blocks"])
    await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.postMessage")
                                       if c.params.get("thread_ts") == pending["ts"] and "Li Na (manager)" in c.params["text"]])


async def test_approve_refused_for_a_non_manager_and_changes_nothing(slack: SlackHarness) -> None:
    pending = await _pending_card(slack)
    before = len(slack.fake.of("chat.update"))
    await _press(slack, slack.buttons(pending["blocks"])["approve"], OTHER_SALES, pending)
    refusal = await _refusal(slack, OTHER_SALES)
    assert refusal == mrkdwn(t("flows.refused.not_manager", "zh"))  # Chen Jing's Slack is in Chinese
    assert len(slack.fake.of("chat.update")) == before  # the card is unchanged (the refusal is the last step)
    # and the case still waits: a manager can still approve it
    await _approve(slack, pending, MANAGER)
    await slack.fake.wait_for(lambda: slack.fake.of("chat.update")[before:])


async def test_approve_refused_for_the_requester_four_eyes(slack: SlackHarness) -> None:
    pending = await _pending_card(slack, requester=MANAGER)  # a manager asked: another one must decide
    before = len(slack.fake.of("chat.update"))
    await _press(slack, slack.buttons(pending["blocks"])["approve"], MANAGER, pending)
    refusal = await _refusal(slack, MANAGER)
    assert refusal == mrkdwn(t("flows.refused.own_request", "en"))
    # the refusal is the handler's last step (bot.slack.app.on_button): once it is here, nothing else comes
    assert len(slack.fake.of("chat.update")) == before
    await _approve(slack, pending, MANAGER2)
    update = await slack.fake.wait_for(lambda: slack.fake.of("chat.update")[before:])
    assert "approved by Wang Fang" in json.dumps(update[-1].params["blocks"], ensure_ascii=False)


async def test_reject_through_the_modal_with_a_reason(slack: SlackHarness) -> None:
    pending = await _pending_card(slack)
    modals = len(slack.fake.of("views.open"))
    await _press(slack, slack.buttons(pending["blocks"])["reject"], MANAGER, pending)
    opened = await slack.fake.wait_for(lambda: slack.fake.of("views.open")[modals:])
    assert opened[-1].params["trigger_id"]
    view = opened[-1].params["view"]
    validate_view(view)
    meta = json.loads(view["private_metadata"])  # the context rides with the modal, not in memory
    assert meta["k"] == "reject" and meta["ts"] == pending["ts"] and meta["ch"] == pending["channel"]
    before = len(slack.fake.of("chat.update"))
    # an empty reason keeps the modal open with an error
    empty = await slack.interact(slack.view_submission(view, MANAGER, "   "))
    assert empty.json()["response_action"] == "errors" and "reason" in empty.json()["errors"]
    response = await slack.interact(slack.view_submission(view, MANAGER, "Bank account in a third country <!here> *urgent*"))
    assert response.status_code == 200
    update = await slack.fake.wait_for(lambda: slack.fake.of("chat.update")[before:])
    rejected = update[-1].params
    validate_blocks(rejected["blocks"])
    text = json.dumps(rejected["blocks"], ensure_ascii=False)
    assert "rejected by Li Na (manager)" in text and "Bank account in a third country" in text
    assert "<!here>" not in text
    announced = await slack.fake.wait_for(lambda: [c for c in slack.fake.of("chat.postMessage") if c.params.get("thread_ts")
                                                   == pending["ts"] and "Bank account in a third country" in c.params["text"]])
    assert "<!here>" not in announced[-1].params["text"] and "&lt;!here&gt;" in announced[-1].params["text"]
    assert "*urgent*" not in announced[-1].params["text"]  # the reason's asterisks do not turn into bold


async def test_reject_by_a_non_manager_is_refused_before_any_modal(slack: SlackHarness) -> None:
    pending = await _pending_card(slack)
    modals = len(slack.fake.of("views.open"))  # the requester's reason modal
    await _press(slack, slack.buttons(pending["blocks"])["reject"], OTHER_SALES, pending)
    assert await _refusal(slack, OTHER_SALES) == mrkdwn(t("flows.refused.not_manager", "zh"))
    await asyncio.sleep(0.2)
    assert len(slack.fake.of("views.open")) == modals  # no modal for a refusal


async def test_add_note_modal_and_details_modal(slack: SlackHarness) -> None:
    card = await slack.run_check("Blue Ocean Imports Ltd email=sales@blueocean.example country=GB")
    buttons = slack.buttons(card["blocks"])
    await _press(slack, buttons["add_note"], SALES, card)
    opened = await slack.fake.wait_for(lambda: slack.fake.of("views.open"))
    view = opened[-1].params["view"]
    validate_view(view)
    await slack.interact(slack.view_submission(view, SALES, "Called them, the address matches"))
    await slack.fake.wait_for(lambda: any("note" in c.params.get("text", "").lower()
                                          for c in slack.fake.responses + slack.fake.of("chat.postEphemeral")))
    await _press(slack, buttons["details"], SALES, card)
    updated = await slack.fake.wait_for(lambda: slack.fake.of("views.update"))
    details = updated[-1].params["view"]
    validate_view(details)
    loading = slack.fake.of("views.open")[-1]  # Details opens a loading view at once, then fills in that very view
    assert loading.response is not None and loading.params["view"]["type"] == "modal"
    assert updated[-1].params["view_id"] == loading.response["view"]["id"]
    assert "Blue Ocean Imports Ltd" in json.dumps(details, ensure_ascii=False)


async def test_a_forged_button_for_another_teams_case_changes_nothing(slack: SlackHarness) -> None:
    card = await slack.run_check("Harbor Lights Co email=info@harborlights.example")
    button = dict(slack.buttons(card["blocks"])["schedule_recheck"])
    button["value"] = "999999|30"  # a case that does not exist (or belongs to another workspace)
    before = len(slack.fake.of("chat.update"))
    await _press(slack, button, SALES, card)
    assert await _refusal(slack, SALES) == mrkdwn(t("flows.refused.not_found", "en", id=999999))
    assert len(slack.fake.of("chat.update")) == before
