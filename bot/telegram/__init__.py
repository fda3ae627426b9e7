"""The Telegram adapter (python-telegram-bot 22): webhook and polling, handlers, delivery.

Only translation lives here (Telegram updates to neutral events, cards to Telegram messages through
`bot.render.telegram`): every decision is made by the application layer (`bot.app`), the sequence of
a check or a button by its driver (`bot.app.driver`). The entry point passes its runtime in.
"""

import os

# Opt in to PTB's future `retry_after: timedelta` now (the transport reads both shapes), which
# also silences the deprecation warning PTB raises on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")
