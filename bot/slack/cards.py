"""Posting, updating and answering: the Web API calls a card needs, and the /check run itself.

A check posts its card at once (⏳ "checking… 0 of N"), edits it as sources finish (coalesced,
at most one `chat.update` a second) and a last time with the finished card and its buttons, then
tells the flows where the card lives (`link_card`) so decisions and re-checks reach it from any
process.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from checks.engine import Engine, subject_of
from checks.i18n import t
from checks.models import Report
from checks.request import CheckRequest

from .. import flows
from ..card import Card, build_card
from ..progress import Coalescer
from ..render.slack import mrkdwn, render_message
from .calls import call

log = logging.getLogger(__name__)

# Errors after which posting in the channel cannot work: the card goes to the user's DM instead.
CANNOT_POST_HERE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "ekm_access_denied"}

Respond = Callable[..., Awaitable[Any]]


def new_ref() -> str:
    """A short reference shown to the user and written in the log next to the traceback."""
    return uuid.uuid4().hex[:8]


async def tell(
    client: AsyncWebClient, *, channel: str | None, user: str, text: str, respond: Respond | None = None,
) -> None:
    """An ephemeral line for one person: via response_url when Slack gave one, else chat.postEphemeral.

    `text` must already be mrkdwn-safe (escape user input before calling).
    """
    try:
        if respond is not None:
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
    except Exception:  # fall through to a direct message: the person must hear back
        log.warning("ephemeral reply failed; sending a direct message", exc_info=True)
    try:
        await client.chat_postMessage(channel=user, text=text)
    except SlackApiError:
        log.warning("could not reach user %s at all", user, exc_info=True)


@dataclass
class Posted:
    channel: str
    ts: str
    moved_to_dm: bool = False


async def post_card(client: AsyncWebClient, channel: str, card: Card, *, thread_ts: str | None, user: str) -> Posted:
    """chat.postMessage; if the bot may not post in this channel, the card goes to the user's DM."""
    message = render_message(card)
    try:
        response = await client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False, **message)
        return Posted(channel=response["channel"], ts=response["ts"])
    except SlackApiError as error:
        if error.response.get("error") not in CANNOT_POST_HERE:
            raise
        log.info("cannot post in %s (%s): sending the card to %s directly", channel, error.response.get("error"), user)
        response = await client.chat_postMessage(channel=user, unfurl_links=False, **message)
        return Posted(channel=response["channel"], ts=response["ts"], moved_to_dm=True)


async def update_card(client: AsyncWebClient, channel: str, ts: str, card: Card) -> None:
    await client.chat_update(channel=channel, ts=ts, **render_message(card))


def placeholder(request: CheckRequest, engine: Engine, lang: str) -> Card:
    """The card posted before any source answers: who is being checked and what is still running."""
    pending = [s.name for s in engine.sources if s.applicable(request)] or ["…"]
    report = Report(subject=subject_of(request), lang=lang, pending=pending)
    return build_card(report)


def parsed_summary(request: CheckRequest, lang: str) -> str:
    """The ack text: "checking ACME…" and what the parser understood, mrkdwn-safe."""

    name = request.company or request.email or request.site or request.phone or "?"
    lines = [t("slack.checking", lang, name=mrkdwn(name))]
    fields = []
    for key in ("company", "email", "site", "phone", "country", "vat", "lei", "reg", "bank"):
        value = getattr(request, key)
        if value:
            fields.append(f"{t('slack.field.' + key, lang)}: {mrkdwn(str(value))}")
    if request.persons:
        fields.append(f"{t('slack.field.persons', lang)}: {mrkdwn(', '.join(request.persons))}")
    if fields:
        lines.append(t("slack.parsed", lang, fields=" · ".join(fields)))
    lines.extend(mrkdwn(line) for line in flows.describe_request(request))
    return "\n".join(lines)


async def run_and_post(
    client: AsyncWebClient,
    *,
    request: CheckRequest,
    actor: flows.Actor,
    channel: str,
    thread_ts: str | None,
    lang: str,
    engine: Engine | None,
    respond: Respond | None = None,
    progress_interval: float = 1.0,
    posted: Posted | None = None,
    on_posted: Callable[[Posted], Awaitable[bool]] | None = None,
) -> Posted | None:
    """Post the card, run the check with live updates, finish the card, remember where it is.

    `posted`: the card is already there (a check job taken over from a process that died).
    `on_posted` records where the placeholder went; False from it means stop (None returned)."""
    engine = engine or flows.get_engine()
    if posted is None:
        posted = await post_card(client, channel, placeholder(request, engine, lang), thread_ts=thread_ts,
                                 user=actor.user_id)
        if on_posted is not None and not await on_posted(posted):
            return None
        if posted.moved_to_dm:
            await tell(client, channel=channel, user=actor.user_id, text=t("slack.not_in_channel", lang), respond=respond)
    if posted.moved_to_dm:
        thread_ts = None
    conversation = flows.Conversation(
        platform="slack", workspace=actor.workspace, channel=posted.channel, thread=thread_ts, message=posted.ts
    )
    updates: Coalescer[Card] = Coalescer(lambda card: update_card(client, posted.channel, posted.ts, card), progress_interval)

    async def on_progress(report: Report) -> None:
        await updates.push(build_card(report))

    try:
        outcome = await flows.run_check(request, actor, conversation, lang=lang, engine=engine, on_progress=on_progress)
    except Exception:
        ref = new_ref()
        log.exception("check failed (ref %s, user %s, channel %s)", ref, actor.key, channel)
        await updates.close()
        await client.chat_update(channel=posted.channel, ts=posted.ts, text=t("slack.error.apology", lang, ref=ref), blocks=[])
        return posted
    await updates.close(outcome.card)
    if outcome.case is not None:
        await call(flows.link_card, outcome.case.id, conversation)
    return posted


async def apply_result(
    client: AsyncWebClient,
    result: Any,
    *,
    channel: str | None,
    ts: str | None,
    thread_ts: str | None,
    user: str,
    respond: Respond | None = None,
) -> None:
    """Show a flow's result: refusals privately, the new card in place, the announcement in the thread."""
    if not result.ok:
        await tell(client, channel=channel, user=user, text=mrkdwn(result.message), respond=respond)
        return
    if result.attachment is not None and channel:
        await upload_file(client, result.attachment, channel=channel, thread_ts=thread_ts or ts, user=user,
                          comment=result.message, respond=respond)
        return
    if result.card is not None and channel and ts:
        await update_card(client, channel, ts, result.card)
    if result.announce and channel:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts or ts, text=mrkdwn(result.announce))
    elif result.message:
        await tell(client, channel=channel, user=user, text=mrkdwn(result.message), respond=respond)


async def upload_file(client: AsyncWebClient, attachment: Any, *, channel: str, thread_ts: str | None, user: str,
                      comment: str, respond: Respond | None = None) -> None:
    """A file (the evidence pack) into the card's thread: files.getUploadURLExternal, the upload,
    files.completeUploadExternal (slack_sdk's files_upload_v2). A refusal (no files:write scope, the
    bot not in the channel) is told to the person, not lost."""
    try:
        await client.files_upload_v2(
            channel=channel, thread_ts=thread_ts, content=attachment.content, filename=attachment.filename,
            title=attachment.caption or attachment.filename, initial_comment=mrkdwn(comment),
        )
    except SlackApiError as error:
        log.warning("file upload to %s failed: %s", channel, error.response.get("error"))
        await tell(client, channel=channel, user=user, respond=respond,
                   text=mrkdwn(t("slack.upload_failed", attachment.lang, error=str(error.response.get("error")))))
