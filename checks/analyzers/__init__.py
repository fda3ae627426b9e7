"""Analyzers: comparisons across the findings of every source (run after the sources)."""
