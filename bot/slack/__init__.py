"""The Slack adapter: a Bolt AsyncApp (HTTP or Socket Mode) over the platform-neutral flows.

Thin on purpose: verify (Bolt checks signatures), acknowledge within 3 s, translate to a flow
call, render the flow's card in Block Kit. Nothing a later request needs is kept in memory:
modal context rides in `private_metadata`, card locations and idempotency keys are in the database.
"""
