"""The SQL of OMS stock allocation: `oms_stock_allocations` and the stock it moves in `oms_products`.

Called inside the order sync's transaction (an order and the stock it takes commit together) and by
a seller cancellation; the rules are `oms/allocation.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cafe24_pipeline.oms.allocation import AllocationPlan, plan_allocation
from cafe24_pipeline.store import schema
from cafe24_pipeline.store.key_lists import among
from cafe24_pipeline.store.store import Store


class StockLedger:
    def __init__(self, store: Store) -> None:
        self.store = store

    def held(self, conn: Connection, mall_id: str, codes: Sequence[str]) -> pl.DataFrame:
        """Ledger rows (order_item_code, sku, quantity, released) of these items, in one statement."""
        t = schema.oms_stock_allocations
        if not codes:
            return _empty_ledger()
        held = self.store.read(
            sa.select(t.c.order_item_code, t.c.sku, t.c.quantity, t.c.released_at.is_not(None).label("released")).where(
                t.c.mall_id == mall_id, among(self.store.dialect, t.c.order_item_code, codes)
            ),
            conn=conn,
        )
        if held.height == 0:
            return _empty_ledger()
        return held.with_columns(pl.col("released").cast(pl.Boolean))

    def apply(
        self, conn: Connection, mall_id: str, items: pl.DataFrame, *, at: datetime, ledger: pl.DataFrame | None = None
    ) -> AllocationPlan:
        """Take or give back stock for `items` (order_id, order_item_code, sku, quantity, status, order_date).

        `ledger`: what `held` returned for (at least) these items earlier in the same transaction, so
        a page reads the ledger once."""
        if items.height == 0:
            return AllocationPlan()
        if ledger is None:
            ledger = self.held(conn, mall_id, items["order_item_code"].to_list())
        skus = [s for s in items["sku"].drop_nulls().unique().to_list()]
        p = schema.oms_products
        stock_rows = (
            self.store.read(
                sa.select(p.c.sku, p.c.stock, p.c.created_at).where(p.c.sku.in_(skus), p.c.deleted == sa.false()), conn=conn
            )
            if skus
            else pl.DataFrame()
        )
        stock = {r["sku"]: int(r["stock"]) for r in stock_rows.iter_rows(named=True)}
        since = {r["sku"]: r["created_at"] for r in stock_rows.iter_rows(named=True)}
        plan = plan_allocation(items, ledger, stock, since)
        if plan.empty:
            return plan
        order_of = dict(zip(items["order_item_code"].to_list(), items["order_id"].to_list()))
        t = schema.oms_stock_allocations
        if plan.take:
            taken = pl.DataFrame(
                plan.take, schema={"order_item_code": pl.String, "sku": pl.String, "quantity": pl.Int64}, orient="row"
            ).with_columns(
                pl.lit(mall_id).alias("mall_id"),
                pl.col("order_item_code").replace_strict(order_of, return_dtype=pl.String).alias("order_id"),
                pl.lit(at).cast(pl.Datetime("us", "UTC")).alias("allocated_at"),
            )
            self.store.append("oms_stock_allocations", taken, conn=conn)
        for code, _sku, _units in plan.give_back:
            conn.execute(
                t.update()
                .where(t.c.mall_id == mall_id, t.c.order_item_code == code, t.c.released_at.is_(None))
                .values(released_at=at)
            )
        self._move_stock(conn, plan.stock_delta, at)
        return plan

    def give_back(self, conn: Connection, mall_id: str, codes: Sequence[str], *, at: datetime) -> dict[str, int]:
        """A seller cancellation: give back what these items took (once); units per SKU given back."""
        held = self.held(conn, mall_id, list(codes)).filter(~pl.col("released") & (pl.col("quantity") > 0))
        if held.height == 0:
            return {}
        t = schema.oms_stock_allocations
        conn.execute(
            t.update()
            .where(t.c.mall_id == mall_id, t.c.order_item_code.in_(held["order_item_code"].to_list()), t.c.released_at.is_(None))
            .values(released_at=at)
        )
        back = {sku: int(q) for sku, q in held.group_by("sku").agg(pl.col("quantity").sum()).iter_rows()}
        self._move_stock(conn, back, at)
        return back

    @staticmethod
    def _move_stock(conn: Connection, delta: dict[str, int], at: datetime) -> None:
        """Move each SKU's stock by its change (never below 0): one statement, run for every SKU."""
        changes = [{"_sku": sku, "_change": change, "_at": at} for sku, change in delta.items() if change]
        if not changes:
            return
        p = schema.oms_products
        moved = p.c.stock + sa.bindparam("_change", type_=sa.Integer)
        conn.execute(
            p.update()
            .where(p.c.sku == sa.bindparam("_sku"))
            .values(stock=sa.case((moved < 0, 0), else_=moved), updated_at=sa.bindparam("_at", type_=p.c.updated_at.type)),
            changes,
        )


def units_held(ledger: pl.DataFrame) -> dict[str, int]:
    """Units the ledger's items hold (taken, not given back), per SKU."""
    held = ledger.filter(~pl.col("released"))
    return {sku: int(q) for sku, q in held.group_by("sku").agg(pl.col("quantity").sum()).iter_rows()}


def _empty_ledger() -> pl.DataFrame:
    return pl.DataFrame(schema={"order_item_code": pl.String, "sku": pl.String, "quantity": pl.Int64, "released": pl.Boolean})
