"""End to end: updates through /telegram/webhook, the real PTB Application, a fake Bot API."""

from __future__ import annotations

from .conftest import GROUP, MANAGER, OTHER, PROCESSED, SALES, SECRET, Harness, buttons
from .fakeapi import BOT_USERNAME


async def test_check_in_private_chat_sends_a_card_then_edits_it(harness: Harness) -> None:
    card = await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme-trading.ae country=AE")
    api = harness.api
    sent = api.of("sendMessage", SALES)[0]
    assert "ACME Trading LLC" in sent.params["text"] and sent.params["parse_mode"] == "HTML"
    edits = api.of("editMessageText", SALES)
    assert edits, "the card is edited as sources finish"
    assert all(e.params["message_id"] == card["message_id"] for e in edits)
    final = edits[-1].params
    assert "No registry record for ACME Trading LLC" in final["text"]
    assert "VERIFY FIRST" in final["text"].split("\n")[0]  # the decision first
    assert "Case #" in final["text"]
    # the progress edit (one source done) came before the final card, and had no buttons yet
    assert any("checking" in e.params["text"] and not e.params.get("reply_markup") for e in edits[:-1])
    assert final["reply_markup"]["inline_keyboard"]


async def test_check_in_a_group_with_the_bot_name(harness: Harness) -> None:
    card = await harness.check(GROUP, SALES, f"/check@{BOT_USERNAME} Rahman Steel FZE site=rahman-steel.ae")
    assert "Rahman Steel FZE" in card["text"]
    assert card["chat"]["id"] == GROUP
    # a command addressed to another bot is not ours
    before = len(harness.api.calls)
    update = await harness.command(GROUP, SALES, "/check@some_other_bot Rahman Steel FZE")
    await harness.processed(update)
    assert not harness.sent_after(before)


async def test_check_replying_to_a_forwarded_inquiry_uses_its_text(harness: Harness) -> None:
    inquiry = harness.updates.message(GROUP, harness.updates.user(SALES), (
        "Dear Sir,\nPlease quote 20 tons of HRC coil CIF Jebel Ali.\n\nBest regards,\nOmar Haddad\n"
        "Purchasing Manager\nGulf Bridge Trading LLC\nTel: +971 4 339 1200\nomar@gulfbridge-trading.ae\n"
        "www.gulfbridge-trading.ae"))["message"]
    card = await harness.check(GROUP, SALES, "/check", reply_to=inquiry)
    text = card["text"]
    assert "Gulf Bridge Trading LLC" in text
    assert "omar@gulfbridge-trading.ae" in text  # extracted from the pasted inquiry


async def test_bad_request_is_explained_not_crashed(harness: Harness) -> None:
    update = await harness.command(SALES, SALES, "/check")
    reply = await harness.api.wait_for(lambda api: api.of("sendMessage", SALES))
    assert "Nothing to check" in reply[0].params["text"]
    assert reply[0].params["reply_parameters"]["message_id"] == update["message"]["message_id"]


async def test_every_button_fits_64_bytes(harness: Harness) -> None:
    card = await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme-trading.ae")
    datas = [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert {d.split(":")[0] for d in datas} >= {"c", "s", "n", "d"}
    assert all(len(d.encode()) <= 64 for d in datas)


async def test_approve_by_a_manager_and_refused_for_others(harness: Harness) -> None:
    api = harness.api
    # high risk (free mail, a VAT number that fails its check), not a STOP: a manager may approve it
    card = await harness.check(GROUP, SALES, "/check Northwind Imports Ltd email=northwind.buyer@gmail.com "
                                             "vat=DE123456789 country=GB")
    case_id = int(buttons(card)["c"].split(":")[1])

    # the salesperson asks for approval (a risky buyer's card offers it), saying why: the card now offers
    # Approve / Reject
    mark = len(api.calls)
    await harness.press(card, SALES, buttons(card)["r"])
    await harness.reply_to_prompt(GROUP, SALES, mark, "repeat order of the 2025 contract")
    announce = await api.wait_for(lambda a: [p for p in harness.sent_after(mark, GROUP) if "asks a manager" in p["text"]])
    assert "Northwind" in announce[0]["text"]
    card = api.messages[(GROUP, card["message_id"])]
    assert {"a", "x"} <= set(buttons(card))
    assert api.of("answerCallbackQuery")

    # a salesperson who is not a manager presses Approve: refused, nothing changes
    mark = len(api.calls)
    await harness.press(card, OTHER, f"a:{case_id}")
    refusal = await api.wait_for(lambda a: harness.sent_after(mark, GROUP))
    assert "manager" in refusal[0]["text"].lower()
    assert f"tg://user?id={OTHER}" in refusal[0]["text"]
    assert not [c for c in api.calls[mark:] if c.method == "editMessageText"]

    # the manager approves, with the reason a high case needs: the card is edited in place and announced
    mark = len(api.calls)
    await harness.press(card, MANAGER, f"a:{case_id}")
    await harness.reply_to_prompt(GROUP, MANAGER, mark, "registry extract received, LC at sight")
    approved = await api.wait_for(lambda a: [p for p in harness.sent_after(mark, GROUP) if "approved" in p["text"]])
    assert f"User {MANAGER}" in approved[0]["text"]
    edit = [c for c in api.calls[mark:] if c.method == "editMessageText"]
    assert edit and edit[-1].params["message_id"] == card["message_id"]
    assert "approved" in edit[-1].params["text"]
    # the answer to each press came before anything else the press caused
    press_calls = [c.method for c in api.calls[mark:]]
    assert press_calls[0] == "answerCallbackQuery"
    assert "why: repeat order" not in edit[-1].params["text"] and "valid until" in edit[-1].params["text"]


async def test_rejection_reason_is_captured_through_a_reply(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(GROUP, SALES, "/check Blue Lotus Trading Co email=sales@bluelotus-trading.com country=KP")
    case_id = int(buttons(card)["c"].split(":")[1])
    assert "r" not in buttons(card)  # an embargo STOP: escalated to compliance, never "request approval"
    mark = len(api.calls)
    await harness.press(card, SALES, buttons(card)["u"])  # Escalate (u: up to compliance)
    await harness.reply_to_prompt(GROUP, SALES, mark, "the buyer says the goods stay in Dandong")
    await api.wait_for(lambda a: {"a", "x"} <= set(buttons(a.messages[(GROUP, card["message_id"])])))
    card = api.messages[(GROUP, card["message_id"])]

    mark = len(api.calls)
    await harness.press(card, MANAGER, f"x:{case_id}")
    prompt_call = await api.wait_for(
        lambda a: [c for c in a.calls[mark:] if c.method == "sendMessage" and "force_reply" in (c.params.get("reply_markup") or {})]
    )
    prompt = api.messages[(GROUP, prompt_call[0].response["result"]["message_id"])]
    assert prompt_call[0].params["reply_markup"]["selective"] is True
    assert f"tg://user?id={MANAGER}" in prompt_call[0].params["text"]

    # somebody else replying to the prompt does not decide anything
    mark = len(api.calls)
    await harness.processed(await harness.command(GROUP, OTHER, "looks fine to me", reply_to=prompt))
    assert not harness.sent_after(mark)

    # the manager's reply is the reason: the case is rejected with it
    mark = len(api.calls)
    await harness.command(GROUP, MANAGER, "Company registry shows it dissolved in 2021", reply_to=prompt)
    said = await api.wait_for(lambda a: [p for p in harness.sent_after(mark, GROUP) if "rejected" in p["text"]])
    assert "dissolved in 2021" in said[0]["text"]
    edits = [c for c in api.calls[mark:] if c.method == "editMessageText"]
    assert edits and edits[-1].params["message_id"] == card["message_id"]  # found through the prompt's link
    assert "rejected" in edits[-1].params["text"] and "dissolved in 2021" in edits[-1].params["text"]

    # the prompt is used up: replying again does nothing
    mark = len(api.calls)
    await harness.processed(await harness.command(GROUP, MANAGER, "again", reply_to=prompt))
    assert not harness.sent_after(mark)


async def test_company_name_with_markup_is_escaped(harness: Harness) -> None:
    card = await harness.check(SALES, SALES, "/check <b>ACME</b> & Co email=j@acme.ae")
    # the fake parses HTML like Telegram: the card went through, and shows the name as text
    assert "<b>ACME</b> & Co" in card["text"]
    assert not any(e["type"] == "bold" and card["text"][e["offset"]:e["offset"] + e["length"]] == "ACME"
                   for e in card.get("entities", []))
    final = harness.api.of("editMessageText", SALES)[-1].params["text"]
    assert "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in final


async def test_wrong_secret_is_refused_and_nothing_processed(harness: Harness) -> None:
    update = harness.updates.message(SALES, harness.updates.user(SALES), "/check ACME Trading LLC")
    for secret in ("wrong", None, SECRET + "x"):
        response = await harness.post(update, secret=secret)
        assert response.status_code == 403
    # the same update with the right secret is still new (the refused ones were not recorded)
    response = await harness.post(update)
    assert response.status_code == 200
    await harness.processed(update)
    await harness.api.wait_for(lambda api: api.of("sendMessage"))
    assert [update["update_id"]] == PROCESSED  # the refused posts never reached the bot


async def test_redelivered_update_is_processed_once(harness: Harness) -> None:
    update = harness.updates.message(SALES, harness.updates.user(SALES), "/help")
    for _ in range(3):
        assert (await harness.post(update)).status_code == 200
    await harness.processed(update, times=3)
    assert len(harness.api.of("sendMessage")) == 1


async def test_lang_switches_the_answers_to_chinese(harness: Harness) -> None:
    await harness.command(SALES, SALES, "/lang zh")
    await harness.api.wait_for(lambda api: api.of("sendMessage"))
    assert "中文" in harness.api.of("sendMessage")[0].params["text"]
    card = await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme.ae")
    assert "背调单" in card["text"] and "风险" in card["text"]
    labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert "详情" in labels


async def test_history_lists_earlier_checks(harness: Harness) -> None:
    await harness.check(SALES, SALES, "/check Kestrel Industrial Supplies Ltd email=p@kestrel-ind.com")
    mark = len(harness.api.calls)
    await harness.command(SALES, SALES, "/history Kestrel")
    said = await harness.api.wait_for(lambda a: harness.sent_after(mark, SALES))
    assert "Kestrel" in said[0]["text"]


async def test_details_button_sends_the_full_card(harness: Harness) -> None:
    card = await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme.ae")
    mark = len(harness.api.calls)
    await harness.press(card, SALES, buttons(card)["d"])
    pages = await harness.api.wait_for(lambda a: harness.sent_after(mark, SALES))
    assert "Searched &lt;registry&gt; &amp; co." in pages[0]["text"]
    assert pages[0]["reply_parameters"]["message_id"] == card["message_id"]


async def test_stale_or_foreign_button_is_answered_and_ignored(harness: Harness) -> None:
    card = await harness.check(SALES, SALES, "/check ACME Trading LLC email=j@acme.ae")
    mark = len(harness.api.calls)
    press = await harness.press(card, SALES, "zz:not-ours")
    answered = await harness.api.wait_for(lambda a: [c for c in a.calls[mark:] if c.method == "answerCallbackQuery"])
    assert "no longer valid" in answered[0].params["text"]
    await harness.processed(press)
    assert not harness.sent_after(mark)


async def test_not_this_buyer_on_a_real_sanctions_hit(harness: Harness) -> None:
    """A real OFAC/CSL hit (the bundled lists): a manager clears it with a reason, via the prompt."""
    from bot.render.buttons import arg_digest

    api = harness.api
    card = await harness.check(GROUP, SALES, "/check Mahan Air country=IR")
    assert "MAHAN AIR" in card["text"]
    data = [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    clear = [d for d in data if d.startswith("m:")]
    assert clear and all(len(d.encode()) <= 64 for d in data)
    case_id = int(clear[0].split(":")[1])
    ofac = next(d for d in clear if "us_ofac_sdn" in d)

    # a salesperson may not clear a match
    mark = len(api.calls)
    await harness.press(card, SALES, ofac)
    refused = await api.wait_for(lambda a: harness.sent_after(mark, GROUP))
    assert "manager" in refused[0]["text"].lower()

    # the manager presses; the button's argument may also come hashed (long list ids): both resolve
    csl = next(d for d in clear if "us_csl" in d)
    hashed = f"m:{case_id}:#{arg_digest(csl.split(':', 2)[2])}"
    for button in (ofac, hashed):
        mark = len(api.calls)
        await harness.press(card, MANAGER, button)
        prompt_call = await api.wait_for(lambda a, mark=mark: [c for c in a.calls[mark:] if c.method == "sendMessage"])
        prompt = api.messages[(GROUP, prompt_call[0].response["result"]["message_id"])]
        assert "force_reply" in prompt_call[0].params["reply_markup"]
        assert "<code>us_" in prompt_call[0].params["text"]
        mark = len(api.calls)
        await harness.command(GROUP, MANAGER, "Different company: we met their director, registry no. 445566",
                              reply_to=prompt)
        said = await api.wait_for(lambda a, mark=mark: [p for p in harness.sent_after(mark, GROUP) if "445566" in p["text"]])
        assert "cleared" in said[0]["text"]
        edits = [c for c in api.calls[mark:] if c.method == "editMessageText"]
        assert edits and edits[-1].params["message_id"] == card["message_id"]
    final = api.messages[(GROUP, card["message_id"])]
    assert not [b for row in final["reply_markup"]["inline_keyboard"] for b in row if b["callback_data"].startswith("m:")]


async def test_note_in_a_private_chat(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(SALES, SALES, "/check Kestrel Industrial Supplies Ltd email=p@kestrel-ind.com")
    mark = len(api.calls)
    await harness.press(card, SALES, buttons(card)["n"])
    prompt_call = await api.wait_for(lambda a, mark=mark: [c for c in a.calls[mark:] if c.method == "sendMessage"])
    prompt = api.messages[(SALES, prompt_call[0].response["result"]["message_id"])]
    mark = len(api.calls)
    await harness.command(SALES, SALES, "Met them at Canton Fair, booth 12.1", reply_to=prompt)
    said = await api.wait_for(lambda a: harness.sent_after(mark, SALES))
    assert "#" in said[0]["text"] and len(harness.sent_after(mark, SALES)) == 1
    # no message links in a private chat: the card is found through the saved prompt and updated in place
    edits = [c for c in api.calls[mark:] if c.method == "editMessageText"]
    assert edits and all(e.params["message_id"] == card["message_id"] for e in edits)
    mark = len(api.calls)
    await harness.command(SALES, SALES, "/history Kestrel")
    history = await api.wait_for(lambda a: harness.sent_after(mark, SALES))
    assert "Canton Fair" in history[0]["text"]


async def test_card_is_posted_again_if_the_placeholder_was_deleted(harness: Harness) -> None:
    api = harness.api
    api.fail("editMessageText", 400, "Bad Request: message to edit not found", times=20)
    update = await harness.command(SALES, SALES, "/check Kestrel Industrial Supplies Ltd email=p@kestrel-ind.com")
    command_id = update["message"]["message_id"]
    sent = await api.wait_for(lambda a: [c for c in a.of("sendMessage", SALES) if c.params.get("reply_markup")], timeout=90)
    assert "Kestrel Industrial Supplies Ltd" in sent[0].params["text"]
    assert sent[0].params["reply_parameters"]["message_id"] == command_id


async def test_recheck_and_schedule_buttons(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(SALES, SALES, "/check Kestrel Industrial Supplies Ltd email=p@kestrel-ind.com")
    mark = len(api.calls)
    await harness.press(card, SALES, buttons(card)["c"])
    toast = await api.wait_for(lambda a: [c for c in a.calls[mark:] if c.method == "answerCallbackQuery"])
    assert "Re-checking" in toast[0].params["text"]
    edit = await api.wait_for(lambda a: [c for c in a.calls[mark:] if c.method == "editMessageText"], timeout=60)
    assert edit[-1].params["message_id"] == card["message_id"] and "Kestrel" in edit[-1].params["text"]

    mark = len(api.calls)
    await harness.press(card, SALES, buttons(card)["s"])
    said = await api.wait_for(lambda a: harness.sent_after(mark, SALES))
    assert "#" in said[0]["text"]


async def test_a_manager_cannot_approve_their_own_request(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(GROUP, MANAGER, "/check Eastern Pearl Shipping email=eastern.pearl@gmail.com "
                                               "vat=DE123456789 country=GB")
    mark = len(api.calls)
    await harness.press(card, MANAGER, buttons(card)["r"])
    await harness.reply_to_prompt(GROUP, MANAGER, mark, "my own request")
    await api.wait_for(lambda a: [p for p in harness.sent_after(mark, GROUP) if "asks a manager" in p["text"]])
    card = api.messages[(GROUP, card["message_id"])]
    assert {"a", "x"} <= set(buttons(card))
    mark = len(api.calls)
    await harness.press(card, MANAGER, buttons(card)["a"])
    refusal = await api.wait_for(lambda a: harness.sent_after(mark, GROUP))
    assert "four eyes" in refusal[0]["text"].lower()
    assert not [c for c in api.calls[mark:] if c.method == "editMessageText"]


async def test_a_report_with_many_findings_fits_one_message_and_details_say_where_the_rest_is(harness: Harness) -> None:
    api = harness.api
    card = await harness.check(GROUP, SALES, "/check Verbose Holdings Ltd email=info@verbose-holdings.com")
    edits = [c for c in api.calls if c.method in ("sendMessage", "editMessageText") and c.params.get("chat_id") == GROUP]
    assert edits and all(len(c.params["text"]) <= 4096 for c in edits)
    assert "more (Details)" in card["text"] and "<b>not markup</b>" not in card["text"]
    mark = len(api.calls)
    await harness.press(card, SALES, buttons(card)["d"])
    pages = await api.wait_for(lambda a: [p for p in harness.sent_after(mark, GROUP) if "more pages" in p["text"]]
                               and harness.sent_after(mark, GROUP))
    assert len(pages) == 6 and all(len(p["text"]) <= 4096 for p in pages)  # five pages, then where the rest is
    assert "Registry line 0" in pages[0]["text"] and "Registry line 1:" in pages[0]["text"]
    assert "tradecheck cases show" in pages[-1]["text"]


async def test_a_forged_button_for_a_case_whose_card_is_in_another_chat_is_refused(harness: Harness) -> None:
    """One bot, one workspace, two chats: a manager in GROUP sends the callback data of a SALES-chat case
    from a card in GROUP. The case stays undecided, and the manager is told why."""
    api = harness.api
    theirs = await harness.check(SALES, SALES, "/check Northwind Imports Ltd email=northwind.buyer@gmail.com "
                                               "vat=DE123456789 country=GB")  # high, not a STOP
    their_case = int(buttons(theirs)["c"].split(":")[1])
    mark = len(api.calls)
    await harness.press(theirs, SALES, buttons(theirs)["r"])  # approval requested: Approve would now work there
    await harness.reply_to_prompt(SALES, SALES, mark, "repeat order")
    await api.wait_for(lambda a: {"a", "x"} <= set(buttons(a.messages[(SALES, theirs["message_id"])])))
    here = await harness.check(GROUP, MANAGER, "/check ACME Trading LLC email=j@acme-trading.ae country=AE")

    mark = len(api.calls)
    await harness.press(here, MANAGER, f"a:{their_case}")
    told = await api.wait_for(lambda a: harness.sent_after(mark, GROUP))
    assert f"#{their_case}" in told[0]["text"] and "another chat" in told[0]["text"]
    assert not [c for c in api.calls[mark:] if c.method == "editMessageText"]
    assert not harness.sent_after(mark, SALES)  # nothing announced where the case lives

    # in its own chat the same press works: the refusal was about the chat, not the manager
    mark = len(api.calls)
    await harness.press(api.messages[(SALES, theirs["message_id"])], MANAGER, f"a:{their_case}")
    await harness.reply_to_prompt(SALES, MANAGER, mark, "registry extract received")  # a high case: the reason
    approved = await api.wait_for(lambda a: [p for p in harness.sent_after(mark, SALES) if "approved" in p["text"]])
    assert f"#{their_case}" in approved[0]["text"] or "Northwind" in approved[0]["text"]


async def test_lang_without_a_choice_or_with_an_unknown_one_shows_the_usage(harness: Harness) -> None:
    for text in ("/lang", "/lang fr", "/lang 123"):
        mark = len(harness.api.calls)
        await harness.command(SALES, SALES, text)
        said = await harness.api.wait_for(lambda a, mark=mark: harness.sent_after(mark, SALES))
        assert "Usage: /lang zh or /lang en (current: en)" in said[0]["text"]
    mark = len(harness.api.calls)
    await harness.command(SALES, SALES, "/lang zh")
    await harness.api.wait_for(lambda a: harness.sent_after(mark, SALES))  # updates run concurrently
    await harness.command(SALES, SALES, "/lang")
    said = await harness.api.wait_for(lambda a: [p for p in harness.sent_after(mark, SALES) if "用法" in p["text"]])
    assert "当前：zh" in said[0]["text"]
