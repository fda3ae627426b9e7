"""`python -m bot.monitor`: see `bot/monitor/cli.py`."""

import sys

from bot.monitor.cli import main

sys.exit(main())
