"""The Slack adapter: a Bolt AsyncApp (HTTP or Socket Mode) over the interaction driver (bot/app/driver.py).

Thin on purpose: verify (Bolt checks signatures), acknowledge within 3 s, turn the payload into a
neutral event for the driver, and implement its `ChatPort` (port.py) in Block Kit. Nothing a later request needs is kept in memory:
modal context rides in `private_metadata`, card locations and idempotency keys are in the database.
"""
