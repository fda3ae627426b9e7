"""Two `serve` instances on one database, like two processes behind a load balancer: a card posted
by one is decided through the other, and a modal opened by one is submitted to the other."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.app.types import Actor
from tests.bot.slack.conftest import MANAGER, SALES, SlackHarness, start_app
from tests.bot.slack.fake_slack import FakeSlack
from tests.runtimes import MakeRuntime


async def test_a_card_from_one_server_is_decided_through_another(slack_env: Any, fake_slack: FakeSlack,
                                                                  runtime_factory: MakeRuntime) -> None:
    first_url, first, first_task, first_runtime = await start_app(fake_slack, runtime_factory)
    second_url, second, second_task, second_runtime = await start_app(fake_slack, runtime_factory)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            a = SlackHarness(url=first_url, fake=fake_slack, http=http, server_runtime=first_runtime)
            b = SlackHarness(url=second_url, fake=fake_slack, http=http, server_runtime=second_runtime)
            b._trigger = 1000  # distinct trigger ids, as Slack's are
            card = await a.run_check("Twin Servers Trading LLC email=ops@twinservers.example country=AE")
            buttons = a.buttons(card["blocks"])
            case_id = int(buttons["recheck"]["value"].split("|")[0])
            requested = await a.runtime.cases.perform_action("request_approval", case_id, Actor("slack", SALES, "Zhang Wei", "T1"),
                                                             reason="first order, 40 ft container")
            assert requested.ok
            pending = requested.card
            assert pending is not None
            from bot.render.slack import render_blocks

            reject = b.buttons(render_blocks(pending))["reject"]
            # the manager's press reaches server B, which opens the modal
            await b.interact(b.button(reject, MANAGER, card["channel"], card["ts"]))
            opened = await fake_slack.wait_for(lambda: fake_slack.of("views.open"))
            view = opened[-1].params["view"]
            before = len(fake_slack.of("chat.update"))
            # ... and the submission reaches server A, which knows nothing but what the modal carries
            await a.interact(a.view_submission(view, MANAGER, "Registry shows another owner"))
            update = await fake_slack.wait_for(lambda: fake_slack.of("chat.update")[before:])
            assert update[-1].params["ts"] == card["ts"] and update[-1].params["channel"] == card["channel"]
            assert "rejected by Li Na (manager)" in json.dumps(update[-1].params["blocks"], ensure_ascii=False)
            # a retry of the same command sent to the other server is not a second check
            body = a.command_body("Twin Servers Again LLC")
            posts_before = len([c for c in fake_slack.of("chat.postMessage") if c.params.get("blocks")])
            await a.post(body, "application/x-www-form-urlencoded")
            await b.post(body, "application/x-www-form-urlencoded", headers={"X-Slack-Retry-Num": "1"})
            await fake_slack.wait_for(lambda: len([c for c in fake_slack.of("chat.update")
                                                   if "Twin Servers Again" in c.params["text"] and "⏳" not in c.params["text"]]))
            posts = [c for c in fake_slack.of("chat.postMessage") if c.params.get("blocks")]
            assert len(posts) == posts_before + 1
    finally:
        for server, task in ((first, first_task), (second, second_task)):
            server.should_exit = True
            await task
