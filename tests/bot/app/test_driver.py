"""The interaction driver with a recording port and fake application services (no platform, no database)."""

from __future__ import annotations

from typing import Any

import pytest

import bot  # noqa: F401  (registers the bot's catalog)
from bot.app.driver import ButtonPress, CheckCommand, Driver, ReasonReply, ReasonRequest
from bot.app.types import ActionResult, Actor, CheckOutcome, Conversation
from bot.card import ActionKind, Card, CardAction, CardSettings, CaseInfo
from bot.render.buttons import arg_digest
from checks.i18n import t
from checks.models import Report
from checks.request import CheckRequest

ACTOR = Actor(platform="x", user_id="u1", name="Zhang", workspace="w")
WHERE = Conversation("x", "w", "chat-1")
CARD_AT = Conversation("x", "w", "chat-1", message="m-9")


class Port:
    platform = "x"
    public_confirmations = False
    ask_deadline: float | None = None

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.cards: list[Card] = []

    async def post_placeholder(self, command: CheckCommand, card: Card, preface: list[str]) -> Conversation | None:
        self.calls.append(("placeholder", card.in_progress))
        self.cards.append(card)
        return Conversation("x", "w", command.where.channel, message="m-1")

    async def update_card(self, at: Conversation, card: Card, *, final: bool) -> Conversation | None:
        self.calls.append(("update", final))
        self.cards.append(card)
        return at

    async def show_failure(self, at: Conversation, ref: str) -> None:
        self.calls.append(("failure", at.message))

    async def notify(self, text: str) -> None:
        self.calls.append(("notify", text))

    async def say(self, text: str) -> None:
        self.calls.append(("say", text))

    async def ask_reason(self, ask: ReasonRequest) -> str | None:
        self.calls.append(("ask", ask.prompt))
        return "prompt-7"

    async def working(self, kind: ActionKind, case_id: int) -> None:
        self.calls.append(("working", kind))

    async def open_details(self) -> None:
        self.calls.append(("open_details", None))

    async def show_details(self, result: ActionResult) -> None:
        self.calls.append(("details", result.ok))

    async def send_file(self, attachment: Any, comment: str) -> None:
        self.calls.append(("file", comment))


class Services:
    """Fake application services: what the driver asked, and canned answers."""

    def __init__(self, *, allowed: bool = True, prompt: str | None = None, fail: bool = False,
                 card: Card | None = None) -> None:
        self.allowed, self.prompt, self.fail, self.card = allowed, prompt, fail, card
        self.asked: list[tuple[str, Any]] = []

    def engine(self) -> Any:
        return type("E", (), {"sources": []})()

    def describe_request(self, request: CheckRequest) -> list[str]:
        return []

    def card_settings(self) -> CardSettings:
        return CardSettings(timezone="Asia/Shanghai")

    async def run_check(self, request: CheckRequest, actor: Actor, conversation: Any, *, lang: str, engine: Any,
                        on_progress: Any) -> CheckOutcome:
        self.asked.append(("run_check", conversation.message))
        await on_progress(Report(subject={"name": "ACME"}, lang=lang, pending=["registry"]))  # type: ignore[call-arg,arg-type]
        if self.fail:
            raise RuntimeError("source exploded")
        report = Report(subject={"name": "ACME"}, lang=lang)  # type: ignore[call-arg,arg-type]
        from bot.card import build_card

        return CheckOutcome(request=request, report=report, card=build_card(report),
                            case=CaseInfo(id=12, status="open"))  # type: ignore[call-arg]

    async def link_card(self, case_id: int, conversation: Conversation) -> None:
        self.asked.append(("link", (case_id, conversation.message)))

    async def card_in_chat(self, case_id: int, conversation: Conversation) -> bool:
        return True

    async def can_perform(self, actor: Actor, kind: ActionKind, case_id: int, lang: str) -> tuple[bool, str]:
        self.asked.append(("can_perform", kind))
        return self.allowed, "" if self.allowed else "not a manager"

    async def reason_prompt(self, kind: ActionKind, case_id: int, actor: Actor) -> str | None:
        return self.prompt

    async def perform_action(self, kind: ActionKind, case_id: int, actor: Actor, **options: Any) -> ActionResult:
        self.asked.append(("perform", (kind, options.get("arg"), options.get("reason"))))
        return ActionResult(ok=True, message="done", case_id=case_id, announce=None)

    async def current_card(self, case_id: int, actor: Actor, lang: str) -> Card | None:
        self.asked.append(("current_card", case_id))
        return self.card

    async def save_prompt(self, platform: str, chat: str, prompt_id: str, kind: ActionKind, case_id: int,
                          actor: Actor, *, arg: str = "", card_message_id: str | None = None) -> None:
        self.asked.append(("save_prompt", (prompt_id, card_message_id)))

    async def take_prompt(self, *args: Any) -> Any:
        return None


def _press(kind: ActionKind, **options: Any) -> ButtonPress:
    return ButtonPress(ACTOR, kind, 12, CARD_AT, "en", **options)


async def test_a_check_posts_a_placeholder_edits_it_finishes_and_links_the_card() -> None:
    port, app = Port(), Services()
    at = await Driver(app, progress_interval=0).check(CheckCommand(ACTOR, CheckRequest(company="ACME"), WHERE, "en"), port)
    assert at is not None and at.message == "m-1"
    assert port.calls[0] == ("placeholder", True) and port.calls[-1] == ("update", True)
    assert ("run_check", "m-1") in app.asked and app.asked[-1] == ("link", (12, "m-1"))
    assert port.cards[0].timezone == "Asia/Shanghai"  # the driver's cards are built with the runtime's settings
    assert all(card.timezone == "Asia/Shanghai" for card in port.cards[:-1])  # progress edits too


async def test_a_failed_check_apologises_on_the_placeholder_and_links_nothing() -> None:
    port, app = Port(), Services(fail=True)
    await Driver(app, progress_interval=0).check(CheckCommand(ACTOR, CheckRequest(company="ACME"), WHERE, "en"), port)
    assert ("failure", "m-1") in port.calls and ("update", True) not in port.calls
    assert not [a for a in app.asked if a[0] == "link"]


async def test_a_refusal_is_said_before_anything_is_asked_or_done() -> None:
    port, app = Port(), Services(allowed=False, prompt="reject")
    await Driver(app).press(_press(ActionKind.REJECT), port)
    assert port.calls == [("notify", "not a manager")]
    assert [a[0] for a in app.asked] == ["can_perform"]  # no perform_action probe


async def test_a_reason_is_asked_after_the_permission_check_and_its_prompt_remembered() -> None:
    port, app = Port(), Services(prompt="approve_stop")
    await Driver(app).press(_press(ActionKind.APPROVE), port)
    assert port.calls == [("ask", "approve_stop")]
    assert app.asked == [("can_perform", ActionKind.APPROVE), ("save_prompt", ("prompt-7", "m-9"))]


async def test_an_action_needing_no_reason_is_done_and_confirmed_to_the_person() -> None:
    port, app = Port(), Services(prompt=None)
    await Driver(app).press(_press(ActionKind.APPROVE), port)
    assert ("perform", (ActionKind.APPROVE, "", None)) in app.asked and port.calls == [("notify", "done")]


async def test_a_hashed_argument_is_resolved_from_the_current_card_without_an_action() -> None:
    match = "un_sdn:" + "7" * 80
    card = Card(lang="en", title="ACME", actions=[CardAction(kind=ActionKind.CLEAR_MATCH, label="Not this buyer",
                                                            case_id=12, arg=match)])  # type: ignore[call-arg]
    port, app = Port(), Services(prompt="clear_match", card=card)
    await Driver(app).press(_press(ActionKind.CLEAR_MATCH, arg_hash=arg_digest(match)), port)
    assert app.asked[0] == ("current_card", 12)
    assert not [a for a in app.asked if a[0] in ("perform", "link")]  # no Details action, nothing re-linked
    assert port.calls == [("ask", "clear_match")]


@pytest.mark.parametrize("card", [None, Card(lang="en", title="ACME")])  # type: ignore[call-arg]
async def test_an_unknown_hashed_argument_is_a_stale_button(card: Card | None) -> None:
    port, app = Port(), Services(card=card)
    await Driver(app).press(_press(ActionKind.CLEAR_MATCH, arg_hash="0" * 16), port)
    assert port.calls == [("notify", t("driver.button.stale", "en"))]


async def test_a_reason_reply_acts_and_announces() -> None:
    port, app = Port(), Services()
    await Driver(app).reason(ReasonReply(ACTOR, ActionKind.ADD_NOTE, 12, CARD_AT, "en", reason=" paid late "), port)
    assert ("perform", (ActionKind.ADD_NOTE, "", "paid late")) in app.asked
    assert port.calls == [("notify", "done")]
