"""No secret reaches a log line: Telegram's token sits in every Bot API URL httpx logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot import logs

TOKEN = "123456789:AAHk9x-Zq_3vT0pLmN8sR2wYcE5uJ7bD4fG"


def test_tokens_are_redacted_wherever_they_appear() -> None:
    assert logs.redact(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage") == \
        "POST https://api.telegram.org/bot[redacted]/sendMessage"
    assert TOKEN not in logs.redact(f"token={TOKEN} refused")
    assert "xoxb" not in logs.redact("invalid_auth for xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp")
    assert logs.redact("case #12 ACME Trading LLC, VAT DE811115368") == "case #12 ACME Trading LLC, VAT DE811115368"


def test_a_served_process_logs_bot_api_calls_without_the_token(capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    root.handlers = [logging.StreamHandler()]
    try:
        logs.configure("DEBUG")  # even at debug, as `tradecheck serve --log-level debug`
        logging.getLogger("httpx").warning("HTTP Request: POST %s \"HTTP/1.1 200 OK\"",
                                           httpx.URL(f"http://127.0.0.1:8081/bot{TOKEN}/sendMessage"))
        logging.getLogger("telegram.ext").error("error %s", f"Conflict for bot{TOKEN}")
    finally:
        root.setLevel(saved[0])
        root.handlers = saved[1]
    err = capfd.readouterr().err
    assert "sendMessage" in err and "[redacted]" in err
    assert TOKEN not in err and TOKEN.split(":")[1] not in err
