"""The Bolt AsyncApp: /check, the "Check this sender" shortcut, card buttons, modals, App Home.

Every listener acknowledges first (Slack gives 3 s; a trigger id for a modal is valid 3 s too),
then does its work; Bolt (process_before_response=False) answers Slack as soon as `ack()` runs
while the listener goes on. Each listener turns its payload into a neutral event for the
interaction driver (`bot.app.driver`), which asks the application layer (permissions, cases) and
answers through `SlackPort`; nothing is decided here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from checks.engine import Engine
from checks.i18n import t
from checks.request import CheckRequest, RequestError
from storage import chatstate

from ..app.cases import MAY_NEED_REASON
from ..app.checking import describe_error, describe_request
from ..app.driver import ButtonPress, CheckCommand, Driver, ReasonReply, new_ref
from ..app.services import RuntimeServices
from ..app.types import Actor, Conversation
from ..card import ActionKind
from ..render.slack import (
    DEAL_BLOCK,
    DEAL_INPUT,
    LANG_ACTION,
    REASON_BLOCK,
    REASON_CALLBACK,
    REASON_INPUT,
    decode_action_id,
    decode_value,
    mrkdwn,
)
from . import checkjob
from .client import make_client
from .home import publish_home
from .people import actor_for, lang_for
from .port import SlackPort, tell
from .text import slack_to_plain

if TYPE_CHECKING:
    from ..app.runtime import Runtime
    from ..settings import BotSettings

log = logging.getLogger(__name__)

COMMAND = "/check"
SHORTCUT_CALLBACK = "check_sender"
# Actions whose modal asks for a text: the modal refuses an empty one.
REASON_KINDS = MAY_NEED_REASON
HELP_WORDS = {"help", "-h", "--help", "?", "帮助", "幫助"}
HISTORY_WORDS = {"history", "历史", "歷史"}


class SlackBot:
    """What the listeners need besides the request: the entry point's runtime (the application layer),
    the settings (the runtime's unless the server passes its own), the engine, timing knobs."""

    def __init__(self, runtime: Runtime, *, settings: BotSettings | None = None, engine: Engine | None = None,
                 progress_interval: float = 1.0) -> None:
        self.runtime = runtime
        self.settings = settings if settings is not None else runtime.settings
        self.engine = engine
        self.progress_interval = progress_interval

    def driver(self) -> Driver:
        return Driver(RuntimeServices(self.runtime), engine=self.engine, progress_interval=self.progress_interval)


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery across Slack's retries: the event id or the trigger id."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    trigger = body.get("trigger_id")
    if trigger:
        kind = body.get("type") or ("command" if body.get("command") else "request")
        return f"{kind}:{trigger}"
    return None


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
    lines.extend(mrkdwn(line) for line in describe_request(request))
    return "\n".join(lines)


def _header(request: AsyncBoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or []
    return values[0] if values else None


def build_app(bot: SlackBot, client: AsyncWebClient | None = None) -> AsyncApp:
    """The Bolt app, with every listener. `SLACK_SIGNING_SECRET` is required in HTTP mode."""
    settings = bot.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = AsyncApp(
        client=client or make_client(settings),
        signing_secret=secret,
        request_verification_enabled=secret is not None,
        process_before_response=False,
        name="tradecheck",
    )
    register(app, bot, bot.driver())
    return app


def register(app: AsyncApp, bot: SlackBot, driver: Driver) -> None:  # noqa: C901 - one place that lists every listener
    runtime = bot.runtime
    jobs = checkjob.check_jobs(app.client, driver, runtime)  # durable /check (bot/app/checkjobs.py)
    app.tradecheck_resumer = jobs.resumer  # type: ignore[attr-defined]  # started by bot.server
    background: set[asyncio.Task[Any]] = set()

    def in_background(coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        background.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            background.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("background work failed", exc_info=finished.exception())

        task.add_done_callback(done)

    @app.middleware
    async def once_per_delivery(request: AsyncBoltRequest, body: dict[str, Any], context: Any, next: Any) -> Any:
        """Slack retries (X-Slack-Retry-Num) and re-sent requests must not run a check twice — and a
        process dying mid-request must not lose it: the key is a short claim, final only once the
        work is recorded (a /check's job row) or acknowledged; a retry takes over a claim whose
        owner died, and finishes a /check job whose owner died."""
        key = delivery_key(body)
        context["request_id"] = key or new_ref()
        if key is None:
            return await next()
        try:
            claim = await _claim(key)
        except Exception:  # the database hiccuped: better a rare duplicate than a lost command
            log.warning("claiming delivery %s failed; handling the request", key, exc_info=True)
            return await next()
        if claim.state != chatstate.CLAIMED:
            log.info("duplicate delivery %s (retry %s, reason %s, %s) acknowledged, not handled again",
                     key, _header(request, "x-slack-retry-num"), _header(request, "x-slack-retry-reason"), claim.state)
            if claim.state == chatstate.DONE:  # its /check job may belong to a process that died: finish it now
                in_background(jobs.resume_one(key))
            return BoltResponse(status=200, body="")
        context["delivery"] = (key, claim.owner)
        if not _starts_check(body):  # buttons, modals, events: final at once, as Slack gets its ack
            await settle(context)
        return await next()

    def _starts_check(body: dict[str, Any]) -> bool:
        return body.get("command") == COMMAND or (
            body.get("type") == "message_action" and body.get("callback_id") == SHORTCUT_CALLBACK)

    async def settle(context: Any) -> None:
        """Make the delivery final without a job (help, history, a refused request, a button)."""
        key, owner = context.get("delivery") or (None, None)
        if key is not None:
            await jobs.settle(key, owner)

    async def _claim(key: str) -> chatstate.DeliveryClaim:
        """Claim the delivery; while another process holds it (handling it, or dead), wait for it
        to become final or for its lease to run out, then take over."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + chatstate.DELIVERY_LEASE.total_seconds() + 1.0
        while True:
            claim = await jobs.claim_delivery(key)
            if claim.state != chatstate.BUSY or loop.time() >= deadline:
                return claim
            await asyncio.sleep(0.25)

    async def start_check(context: Any, body: dict[str, Any], request: Any, actor: Actor, channel: str,
                          thread_ts: str | None, lang: str) -> Any:
        """Record the check as a job (and the delivery as final) before acknowledging it."""
        key, owner = context.get("delivery") or (f"nokey:{new_ref()}", None)
        command = CheckCommand(actor, request, Conversation(checkjob.PLATFORM, actor.workspace, channel, thread=thread_ts),
                               lang)
        return await jobs.record(key, owner, command, response_url=body.get("response_url"))

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        """Log with the request id; tell the person something went wrong instead of leaving silence."""
        ref = new_ref()
        request_id = context.get("request_id") if context else None
        log.error("slack listener failed (ref %s, request %s)", ref, request_id, exc_info=error)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        if not user:
            return
        lang = runtime.default_lang()
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        text = t("slack.error.apology", lang, ref=ref)
        response_url = body.get("response_url")
        try:
            if response_url:
                from slack_sdk.webhook.async_client import AsyncWebhookClient

                await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral", replace_original=False)
            else:
                await tell(client, channel=channel, user=user, text=text)
        except Exception:
            log.warning("could not send the apology (ref %s)", ref, exc_info=True)

    # ------------------------------------------------------------------ /check
    @app.command(COMMAND)
    async def check_command(ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Any, context: Any) -> None:
        text = slack_to_plain(body.get("text")).strip()
        user, team, channel = body["user_id"], body.get("team_id", ""), body.get("channel_id", "")
        actor, profile = await actor_for(client, user, team, body.get("user_name", ""))
        lang = await lang_for(runtime, actor, profile)
        first, _, rest = text.partition(" ")
        if not text or first.lower() in HELP_WORDS:
            await settle(context)
            await ack(text=t("slack.help", lang), response_type="ephemeral")
            return
        if first in HISTORY_WORDS:  # lower-case only: `/check History Trading LLC` checks a company
            await settle(context)
            await ack()
            await _history(client, actor, lang, rest.strip(), channel=channel, respond=respond)
            return
        try:
            request = await runtime.checking.parse(text, lang)  # CPU work: off the event loop
        except RequestError as error:
            await settle(context)
            await ack(text=mrkdwn(describe_error(error, lang)), response_type="ephemeral")
            return
        lang = request.lang or lang
        job = await start_check(context, body, request, actor, channel, body.get("thread_ts"), lang)
        await ack(text=parsed_summary(request, lang), response_type="ephemeral")
        if job is not None:
            await jobs.run(job, checkjob.live_port(client, job, respond))

    async def _history(client: AsyncWebClient, actor: Actor, lang: str, query: str, *, channel: str, respond: Any) -> None:
        if not query:
            await tell(client, channel=channel, user=actor.user_id, text=t("slack.history.usage", lang), respond=respond)
            return
        lines = await runtime.history.history_text(query, actor, lang)
        text = "\n".join(mrkdwn(line) for line in lines) if lines else mrkdwn(t("slack.history.none", lang, query=query))
        await tell(client, channel=channel, user=actor.user_id, text=text[:3900], respond=respond)

    # ------------------------------------------------------------------ message shortcut
    @app.shortcut(SHORTCUT_CALLBACK)
    async def check_sender(ack: Any, body: dict[str, Any], client: AsyncWebClient, respond: Any, context: Any) -> None:
        """"Check this sender" on a pasted inquiry: paste mode, card in the message's thread."""
        message = body.get("message") or {}
        user = (body.get("user") or {}).get("id", "")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        channel = (body.get("channel") or {}).get("id", "")
        actor, profile = await actor_for(client, user, team, (body.get("user") or {}).get("name", ""))
        lang = await lang_for(runtime, actor, profile)
        text = slack_to_plain(message.get("text")).strip()
        if not text:
            await settle(context)
            await ack()
            await tell(client, channel=channel, user=user, text=t("slack.error.no_text", lang), respond=respond)
            return
        try:
            request = await runtime.checking.parse(text, lang)  # CPU work: off the event loop
        except RequestError as error:
            await settle(context)
            await ack()
            await tell(client, channel=channel, user=user, text=mrkdwn(describe_error(error, lang)), respond=respond)
            return
        lang = request.lang or lang
        job = await start_check(context, body, request, actor, channel, message.get("thread_ts") or message.get("ts"), lang)
        await ack()
        await tell(client, channel=channel, user=user, text=parsed_summary(request, lang), respond=respond)
        if job is not None:
            await jobs.run(job, checkjob.live_port(client, job, respond))

    # ------------------------------------------------------------------ card buttons
    @app.action(re.compile(r"^tc:"))
    async def on_button(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: Any) -> None:
        await ack()
        user = (body.get("user") or {}).get("id", "")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        thread = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        kind = decode_action_id(action.get("action_id", ""))
        case_id, arg = decode_value(action.get("value", ""))
        actor, profile = await actor_for(client, user, team, (body.get("user") or {}).get("name", ""))
        lang = await lang_for(runtime, actor, profile)
        if kind is None or case_id is None:
            await tell(client, channel=channel, user=user, text=t("slack.error.bad_button", lang), respond=respond)
            return
        port = SlackPort(client, user=user, workspace=actor.workspace, lang=lang, channel=channel, ts=ts,
                         thread=thread, trigger=body.get("trigger_id"), respond=respond)
        # the button's confirm dialog was shown and accepted (a STOP approval)
        press = ButtonPress(actor, kind, case_id, port.at(), lang, arg=arg, confirmed=bool(action.get("confirm")))
        await driver.press(press, port)

    # ------------------------------------------------------------------ the reason modal
    @app.view(REASON_CALLBACK)
    async def on_reason(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            kind = ActionKind(meta["k"])
            case_id = int(meta["c"])
        except (ValueError, KeyError, TypeError):
            await ack()
            log.warning("reason modal with unreadable metadata: %r", view.get("private_metadata"))
            return
        lang = meta.get("l") or runtime.default_lang()
        values = (view.get("state") or {}).get("values") or {}
        reason = ((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or ""
        deal = ((values.get(DEAL_BLOCK) or {}).get(DEAL_INPUT) or {}).get("value") or None
        if kind in REASON_KINDS and not reason.strip():
            await ack(response_action="errors", errors={REASON_BLOCK: t("slack.modal.empty", lang)})
            return
        await ack()
        user = (body.get("user") or {}).get("id", "")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        actor, _ = await actor_for(client, user, team, (body.get("user") or {}).get("name", ""))
        port = SlackPort(client, user=user, workspace=actor.workspace, lang=lang, channel=meta.get("ch"),
                         ts=meta.get("ts"), thread=meta.get("th"))
        reply = ReasonReply(actor, kind, case_id, port.at(), lang, reason=reason, arg=meta.get("a") or "", deal=deal,
                            confirmed=bool(meta.get("cf")))
        await driver.reason(reply, port)

    # ------------------------------------------------------------------ App Home
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user = event.get("user", "")
        actor, profile = await actor_for(client, user, body.get("team_id", ""))
        await publish_home(runtime, client, actor, await lang_for(runtime, actor, profile))

    @app.action(LANG_ACTION)
    async def choose_lang(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = (body.get("user") or {}).get("id", "")
        team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", "")
        actor, _ = await actor_for(client, user, team, (body.get("user") or {}).get("name", ""))
        lang = ((action.get("selected_option") or {}).get("value")) or runtime.default_lang()
        await runtime.chat.set_user_lang(actor, lang)
        await publish_home(runtime, client, actor, lang)

