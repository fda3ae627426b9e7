"""`open_envelope` and the payload models, without a server."""

from __future__ import annotations

import json
import time

import pytest

from bot.feishu.events import MAX_AGE, CardActionTriggered, MessageReceived, Refused, open_envelope, parse, signature

from .fake_feishu import ENCRYPT_KEY, VERIFICATION_TOKEN, card_action, encrypt, message_event, signed_post


def _open(body: bytes, headers: dict[str, str], **kwargs: object) -> dict:
    lower = {k.lower(): v for k, v in headers.items()}
    return open_envelope(body, lower, encrypt_key=ENCRYPT_KEY, verification_token=VERIFICATION_TOKEN, **kwargs)


def test_a_signed_encrypted_event_opens_and_parses() -> None:
    body, headers = signed_post(message_event("/check ACME", user="ou_a", mention_bot=True))
    event = parse(_open(body, headers))
    assert isinstance(event, MessageReceived)
    assert event.event.message.text() == "/check ACME"  # the @-mention placeholder is taken out
    body, headers = signed_post(card_action({"a": "approve", "c": 3}, user="ou_b", message_id="om_1"))
    action = parse(_open(body, headers))
    assert isinstance(action, CardActionTriggered) and action.event.action.value == {"a": "approve", "c": 3}


def test_the_challenge_may_come_unsigned_but_nothing_else() -> None:
    challenge = json.dumps({"encrypt": encrypt({"type": "url_verification", "challenge": "c1",
                                                "token": VERIFICATION_TOKEN})}).encode()
    assert _open(challenge, {})["challenge"] == "c1"
    event = json.dumps({"encrypt": encrypt(message_event("hi", user="ou_a"))}).encode()
    with pytest.raises(Refused, match="unsigned"):
        _open(event, {})


@pytest.mark.parametrize("change", ["plaintext", "garbage", "old", "future", "token"])
def test_what_is_refused(change: str) -> None:
    payload = message_event("hi", user="ou_a")
    body, headers = signed_post(payload)
    if change == "plaintext":  # not encrypted although an encrypt key is set
        body = json.dumps(payload).encode()
    elif change == "garbage":  # signed, but not Feishu's ciphertext: refused, never a traceback
        body = json.dumps({"encrypt": "bm90IGNpcGhlcnRleHQ="}).encode()
        headers = {**headers, "X-Lark-Signature": signature(headers["X-Lark-Request-Timestamp"],
                                                            headers["X-Lark-Request-Nonce"], ENCRYPT_KEY, body)}
    elif change in ("old", "future"):
        shift = -(MAX_AGE + 5) if change == "old" else MAX_AGE + 5
        body, headers = signed_post(payload, timestamp=time.time() + shift)
    elif change == "token":
        payload["header"]["token"] = "wrong"
        body, headers = signed_post(payload)
    with pytest.raises(Refused):
        _open(body, headers)


def test_other_event_types_are_ignored_and_malformed_ones_refused() -> None:
    assert parse({"header": {"event_type": "im.chat.member.bot.added_v1", "event_id": "e"}}) is None
    with pytest.raises(Refused):
        parse({"header": {"event_type": "card.action.trigger", "event_id": "e"}, "event": {"operator": {}}})
