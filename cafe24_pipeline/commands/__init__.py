"""Command groups of the `cafe24-pipeline` CLI; one module per concern."""

from __future__ import annotations

import importlib

import typer

# Each module defines `register(app: typer.Typer) -> None`.
COMMAND_MODULES = [
    "cafe24_pipeline.commands.status",
    "cafe24_pipeline.commands.sandbox",
    "cafe24_pipeline.commands.sync",
    "cafe24_pipeline.commands.sync_catalog",
    "cafe24_pipeline.commands.sync_orders",
    "cafe24_pipeline.commands.sync_all",
    "cafe24_pipeline.commands.connect",
    "cafe24_pipeline.commands.demo",
    "cafe24_pipeline.commands.push",
    "cafe24_pipeline.commands.oms",
    "cafe24_pipeline.commands.orders",
    "cafe24_pipeline.commands.mall_partitions",
    "cafe24_pipeline.commands.listing",
    "cafe24_pipeline.commands.webhooks",
    "cafe24_pipeline.commands.privacy",
]


def register_all(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
