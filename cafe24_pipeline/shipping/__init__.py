"""Shipping for self-ship malls: carriers, AWB (tracking) numbers and printable labels (no Dagster, no SQL)."""
