"""The push side's reads and writes: diff inputs, Cafe24's answers, the push log, OMS edits.

`push_inputs` returns one row per live variant of every product with a linked SKU of the mall, with
the OMS values (`oms_*`), the catalogue's last read (`m_*`), and the push state (`p_*`, retries,
conflicts) — the frame `oms.push_diff.compute_diff` expects. `record_outcomes` writes the push log
and the push state of one product in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store

PUSH_STATE_COLUMNS = [c.name for c in schema.oms_push_state.columns]


class PushTables:
    """Named queries of the push side over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- diff inputs ---------------------------------------------------------------------------

    def push_inputs(self, mall_id: str, *, product_nos: Sequence[int] | None = None) -> pl.DataFrame:
        v, p, li = schema.cafe24_variants, schema.cafe24_products, schema.oms_listings
        o, s = schema.oms_products, schema.oms_push_state
        linked_products = (
            sa.select(li.c.shop_no, li.c.product_no)
            .where(li.c.mall_id == mall_id, li.c.product_no.is_not(None))
            .distinct()
            .subquery()
        )
        query = (
            sa.select(
                v.c.shop_no,
                v.c.product_no,
                v.c.variant_code,
                li.c.sku,
                p.c.has_option,
                o.c.stock.label("oms_stock"),
                o.c.selling_price.label("oms_price"),
                o.c.mrp.label("oms_mrp"),
                o.c.active.label("oms_active"),
                o.c.deleted.label("oms_deleted"),
                o.c.delete_requested_at,
                o.c.updated_at.label("oms_updated_at"),
                v.c.quantity.label("m_stock"),
                p.c.price.label("m_product_price"),
                v.c.additional_amount.label("m_additional_amount"),
                p.c.retail_price.label("m_retail_price"),
                p.c.display.label("m_product_display"),
                p.c.selling.label("m_product_selling"),
                v.c.display.label("m_variant_display"),
                v.c.selling.label("m_variant_selling"),
                sa.func.coalesce(p.c.seen_at, p.c.synced_at).label("m_product_synced_at"),
                sa.func.coalesce(v.c.seen_at, v.c.synced_at).label("m_variant_synced_at"),
                s.c.stock.label("p_stock"),
                s.c.stock_at.label("p_stock_at"),
                s.c.additional_amount.label("p_additional_amount"),
                s.c.additional_at.label("p_additional_at"),
                s.c.variant_display.label("p_variant_display"),
                s.c.variant_selling.label("p_variant_selling"),
                s.c.variant_status_at.label("p_variant_status_at"),
                s.c.product_price.label("p_product_price"),
                s.c.retail_price.label("p_retail_price"),
                s.c.product_price_at.label("p_product_price_at"),
                s.c.product_display.label("p_product_display"),
                s.c.product_selling.label("p_product_selling"),
                s.c.product_status_at.label("p_product_status_at"),
                s.c.deleted_at.label("p_deleted_at"),
                sa.func.coalesce(s.c.failures, 0).label("failures"),
                s.c.next_attempt_at,
                s.c.gave_up_at,
                s.c.conflict_at,
            )
            .select_from(
                v.join(
                    linked_products,
                    sa.and_(linked_products.c.shop_no == v.c.shop_no, linked_products.c.product_no == v.c.product_no),
                )
                .join(p, sa.and_(p.c.mall_id == v.c.mall_id, p.c.shop_no == v.c.shop_no, p.c.product_no == v.c.product_no))
                .outerjoin(li, sa.and_(li.c.mall_id == v.c.mall_id, li.c.variant_code == v.c.variant_code))
                .outerjoin(o, o.c.sku == li.c.sku)
                .outerjoin(
                    s, sa.and_(s.c.mall_id == v.c.mall_id, s.c.shop_no == v.c.shop_no, s.c.variant_code == v.c.variant_code)
                )
            )
            .where(v.c.mall_id == mall_id, v.c.deleted_at.is_(None), p.c.deleted_at.is_(None))
        )
        if product_nos is not None:
            query = query.where(v.c.product_no.in_(list(product_nos)))
        return self.store.read(query.order_by(v.c.shop_no, v.c.product_no, v.c.variant_code))

    # --- outcomes ------------------------------------------------------------------------------

    def record_outcomes(
        self, mall_id: str, state_rows: Sequence[Mapping[str, Any]], log_rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Upsert push-state rows (only the columns each row carries) and append push-log rows, atomically."""
        with self.store.transaction() as conn:
            by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
            for row in state_rows:
                by_columns.setdefault(tuple(sorted(row)), []).append(row)
            for columns, rows in by_columns.items():
                frame = pl.DataFrame([dict(r) for r in rows], schema=_state_schema(columns), orient="row")
                self.store.upsert("oms_push_state", frame, conn=conn)
            if log_rows:
                self.store.append(
                    "push_log", pl.DataFrame([dict(r) for r in log_rows], schema=_LOG_SCHEMA, orient="row"), conn=conn
                )

    def push_state(self, mall_id: str) -> pl.DataFrame:
        return self.store.read_table("oms_push_state", {"mall_id": mall_id})

    def log(self, mall_id: str, *, run_id: str | None = None) -> pl.DataFrame:
        t = schema.push_log
        query = sa.select(t).where(t.c.mall_id == mall_id)
        if run_id is not None:
            query = query.where(t.c.run_id == run_id)
        return self.store.read(query.order_by(t.c.id))

    def backlog(self, mall_id: str) -> dict[str, int]:
        """Open failures, given-up SKUs and price conflicts of the mall (for `status`)."""
        t = schema.oms_push_state
        with self.store.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    sa.func.count().filter(t.c.failures > 0, t.c.gave_up_at.is_(None)),
                    sa.func.count().filter(t.c.gave_up_at.is_not(None)),
                    sa.func.count().filter(t.c.conflict_at.is_not(None)),
                ).where(t.c.mall_id == mall_id)
            ).one()
        return {"retrying": int(row[0]), "gave_up": int(row[1]), "price_conflicts": int(row[2])}

    def orders_through(self, mall_id: str, stream: str = "orders.new") -> datetime | None:
        """Orders placed up to this instant are in the OMS (the new-order poll's high-water mark)."""
        state = self.store.get_sync_state(mall_id, stream)
        return state.high_water_mark if state else None

    def retry_due(self, mall_id: str, now: datetime) -> bool:
        """A failed push whose back-off has passed (and that has not given up) is waiting."""
        t = schema.oms_push_state
        with self.store.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(sa.func.count()).where(
                        t.c.mall_id == mall_id,
                        t.c.next_attempt_at.is_not(None),
                        t.c.next_attempt_at <= now,
                        t.c.gave_up_at.is_(None),
                        t.c.failures > 0,
                    )
                ).scalar_one()
                > 0
            )

    def attempts(self, mall_id: str) -> pl.DataFrame:
        """(sku, failures) of variants whose last push failed: part of the sensor's run key."""
        t = schema.oms_push_state
        return self.store.read(
            sa.select(t.c.variant_code.label("sku"), t.c.failures).where(t.c.mall_id == mall_id, t.c.failures > 0)
        )

    def watermark(self, mall_id: str) -> str:
        """Changes since this value mean the diff may have changed (cheap check for the sensor)."""
        o, li, s = schema.oms_products, schema.oms_listings, schema.oms_push_state
        v, p = schema.cafe24_variants, schema.cafe24_products
        with self.store.engine.connect() as conn:
            marks = [
                conn.execute(sa.select(sa.func.max(o.c.updated_at), sa.func.count()).select_from(o)).one(),
                conn.execute(sa.select(sa.func.max(li.c.updated_at), sa.func.count()).where(li.c.mall_id == mall_id)).one(),
                conn.execute(
                    sa.select(sa.func.max(s.c.updated_at), sa.func.min(s.c.next_attempt_at)).where(s.c.mall_id == mall_id)
                ).one(),
                conn.execute(sa.select(sa.func.max(v.c.synced_at), sa.func.max(v.c.seen_at)).where(v.c.mall_id == mall_id)).one(),
                conn.execute(sa.select(sa.func.max(p.c.synced_at), sa.func.max(p.c.seen_at)).where(p.c.mall_id == mall_id)).one(),
            ]
        return "|".join(str(tuple(m)) for m in marks)

    # --- the OMS side (what an OMS does to its product master) ----------------------------------

    def oms_product(self, sku: str) -> dict[str, Any] | None:
        frame = self.store.read(sa.select(schema.oms_products).where(schema.oms_products.c.sku == sku))
        return frame.row(0, named=True) if frame.height else None

    def oms_group(self, parent_sku: str) -> list[str]:
        o = schema.oms_products
        frame = self.store.read(sa.select(o.c.sku).where(o.c.parent_sku == parent_sku).order_by(o.c.sku))
        return frame["sku"].to_list()

    def set_oms_values(self, sku: str, values: Mapping[str, Any], *, now: datetime) -> None:
        o = schema.oms_products
        with self.store.transaction() as conn:
            conn.execute(o.update().where(o.c.sku == sku).values(**values, updated_at=now))

    def request_delete(self, skus: Sequence[str], *, now: datetime) -> None:
        """The OMS deletes these SKUs: gone from the OMS at once, and from Cafe24 by the next push."""
        o = schema.oms_products
        with self.store.transaction() as conn:
            conn.execute(o.update().where(o.c.sku.in_(list(skus))).values(deleted=True, delete_requested_at=now, updated_at=now))

    def malls_listing(self, skus: Sequence[str]) -> list[str]:
        li = schema.oms_listings
        frame = self.store.read(sa.select(li.c.mall_id).where(li.c.sku.in_(list(skus))).distinct().order_by(li.c.mall_id))
        return frame["mall_id"].to_list()


_LOG_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "mall_id": pl.String,
    "shop_no": pl.Int64,
    "kind": pl.String,
    "sku": pl.String,
    "product_no": pl.Int64,
    "variant_code": pl.String,
    "order_id": pl.String,
    "order_item_code": pl.String,
    "expected": pl.String,
    "sent": pl.String,
    "response": pl.String,
    "result": pl.String,
    "http_status": pl.Int64,
    "error": pl.String,
    "attempt": pl.Int64,
    "run_id": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "resolved_at": pl.Datetime("us", "UTC"),
}


def _state_schema(columns: Sequence[str]) -> dict[str, pl.DataType | type[pl.DataType]]:
    money = {"product_price", "additional_amount", "retail_price", "conflict_price"}
    ints = {"shop_no", "product_no", "stock", "failures"}
    bools = {"product_display", "product_selling", "variant_display", "variant_selling"}
    out: dict[str, pl.DataType | type[pl.DataType]] = {}
    for c in columns:
        if c in money:
            out[c] = pl.Decimal(18, 2)
        elif c in ints:
            out[c] = pl.Int64
        elif c in bools:
            out[c] = pl.Boolean
        elif c.endswith("_at"):
            out[c] = pl.Datetime("us", "UTC")
        else:
            out[c] = pl.String
    return out


def money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
