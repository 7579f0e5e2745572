"""Cafe24 webhooks: the receiver (ASGI) and the events it understands (no Dagster here)."""
