"""Trade remedies (anti-dumping, countervailing, safeguard measures) the buyer's country puts on the goods.

`model` holds the normalised measure, `parse` reads each publisher's file format, `build` makes the
bundled snapshot from the collected files, `store` loads the newest good copy (a download or the
snapshot), `match` finds the measures for a buyer country, origin and HS codes or a product text,
and `update` downloads the official files where they are published machine-readably.
"""
