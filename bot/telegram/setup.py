"""`tradecheck telegram set-webhook URL | delete-webhook`: point Telegram at `tradecheck serve` once.

Telegram only posts to HTTPS on ports 443, 80, 88 or 8443; the webhook carries TELEGRAM_WEBHOOK_SECRET,
which `POST /telegram/webhook` requires. The command menu (/check, /history, /lang, /help) is set in
English and Chinese at the same time, so users see it in their Telegram language.

`telegram_main` is the subcommand's entry point: it builds the one runtime; the rest reads its settings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from urllib.parse import urlsplit

from telegram import BotCommand
from telegram.error import TelegramError

from checks.i18n import t

from ..app import Runtime
from ..app.services import RuntimeServices
from .app import TelegramNotConfigured, build_application
from .server import webhook_secret

COMMANDS = ("check", "history", "lang", "help")
ALLOWED_PORTS = (443, 80, 88, 8443)


class SetupError(Exception):
    """Something the admin must fix; the text says what."""


def _commands(lang: str) -> list[BotCommand]:
    return [BotCommand(name, t(f"telegram.menu.{name}", lang)) for name in COMMANDS]


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise SetupError(f"Telegram posts only to https:// addresses, not {url!r}")
    if (parts.port or 443) not in ALLOWED_PORTS:
        raise SetupError(f"Telegram posts only to ports {', '.join(map(str, ALLOWED_PORTS))}, not {parts.port}")
    return url


async def set_webhook(runtime: Runtime, url: str) -> None:
    check_url(url)
    settings = runtime.settings
    app = build_application(settings, RuntimeServices(runtime))  # TelegramNotConfigured without a token
    secret = webhook_secret(settings)
    if secret is None:
        raise SetupError("set TELEGRAM_WEBHOOK_SECRET first: the webhook refuses updates without it")
    async with app.bot:
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=["message", "callback_query"])
        await app.bot.set_my_commands(_commands("en"))
        await app.bot.set_my_commands(_commands("zh"), language_code="zh")


async def delete_webhook(runtime: Runtime) -> None:
    app = build_application(runtime.settings, RuntimeServices(runtime))
    async with app.bot:
        await app.bot.delete_webhook()


def telegram_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tradecheck telegram", description="Set up the Telegram bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    setter = sub.add_parser("set-webhook", help="point Telegram at https://HOST/telegram/webhook")
    setter.add_argument("url")
    sub.add_parser("delete-webhook", help="stop webhook delivery (e.g. to use --telegram-polling)")
    args = parser.parse_args(argv)
    runtime = Runtime.from_environment()  # this command's one runtime
    try:
        if args.command == "set-webhook":
            asyncio.run(set_webhook(runtime, args.url))
            print(f"Telegram now posts updates to {args.url} (with the secret header); command menu set in en and zh.")
        else:
            asyncio.run(delete_webhook(runtime))
            print("Telegram webhook deleted.")
    except (SetupError, TelegramNotConfigured) as error:
        print(f"tradecheck telegram: {error}", file=sys.stderr)
        return 2
    except TelegramError as error:
        print(f"tradecheck telegram: Telegram refused: {error}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    return 0
