"""The fulfilment assets: `oms/shipments`, `oms/order_transitions`, `oms/wms_outbox`, written by one step per mall.

Thin: the step holds the mall's lease, opens its client and runs one `sync.fulfilment.Fulfilment`
action (RFP, Ready to Ship, ship, seller cancel) for the order ids in its config. There is one job
per action (the launchpad's config is the list of orders); `cafe24-pipeline orders …` runs the same
jobs, and the WMS sensor launches the Ready to Ship job for "picked" events.
"""

import dagster as dg

from cafe24_pipeline.assets.describe import row_count_metadata
from cafe24_pipeline.assets.mall_work import mall_client
from cafe24_pipeline.oms.fulfilment import CANCEL_ACTION, READY_TO_SHIP_ACTION, RFP_ACTION, SHIP_ACTION
from cafe24_pipeline.oms.order_state import TransitionNotAllowed
from cafe24_pipeline.partitions import malls_partitions
from cafe24_pipeline.resources.cafe24 import Cafe24Resource
from cafe24_pipeline.resources.store import StoreResource
from cafe24_pipeline.run_fulfilment import run_actions

SHIPMENTS = dg.AssetKey(["oms", "shipments"])
TRANSITIONS = dg.AssetKey(["oms", "order_transitions"])
OUTBOX = dg.AssetKey(["oms", "wms_outbox"])
ORDER_ITEMS = dg.AssetKey(["cafe24", "order_items"])
GROUP = "fulfilment"
ACTIONS = (RFP_ACTION, READY_TO_SHIP_ACTION, SHIP_ACTION, CANCEL_ACTION)


class FulfilmentConfig(dg.Config):
    """Which action, for which orders."""

    action: str = READY_TO_SHIP_ACTION
    """rfp | ready_to_ship | ship | cancel"""
    order_ids: list[str] = []
    """Cafe24 order ids (e.g. 20261201-0000012)."""
    items: list[str] = []
    """Only these order item codes (split shipments, partial cancellation); empty: every item."""
    reason: str | None = None
    """Cancellation reason (cancel only)."""
    actor: str = "ui"
    """Who asks: ui, cli, wms (recorded in oms_order_transitions)."""
    wms_event_ids: list[int] = []
    """Set by the WMS sensor: the inbox rows this run settles."""


@dg.multi_asset(
    name="oms_fulfilment",
    specs=[
        dg.AssetSpec(
            SHIPMENTS,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            deps=[ORDER_ITEMS],
            description="Shipments of order items: carrier, tracking number (AWB), label PDF, Cafe24 "
            "shipping code and progress (standby → shipping → delivered).",
            metadata={"dagster/table_name": "oms_shipments"},
        ),
        dg.AssetSpec(
            TRANSITIONS,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            deps=[ORDER_ITEMS],
            description="Every OMS status change an action made: who, when, from, to, what was sent to "
            "Cafe24 and what it answered.",
            metadata={"dagster/table_name": "oms_order_transitions"},
        ),
        dg.AssetSpec(
            OUTBOX,
            group_name=GROUP,
            kinds={"cafe24", "sql"},
            deps=[SHIPMENTS],
            description="What the OMS hands to the WMS for each self-shipped shipment: tracking number and label.",
            metadata={"dagster/table_name": "wms_outbox"},
        ),
    ],
    partitions_def=malls_partitions,
    can_subset=False,
)
def oms_fulfilment(context: dg.AssetExecutionContext, config: FulfilmentConfig, store: StoreResource, cafe24: Cafe24Resource):
    """Run one fulfilment action for the configured orders of the mall."""
    if config.action not in ACTIONS:
        raise dg.Failure(description=f"unknown action {config.action!r}; use one of {', '.join(ACTIONS)}", allow_retries=False)
    if not config.order_ids:
        raise dg.Failure(description="no order ids given (config: order_ids)", allow_retries=False)
    mall = context.partition_key
    db = store.get_store()
    settings = cafe24.settings()
    with mall_client(context, db, cafe24, mall, f"oms/{config.action}", TransitionNotAllowed) as client:
        outcome = run_actions(
            db,
            client,
            settings,
            mall,
            action=config.action,
            order_ids=config.order_ids,
            items=config.items or None,
            reason=config.reason,
            actor=config.actor,
            run_id=context.run.run_id,
            wms_event_ids=config.wms_event_ids,
        )
    for line in outcome.lines:
        context.log.info(line)
    meta: dict[str, dg.MetadataValue | int | str] = {
        "action": config.action,
        "orders": len(config.order_ids),
        "done": outcome.done,
        "refused": outcome.refused,
        "failed": outcome.failed,
        "api_calls": outcome.api_calls,
        "results": dg.MetadataValue.json(outcome.results),
    }
    for key in (SHIPMENTS, TRANSITIONS, OUTBOX):
        yield dg.MaterializeResult(asset_key=key, metadata={**meta, **row_count_metadata(db, key, mall_id=mall)})
    if outcome.failed or outcome.refused:
        raise dg.Failure(
            description="; ".join(outcome.errors),
            metadata={"failed": outcome.failed, "refused": outcome.refused},
            allow_retries=False,
        )


def _job(action: str, description: str):  # noqa: ANN202 - an unresolved asset job
    return dg.define_asset_job(
        f"{action}_job",
        selection=dg.AssetSelection.assets(SHIPMENTS, TRANSITIONS, OUTBOX),
        config={"ops": {"oms_fulfilment": {"config": {"action": action, "order_ids": []}}}},
        tags={"cafe24/stream": f"fulfilment_{action}"},
        description=description,
    )


fulfilment_jobs = [
    _job(RFP_ACTION, "RFP: mark orders fulfilled and ready to pack (Cafe24 process_status=prepare, N20). Config: order_ids."),
    _job(
        READY_TO_SHIP_ACTION,
        "Ready to Ship: issue the AWB, render the label and create the Cafe24 shipment "
        "(standby, N21) — or read the channel's tracking number. Config: order_ids [, items].",
    ),
    _job(
        SHIP_ACTION,
        "Ship: hand the shipments to the carrier (Cafe24 shipment status=shipping, N30). Config: order_ids [, items].",
    ),
    _job(
        CANCEL_ACTION,
        "Seller cancellation (only before packing / Ready to Ship; OMS stock is given back). "
        "Config: order_ids [, items, reason].",
    ),
]
fulfilment_assets = [oms_fulfilment]
