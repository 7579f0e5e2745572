"""Order fulfilment: drive Cafe24 from the OMS actions of `oms/fulfilment.py` (plain Python, no Dagster).

Each action checks every item first (all or nothing; a refusal sends nothing anywhere), then calls
Cafe24, then records the transition (who, when, from, to, request, answer) and the items' new OMS
status in one transaction. Everything is idempotent:

- Ready to Ship issues the AWB and renders the label *before* calling Cafe24, and commits them in
  `oms_shipments`; a retry reuses that shipment. The shipment POST is a create: when its outcome is
  unknown (timeout, cut connection, 5xx) the order's shipments are re-read, and a shipment carrying
  our tracking number settles it; only when none does is it sent again (once).
- RFP (`process_status=prepare`) and ship (`status=shipping`) set absolute states (retried by the client).
- A seller cancellation is a create too: an unknown outcome is settled by re-reading the items' statuses.
For "shipped by sales channel" malls Ready to Ship creates nothing: the channel's shipment (tracking
number and carrier) is read from Cafe24 and recorded.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from cafe24_pipeline.cafe24.errors import Cafe24ApiError, Cafe24Error, WriteOutcomeUnknown
from cafe24_pipeline.oms.fulfilment import (
    CANCEL_ACTION,
    READY_TO_SHIP_ACTION,
    RFP_ACTION,
    SHIP_ACTION,
    plan,
)
from cafe24_pipeline.oms.order_state import TransitionNotAllowed
from cafe24_pipeline.oms.status_map import (
    CANCELLED_BY_SELLER,
    CANCELLED_BY_SELLER_INPROCESS,
    IN_TRANSIT,
    READY_TO_SHIP,
    RFP,
)
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.fulfilment import FulfilmentTables

log = logging.getLogger(__name__)

CANCELLED_CODES = frozenset({"C40", "C41", "C42", "C43", "C47", "C48", "C49"})


class FulfilmentError(RuntimeError):
    """An action could not be completed; the message says which step and what to do."""


class FulfilmentApi(Protocol):
    """The part of `Cafe24Client` fulfilment uses."""

    def get_order(self, shop_no: int, order_id: str, *, embed: Sequence[str] = ("items",)) -> Any: ...
    def iter_shipments(self, shop_no: int, order_id: str) -> list[Any]: ...
    def update_order_process_status(
        self, shop_no: int, order_id: str, process_status: str, *, order_item_codes: Sequence[str] | None = None
    ) -> Any: ...
    def create_shipment(
        self,
        shop_no: int,
        order_id: str,
        *,
        tracking_no: str,
        shipping_company_code: str,
        status: str = "standby",
        order_item_codes: Sequence[str] | None = None,
    ) -> list[Any]: ...
    def update_shipment(self, shop_no: int, order_id: str, shipping_code: str, *, status: str | None = None) -> Any: ...
    def create_cancellation(
        self,
        shop_no: int,
        order_id: str,
        order_item_codes: Sequence[str],
        *,
        reason: str | None = None,
        recover_inventory: bool = True,
    ) -> dict[str, Any]: ...


class Shipping(Protocol):
    """AWBs and labels (cafe24_pipeline/shipping): a carrier issues the number, the label is a PDF."""

    def issue(self, carrier: str | None, sequence: Callable[[str], int]) -> tuple[str, str, str]:
        """(carrier code, tracking number, Cafe24 shipping_company_code)."""
        ...

    def render_label(self, data: dict[str, Any], path: Path) -> Path: ...


@dataclass
class ActionResult:
    action: str
    order_id: str
    moved: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    shipment_id: str | None = None
    tracking_number: str | None = None
    label_path: str | None = None
    detail: str = ""

    def summary(self) -> str:
        parts = [f"{self.action.replace('_', ' ')} {self.order_id}: {len(self.moved)} item(s) moved"]
        if self.already:
            parts.append(f"{len(self.already)} already there")
        if self.tracking_number:
            parts.append(f"tracking {self.tracking_number}")
        if self.label_path:
            parts.append(f"label {self.label_path}")
        if self.detail:
            parts.append(self.detail)
        return ", ".join(parts)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Fulfilment:
    """The fulfilment actions of one mall (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        client: FulfilmentApi,
        mall_id: str,
        *,
        shipping: Shipping | None,
        labels_dir: Path,
        actor: str = "cli",
        run_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.tables = FulfilmentTables(store)
        self.client = client
        self.mall_id = mall_id
        self.shipping = shipping
        self.labels_dir = labels_dir
        self.actor = actor
        self.run_id = run_id
        self.clock = clock

    # --- helpers ------------------------------------------------------------------------------

    def _items(self, order_id: str, codes: Sequence[str] | None) -> tuple[int, dict[str, dict[str, Any]]]:
        frame = self.tables.order_items(self.mall_id, order_id)
        if frame.height == 0:
            raise TransitionNotAllowed(
                f"order {order_id} is not in the store for mall {self.mall_id}; run `cafe24-pipeline sync orders` first"
            )
        rows = {r["order_item_code"]: r for r in frame.iter_rows(named=True)}
        if codes:
            unknown = [c for c in codes if c not in rows]
            if unknown:
                raise TransitionNotAllowed(f"order {order_id} has no item {', '.join(unknown)} (its items: {', '.join(rows)})")
            rows = {c: rows[c] for c in codes}
        missing = [c for c, r in rows.items() if r["oms_status"] is None]
        if missing:
            raise TransitionNotAllowed(
                f"items {', '.join(missing)} of order {order_id} have no OMS status yet "
                "(an unknown Cafe24 status code? see `every_item_mapped`)"
            )
        shop_no = int(next(iter(rows.values()))["shop_no"])
        return shop_no, rows

    def _transitions(
        self,
        action: str,
        rows: dict[str, dict[str, Any]],
        codes: Sequence[str],
        to_status: str,
        *,
        request: Any = None,
        response: Any = None,
        result: str = "done",
        error: str | None = None,
        shipment_id: str | None = None,
    ) -> list[dict[str, Any]]:
        return [
            {
                "order_id": rows[c]["order_id"],
                "order_item_code": c,
                "action": action,
                "actor": self.actor,
                "from_status": rows[c]["oms_status"],
                "to_status": to_status,
                "shipment_id": shipment_id,
                "cafe24_request": request,
                "cafe24_response": response,
                "result": result,
                "error": error,
                "run_id": self.run_id,
            }
            for c in codes
        ]

    # --- RFP ----------------------------------------------------------------------------------

    def rfp(self, order_id: str, codes: Sequence[str] | None = None) -> ActionResult:
        """Fulfilled, ready to pack: Cafe24 `process_status=prepare` (N20)."""
        shop_no, rows = self._items(order_id, codes)
        steps = plan(RFP_ACTION, order_id, {c: r["oms_status"] for c, r in rows.items()})
        result = ActionResult(RFP_ACTION, order_id, already=list(steps.already))
        if steps.to_move:
            request = {"process_status": "prepare", "order_item_code": list(steps.to_move)}
            answer = self._prepare(shop_no, order_id, steps.to_move, rows)
            self.tables.record(
                self.mall_id,
                self._transitions(RFP_ACTION, rows, steps.to_move, RFP, request=request, response=answer),
                statuses={c: RFP for c in steps.to_move},
                at=self.clock(),
            )
            result.moved = list(steps.to_move)
        return result

    def _prepare(self, shop_no: int, order_id: str, codes: Sequence[str], rows: dict[str, dict[str, Any]]) -> Any:
        """N10 → N20 for the items still at N10 (409 / already N20 is fine)."""
        pending = [c for c in codes if rows[c]["order_status"] == "N10"]
        if not pending:
            return {"already": "N20"}
        try:
            answer = self.client.update_order_process_status(shop_no, order_id, "prepare", order_item_codes=pending)
        except Cafe24ApiError as exc:
            raise FulfilmentError(f"Cafe24 refused to prepare order {order_id} ({exc.status}: {exc.message})") from exc
        return {"status": getattr(answer, "status", None), "unchanged": getattr(answer, "unchanged", None)}

    # --- Ready to Ship ------------------------------------------------------------------------

    def ready_to_ship(self, order_id: str, codes: Sequence[str] | None = None) -> ActionResult:
        """Packed: AWB + label + Cafe24 shipment `standby` (self ship), or the channel's shipment read."""
        shop_no, rows = self._items(order_id, codes)
        steps = plan(READY_TO_SHIP_ACTION, order_id, {c: r["oms_status"] for c, r in rows.items()})
        result = ActionResult(READY_TO_SHIP_ACTION, order_id, already=list(steps.already))
        if not steps.to_move:
            return result
        mode = self.tables.settings(self.mall_id)["shipping_mode"]
        if mode == "channel":
            shipment = self._channel_shipment(shop_no, order_id, steps.to_move)
        else:
            shipment = self._self_shipment(shop_no, order_id, steps.to_move, rows)
        now = self.clock()
        self.tables.set_tracking(self.mall_id, steps.to_move, shipment=shipment, at=now)
        outbox = None
        if mode == "self":
            outbox = {
                "shipment_id": shipment["shipment_id"],
                "order_id": order_id,
                "order_item_codes": list(steps.to_move),
                "carrier": shipment["carrier"],
                "tracking_number": shipment["tracking_number"],
                "label_path": shipment["label_path"],
            }
        self.tables.record(
            self.mall_id,
            self._transitions(
                READY_TO_SHIP_ACTION,
                rows,
                steps.to_move,
                READY_TO_SHIP,
                request=shipment.get("_request"),
                response=shipment.get("_response"),
                shipment_id=shipment["shipment_id"],
            ),
            statuses={c: READY_TO_SHIP for c in steps.to_move},
            outbox=outbox,
            at=now,
        )
        result.moved = list(steps.to_move)
        result.shipment_id = shipment["shipment_id"]
        result.tracking_number = shipment["tracking_number"]
        result.label_path = shipment.get("label_path")
        return result

    def _self_shipment(
        self, shop_no: int, order_id: str, codes: Sequence[str], rows: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        existing = next(
            (
                s
                for s in self.tables.shipments(self.mall_id, order_id)
                if s["mode"] == "self" and set(s["order_item_codes"]) == set(codes) and s["status"] in ("issued", "standby")
            ),
            None,
        )
        now = self.clock()
        if existing is None:
            if self.shipping is None:
                raise FulfilmentError("no carrier is configured for self-ship malls")
            carrier, tracking, company = self.shipping.issue(
                self.tables.settings(self.mall_id).get("carrier"), self.tables.next_sequence
            )
            shipment_id = f"S-{order_id}-{uuid.uuid4().hex[:8]}"
            label = self._label(shop_no, order_id, codes, rows, carrier, tracking, shipment_id)
            existing = {
                "mall_id": self.mall_id,
                "shipment_id": shipment_id,
                "shop_no": shop_no,
                "order_id": order_id,
                "order_item_codes": list(codes),
                "mode": "self",
                "carrier": carrier,
                "shipping_company_code": company,
                "tracking_number": tracking,
                "label_path": str(label),
                "cafe24_shipping_code": None,
                "status": "issued",
                "last_error": None,
                "created_at": now,
                "standby_at": None,
                "shipping_at": None,
                "delivered_at": None,
                "updated_at": now,
            }
            self.tables.save_shipment(existing)  # the AWB is durable before Cafe24 hears of it
        if existing["status"] == "standby":
            return existing
        request = {
            "tracking_no": existing["tracking_number"],
            "shipping_company_code": existing["shipping_company_code"],
            "status": "standby",
            "order_item_code": list(codes),
        }
        self._prepare(shop_no, order_id, codes, rows)
        code = self._find_shipment(shop_no, order_id, existing["tracking_number"])  # a previous attempt landed?
        response: Any = {"settled_by": "re-read"} if code else None
        sends = 0
        while code is None and sends < 2:
            sends += 1
            try:
                created = self.client.create_shipment(
                    shop_no,
                    order_id,
                    tracking_no=existing["tracking_number"],
                    shipping_company_code=existing["shipping_company_code"],
                    status="standby",
                    order_item_codes=list(codes),
                )
                code = next(
                    (s.shipping_code for s in created if s.tracking_no == existing["tracking_number"]),
                    created[0].shipping_code if created else None,
                )
                response = {"shipping_code": code}
            except WriteOutcomeUnknown as exc:
                log.warning("%s; re-reading the shipments of order %s", exc, order_id)
                code = self._find_shipment(shop_no, order_id, existing["tracking_number"])
                response = {"settled_by": "re-read", "after": exc.reason}
            except Cafe24ApiError as exc:
                existing.update(last_error=f"{exc.status} {exc.message}", updated_at=self.clock())
                self.tables.save_shipment(existing)
                raise FulfilmentError(
                    f"Cafe24 refused the shipment of order {order_id} ({exc.status}: {exc.message}); "
                    "the AWB is kept and reused on the next attempt"
                ) from exc
        if code is None:
            existing.update(last_error="shipment outcome unknown twice", updated_at=self.clock())
            self.tables.save_shipment(existing)
            raise FulfilmentError(
                f"Cafe24 did not confirm the shipment of order {order_id}; run ready-to-ship again "
                "(it re-reads the order's shipments first, so nothing is created twice)"
            )
        existing.update(
            cafe24_shipping_code=code, status="standby", standby_at=self.clock(), last_error=None, updated_at=self.clock()
        )
        self.tables.save_shipment(existing)
        return {**existing, "_request": request, "_response": response}

    def _find_shipment(self, shop_no: int, order_id: str, tracking: str) -> str | None:
        for shipment in self.client.iter_shipments(shop_no, order_id):
            if shipment.tracking_no == tracking:
                return shipment.shipping_code
        return None

    def _channel_shipment(self, shop_no: int, order_id: str, codes: Sequence[str]) -> dict[str, Any]:
        """Shipped by the sales channel: read the tracking number Cafe24 holds for these items."""
        found = [
            s for s in self.client.iter_shipments(shop_no, order_id) if s.tracking_no and set(codes) <= set(s.order_item_codes)
        ]
        if not found:
            raise FulfilmentError(
                f"the sales channel has not registered a tracking number for order {order_id} yet; try again after it ships"
            )
        s = found[0]
        now = self.clock()
        row = {
            "mall_id": self.mall_id,
            "shipment_id": f"C-{s.shipping_code}",
            "shop_no": shop_no,
            "order_id": order_id,
            "order_item_codes": list(codes),
            "mode": "channel",
            "carrier": None,
            "shipping_company_code": s.shipping_company_code,
            "tracking_number": s.tracking_no,
            "label_path": None,
            "cafe24_shipping_code": s.shipping_code,
            "status": "standby" if (s.status or "standby") == "standby" else s.status,
            "last_error": None,
            "created_at": now,
            "standby_at": now,
            "shipping_at": None,
            "delivered_at": None,
            "updated_at": now,
        }
        self.tables.save_shipment(row)
        return {**row, "_response": {"shipping_code": s.shipping_code, "tracking_no": s.tracking_no}}

    def _label(
        self,
        shop_no: int,
        order_id: str,
        codes: Sequence[str],
        rows: dict[str, dict[str, Any]],
        carrier: str,
        tracking: str,
        shipment_id: str,
    ) -> Path:
        receiver = self.tables.receiver(self.mall_id, order_id) or {}
        data = {
            "mall_id": self.mall_id,
            "order_id": order_id,
            "shipment_id": shipment_id,
            "carrier": carrier,
            "tracking_number": tracking,
            "receiver_name": receiver.get("name"),
            "receiver_phone": receiver.get("cellphone") or receiver.get("phone"),
            "receiver_zipcode": receiver.get("zipcode"),
            "receiver_address": receiver.get("address_full")
            or " ".join(p for p in (receiver.get("address1"), receiver.get("address2")) if p),
            "items": [
                {
                    "sku": rows[c]["sku"],
                    "name": rows[c]["product_name"],
                    "option": rows[c]["option_value"],
                    "quantity": rows[c]["quantity"],
                }
                for c in codes
            ],
        }
        path = self.labels_dir / self.mall_id / f"{shipment_id}.pdf"
        assert self.shipping is not None
        return self.shipping.render_label(data, path)

    # --- ship ---------------------------------------------------------------------------------

    def ship(self, order_id: str, codes: Sequence[str] | None = None) -> ActionResult:
        """Handed to the carrier: shipment `status=shipping` (N30) → In_transit."""
        shop_no, rows = self._items(order_id, codes)
        steps = plan(SHIP_ACTION, order_id, {c: r["oms_status"] for c, r in rows.items()})
        result = ActionResult(SHIP_ACTION, order_id, already=list(steps.already))
        shipments = [s for s in self.tables.shipments(self.mall_id, order_id) if set(s["order_item_codes"]) & set(steps.to_move)]
        moved: list[str] = []
        for shipment in shipments:
            if not shipment["cafe24_shipping_code"]:
                continue
            codes_here = [c for c in shipment["order_item_codes"] if c in steps.to_move]
            request = {"status": "shipping"}
            try:
                self.client.update_shipment(shop_no, order_id, shipment["cafe24_shipping_code"], status="shipping")
            except Cafe24ApiError as exc:
                if exc.status != 409:
                    raise FulfilmentError(
                        f"Cafe24 refused to ship {shipment['cafe24_shipping_code']} ({exc.status}: {exc.message})"
                    ) from exc
            now = self.clock()
            shipment.update(status="shipping", shipping_at=now, updated_at=now)
            self.tables.save_shipment(shipment)
            self.tables.record(
                self.mall_id,
                self._transitions(
                    SHIP_ACTION, rows, codes_here, IN_TRANSIT, request=request, shipment_id=shipment["shipment_id"]
                ),
                statuses={c: IN_TRANSIT for c in codes_here},
                at=now,
            )
            moved += codes_here
        missing = sorted(set(steps.to_move) - set(moved))
        if missing:
            raise FulfilmentError(
                f"items {', '.join(missing)} of order {order_id} have no Cafe24 shipment to ship; run ready-to-ship first"
            )
        result.moved = moved
        return result

    # --- seller cancellation --------------------------------------------------------------------

    def cancel(self, order_id: str, codes: Sequence[str] | None = None, *, reason: str | None = None) -> ActionResult:
        """Seller cancellation (refused once any item is packed / Ready to Ship: nothing is sent then)."""
        shop_no, rows = self._items(order_id, codes)
        steps = plan(CANCEL_ACTION, order_id, {c: r["oms_status"] for c, r in rows.items()})
        result = ActionResult(CANCEL_ACTION, order_id, already=list(steps.already))
        if not steps.to_move:
            return result
        request = {"status": "canceled", "items": list(steps.to_move), "reason": reason}
        try:
            answer: Any = self.client.create_cancellation(shop_no, order_id, list(steps.to_move), reason=reason)
        except WriteOutcomeUnknown as exc:
            log.warning("%s; re-reading order %s", exc, order_id)
            answer = {"settled_by": "re-read", "after": exc.reason}
        except Cafe24ApiError as exc:
            raise FulfilmentError(f"Cafe24 refused to cancel order {order_id} ({exc.status}: {exc.message})") from exc
        try:
            order = self.client.get_order(shop_no, order_id)
            now_status = {i.order_item_code: i.order_status for i in order.items}
        except Cafe24Error as exc:
            raise FulfilmentError(
                f"could not re-read order {order_id} after cancelling it ({exc}); run `cafe24-pipeline sync order-status`"
            ) from exc
        cancelled = [c for c in steps.to_move if now_status.get(c) in CANCELLED_CODES]
        in_process = [c for c in steps.to_move if c not in cancelled and (now_status.get(c) or "").startswith("C")]
        not_cancelled = [c for c in steps.to_move if c not in cancelled and c not in in_process]
        if not_cancelled:
            raise FulfilmentError(
                f"Cafe24 still shows items {', '.join(not_cancelled)} of order {order_id} as not "
                "cancelled; nothing was changed in the OMS"
            )
        statuses = {**{c: CANCELLED_BY_SELLER for c in cancelled}, **{c: CANCELLED_BY_SELLER_INPROCESS for c in in_process}}
        transitions = self._transitions(
            CANCEL_ACTION, rows, cancelled, CANCELLED_BY_SELLER, request=request, response=answer
        ) + self._transitions(CANCEL_ACTION, rows, in_process, CANCELLED_BY_SELLER_INPROCESS, request=request, response=answer)
        back = self.tables.record(self.mall_id, transitions, statuses=statuses, give_back=list(steps.to_move), at=self.clock())
        result.moved = list(steps.to_move)
        result.detail = f"stock given back to the OMS: {', '.join(f'{k} +{v}' for k, v in back.items()) or 'none'}"
        return result
