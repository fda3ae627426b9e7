"""The Telegram adapter (python-telegram-bot 22): webhook and polling, handlers, delivery.

Only translation and rendering live here; every decision is made in `bot.flows`.
"""

import os

# Opt in to PTB's future `retry_after: timedelta` now (the transport reads both shapes), which
# also silences the deprecation warning PTB raises on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")
