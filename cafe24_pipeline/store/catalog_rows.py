"""The SQL of the catalogue sync (`sync/catalog.py`): what the mirror holds before a write, and the
soft deletes and unlinks a sync concludes.

The sync decides (which rows changed, whether a scan was complete enough to delete anything); these
methods only read and write. Writes that belong to one of the sync's transactions take its `conn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.store import schema
from cafe24_pipeline.store.key_lists import among
from cafe24_pipeline.store.store import Store, StoreConnection

MASTER_CHUNK = 5_000  # SKUs per master lookup (one parameter each: store/key_lists.py)


class CatalogRows:
    """Named reads and writes of the catalogue tables over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- categories, brands ------------------------------------------------------------------------

    def reference_rows(self, table: str, mall_id: str, shop_no: int) -> pl.DataFrame:
        """Every row (tombstones too) of a reference table (`cafe24_categories`, `cafe24_brands`) for one
        shop: the sync compares a complete listing with it to find changes and deletions."""
        t = self.store.table(table)
        return self.store.read(sa.select(t).where(t.c.mall_id == mall_id, t.c.shop_no == shop_no))

    # --- products and variants ---------------------------------------------------------------------

    def product_hashes(self, mall_id: str, shop_no: int, product_nos: Sequence[int]) -> pl.DataFrame:
        """Key, content hash and tombstone of these products: enough to skip a page's unchanged rows."""
        p = schema.cafe24_products
        return self.store.read(
            sa.select(p.c.mall_id, p.c.shop_no, p.c.product_no, p.c.content_hash, p.c.deleted_at).where(
                p.c.mall_id == mall_id, p.c.shop_no == shop_no, p.c.product_no.in_(list(product_nos))
            )
        )

    def variant_hashes(self, mall_id: str, shop_no: int, product_nos: Sequence[int]) -> pl.DataFrame:
        """Key, product, content hash and tombstone of these products' variants (also the ones that may
        have vanished from a product Cafe24 just returned whole)."""
        v = schema.cafe24_variants
        return self.store.read(
            sa.select(v.c.mall_id, v.c.shop_no, v.c.variant_code, v.c.product_no, v.c.content_hash, v.c.deleted_at).where(
                v.c.mall_id == mall_id, v.c.shop_no == shop_no, v.c.product_no.in_(list(product_nos))
            )
        )

    @staticmethod
    def soft_delete_variants(
        conn: StoreConnection, mall_id: str, shop_no: int, variant_codes: Sequence[str], at: datetime
    ) -> int:
        """Mark these live variants deleted at `at`; the number marked.

        An UPDATE, not an upsert: a partial row would trip NOT NULL columns on the INSERT side.
        """
        v = schema.cafe24_variants
        return conn.execute(
            v.update()
            .where(
                v.c.mall_id == mall_id,
                v.c.shop_no == shop_no,
                v.c.variant_code.in_(list(variant_codes)),
                v.c.deleted_at.is_(None),
            )
            .values(deleted_at=at)
        ).rowcount

    def live_product_nos(self, mall_id: str, shop_no: int) -> pl.DataFrame:
        """`product_no` of the shop's live products: what a complete scan must have seen."""
        p = schema.cafe24_products
        return self.store.read(
            sa.select(p.c.product_no).where(p.c.mall_id == mall_id, p.c.shop_no == shop_no, p.c.deleted_at.is_(None))
        )

    def soft_delete_products(self, mall_id: str, shop_no: int, product_nos: Sequence[int], at: datetime) -> int:
        """Mark these live products and their live variants deleted at `at`, in one transaction (a product
        never goes without its variants); the number of products marked."""
        p, v = schema.cafe24_products, schema.cafe24_variants
        numbers = list(product_nos)
        with self.store.transaction() as conn:
            marked = conn.execute(
                p.update()
                .where(p.c.mall_id == mall_id, p.c.shop_no == shop_no, p.c.product_no.in_(numbers), p.c.deleted_at.is_(None))
                .values(deleted_at=at)
            ).rowcount
            conn.execute(
                v.update()
                .where(v.c.mall_id == mall_id, v.c.shop_no == shop_no, v.c.product_no.in_(numbers), v.c.deleted_at.is_(None))
                .values(deleted_at=at)
            )
        return marked

    # --- OMS side ----------------------------------------------------------------------------------

    def live_variants(self, mall_id: str) -> pl.DataFrame:
        """The mall's variants without a tombstone (whether their product is live is the caller's join),
        without their raw Cafe24 record (the OMS side never reads it)."""
        v = schema.cafe24_variants
        return self.store.read(sa.select(*_without_raw(v)).where(v.c.mall_id == mall_id, v.c.deleted_at.is_(None)))

    def live_products(self, mall_id: str) -> pl.DataFrame:
        """The mall's products without a tombstone, without their raw Cafe24 record: a product's raw
        JSON is a few KiB, and 100,000 of them held at once took the link step to 1.6 GiB."""
        p = schema.cafe24_products
        return self.store.read(sa.select(*_without_raw(p)).where(p.c.mall_id == mall_id, p.c.deleted_at.is_(None)))

    def master_rows(self, skus: Sequence[str]) -> pl.DataFrame:
        """The `oms_products` rows of these SKUs (an empty frame with the table's columns when there are
        none), so a rebuild keeps the OMS-owned values. `MASTER_CHUNK` SKUs per statement, each chunk
        bound as one array (or JSON) value: a 200,000-SKU mall took 400 statements of 500 values each.
        5,000 keeps each read's transient rows small (20,000 raised the peak RSS by about 80 MiB)."""
        t = schema.oms_products
        wanted = list(skus)
        parts = [
            self.store.read(sa.select(t).where(among(self.store.dialect, t.c.sku, wanted[i : i + MASTER_CHUNK])))
            for i in range(0, len(wanted), MASTER_CHUNK)
        ]
        parts = [p for p in parts if p.height]
        return pl.concat(parts) if parts else self.store.read(sa.select(t).where(sa.false()))

    @staticmethod
    def unlink(conn: StoreConnection, mall_id: str, skus: Sequence[str]) -> None:
        """Remove the `oms_listings` links of these SKUs (no live variant carries them any more), in the
        caller's transaction with the links written in their place."""
        t = schema.oms_listings
        for sku in skus:
            conn.execute(t.delete().where(t.c.mall_id == mall_id, t.c.sku == sku))

    # --- inventory snapshots -----------------------------------------------------------------------

    def snapshot_rows(self, mall_id: str, snapshot_date: date) -> pl.DataFrame:
        """The compared columns of the day's stored snapshot, so a re-run writes only what moved."""
        t = schema.cafe24_inventory_snapshots
        return self.store.read(
            sa.select(
                t.c.mall_id,
                t.c.snapshot_date,
                t.c.variant_code,
                t.c.quantity,
                t.c.sku,
                t.c.safety_inventory,
                t.c.shop_no,
                t.c.product_no,
            ).where(t.c.mall_id == mall_id, t.c.snapshot_date == snapshot_date)
        )


def _without_raw(table: sa.Table) -> list[sa.Column]:
    """Every column of a mirror table but `raw` (the verbatim record, kept for audits and replays)."""
    return [c for c in table.c if c.name != "raw"]
