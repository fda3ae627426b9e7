"""Migration scripts, applied in order by `tradecheck db upgrade`."""
