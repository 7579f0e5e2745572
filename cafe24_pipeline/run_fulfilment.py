"""Run a fulfilment action over several orders and collect one line per order (Dagster step and CLI).

Plain Python: an order that is refused (the state machine says no) or fails (Cafe24 said no) does not
stop the others; each outcome is a line an operator can act on, and WMS inbox rows are settled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cafe24_pipeline.cafe24.errors import Cafe24Error
from cafe24_pipeline.oms.order_state import TransitionNotAllowed
from cafe24_pipeline.settings import Settings
from cafe24_pipeline.shipping.service import shipping_for
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.fulfilment import FulfilmentTables
from cafe24_pipeline.sync.fulfilment import Fulfilment, FulfilmentError


@dataclass
class Outcome:
    done: int = 0
    refused: int = 0
    failed: int = 0
    api_calls: int = 0
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)


def run_actions(
    store: Store,
    client: Any,
    settings: Settings,
    mall_id: str,
    *,
    action: str,
    order_ids: Sequence[str],
    items: Sequence[str] | None,
    reason: str | None,
    actor: str,
    run_id: str | None,
    wms_event_ids: Sequence[int] = (),
) -> Outcome:
    fulfilment = Fulfilment(
        store, client, mall_id, shipping=shipping_for(settings), labels_dir=settings.home / "labels", actor=actor, run_id=run_id
    )
    outcome = Outcome()
    calls_before = int(getattr(getattr(client, "stats", None), "calls", 0) or 0)
    for order_id in order_ids:
        codes = [c for c in (items or []) if c.startswith(f"{order_id}-")] or None
        try:
            if action == "rfp":
                result = fulfilment.rfp(order_id, codes)
            elif action == "ready_to_ship":
                result = fulfilment.ready_to_ship(order_id, codes)
            elif action == "ship":
                result = fulfilment.ship(order_id, codes)
            else:
                result = fulfilment.cancel(order_id, codes, reason=reason)
        except TransitionNotAllowed as exc:
            outcome.refused += 1
            outcome.errors.append(str(exc))
            outcome.lines.append(f"refused {order_id}: {exc}")
            outcome.results.append({"order_id": order_id, "result": "refused", "error": str(exc)})
            continue
        except (FulfilmentError, Cafe24Error) as exc:
            outcome.failed += 1
            outcome.errors.append(str(exc))
            outcome.lines.append(f"failed {order_id}: {exc}")
            outcome.results.append({"order_id": order_id, "result": "failed", "error": str(exc)})
            continue
        outcome.done += 1
        outcome.lines.append(result.summary())
        outcome.results.append(
            {
                "order_id": order_id,
                "result": "done",
                "moved": result.moved,
                "already": result.already,
                "tracking_number": result.tracking_number,
                "label_path": result.label_path,
                "shipment_id": result.shipment_id,
            }
        )
    outcome.api_calls = int(getattr(getattr(client, "stats", None), "calls", 0) or 0) - calls_before
    if wms_event_ids:
        tables = FulfilmentTables(store)
        now = datetime.now(timezone.utc)
        status = "done" if not (outcome.failed or outcome.refused) else "failed"
        for event_id in wms_event_ids:
            tables.finish_wms_event(event_id, status=status, error="; ".join(outcome.errors)[:500] or None, at=now)
    return outcome
