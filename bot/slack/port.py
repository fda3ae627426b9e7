"""Slack's `ChatPort`: how the interaction driver posts, edits, asks and tells in Slack.

One `SlackPort` per request, bound to the person and the place (channel, card message, thread,
the trigger id a modal needs, the response_url). Refusals and confirmations are ephemeral (only the
person sees them); announcements go into the card's thread; reasons are asked in a modal whose
`private_metadata` carries what the answer is for. Texts are escaped for mrkdwn here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from checks.i18n import t

from ..app.driver import CheckCommand, ReasonRequest
from ..app.types import ActionResult, Attachment, Conversation
from ..card import ActionKind, Card
from ..render.slack import loading_view, mrkdwn, render_details_view, render_message, render_reason_modal

log = logging.getLogger(__name__)

PLATFORM = "slack"
PROBE_SECONDS = 1.5  # of the 3 s a trigger id lives: the permission check may take this long
# Errors after which posting in the channel cannot work: the card goes to the user's DM instead.
CANNOT_POST_HERE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "ekm_access_denied"}

Respond = Callable[..., Awaitable[Any]]


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


class SlackPort:
    """The driver's way back to one person in one Slack place."""

    platform = PLATFORM
    public_confirmations = False  # "Note added" is ephemeral; announcements go into the thread

    def __init__(self, client: AsyncWebClient, *, user: str, workspace: str, lang: str, channel: str | None = None,
                 ts: str | None = None, thread: str | None = None, trigger: str | None = None,
                 respond: Respond | None = None) -> None:
        self.client, self.user, self.workspace, self.lang = client, user, workspace, lang
        self.channel, self.ts, self.thread, self.trigger, self.respond = channel, ts, thread, trigger, respond
        self.ask_deadline: float | None = PROBE_SECONDS if trigger else None
        self._details_view: str | None = None

    def at(self) -> Conversation:
        """The card this request is about (or the channel a command came from)."""
        return Conversation(PLATFORM, self.workspace, self.channel or "", thread=self.thread, message=self.ts)

    # --- a check ---------------------------------------------------------------------------------
    async def post_placeholder(self, command: CheckCommand, card: Card, preface: list[str]) -> Conversation | None:
        """The pending card itself (the ack already said what the parser understood)."""
        where = command.where
        posted = await post_card(self.client, where.channel, card, thread_ts=where.thread, user=self.user)
        if posted.moved_to_dm:
            await self.notify_mrkdwn(t("slack.not_in_channel", self.lang), channel=where.channel)
        return Conversation(PLATFORM, self.workspace, posted.channel, thread=None if posted.moved_to_dm else where.thread,
                            message=posted.ts)

    async def update_card(self, at: Conversation, card: Card, *, final: bool) -> Conversation | None:
        if at.channel and at.message:
            await self.client.chat_update(channel=at.channel, ts=at.message, **render_message(card))
        return at

    async def show_failure(self, at: Conversation, ref: str) -> None:
        await self.client.chat_update(channel=at.channel, ts=at.message or "", text=t("slack.error.apology", self.lang, ref=ref),
                                      blocks=[])

    # --- telling ---------------------------------------------------------------------------------
    async def notify(self, text: str) -> None:
        await self.notify_mrkdwn(mrkdwn(text))

    async def notify_mrkdwn(self, text: str, channel: str | None = None) -> None:
        await tell(self.client, channel=channel or self.channel, user=self.user, text=text, respond=self.respond)

    async def say(self, text: str) -> None:
        if self.channel:
            await self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread or self.ts, text=mrkdwn(text))

    async def working(self, kind: ActionKind, case_id: int) -> None:
        if kind is ActionKind.RECHECK:
            await self.notify_mrkdwn(t("slack.rechecking", self.lang, id=case_id))

    # --- asking ----------------------------------------------------------------------------------
    async def ask_reason(self, ask: ReasonRequest) -> str | None:
        """A modal; its metadata carries the button, the case, the argument and where the card is."""
        if not self.trigger:  # no trigger id (cannot open a modal): say what would be asked
            await self.notify(t(f"flows.ask.{ask.prompt}", ask.lang))
            return None
        metadata: dict[str, Any] = {"k": ask.kind.value, "c": ask.case_id, "a": ask.arg, "ch": self.channel,
                                    "ts": self.ts, "th": self.thread, "l": ask.lang}
        if ask.confirmed:  # the button's confirm dialog was shown and accepted (a STOP approval)
            metadata["cf"] = 1
        await self.client.views_open(trigger_id=self.trigger, view=render_reason_modal(ask.kind, ask.lang, metadata))
        return None

    # --- details and files -----------------------------------------------------------------------
    async def open_details(self) -> None:
        """A loading modal at once (the trigger id lives 3 s); filled in when the card is ready."""
        if self.trigger:
            opened = await self.client.views_open(trigger_id=self.trigger, view=loading_view(self.lang))
            self._details_view = (opened.get("view") or {}).get("id")

    async def show_details(self, result: ActionResult) -> None:
        if self._details_view is None:  # no modal: the detailed card in place of the card
            if not result.ok:
                await self.notify(result.message)
                return
            if result.card is not None:
                await self.update_card(self.at(), result.card, final=True)
            if result.message:
                await self.notify(result.message)
            return
        if result.ok and result.card is not None:
            view = render_details_view(result.card)
        else:
            view = loading_view(self.lang)
            view["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(result.message or "…")}}]
        await self.client.views_update(view_id=self._details_view, view=view)

    async def send_file(self, attachment: Attachment, comment: str) -> None:
        """files_upload_v2 into the card's thread; a refusal (no files:write, not in the channel) is told."""
        if not self.channel:
            return
        try:
            await self.client.files_upload_v2(
                channel=self.channel, thread_ts=self.thread or self.ts, content=attachment.content,
                filename=attachment.filename, title=attachment.caption or attachment.filename,
                initial_comment=mrkdwn(comment),
            )
        except SlackApiError as error:
            log.warning("file upload to %s failed: %s", self.channel, error.response.get("error"))
            await self.notify_mrkdwn(mrkdwn(t("slack.upload_failed", attachment.lang,
                                              error=str(error.response.get("error")))))
