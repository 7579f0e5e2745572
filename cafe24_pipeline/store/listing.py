"""The listing side's reads and writes: what is listed (for validation), uploads, and the OMS master values.

- `listed_variants`: one row per live Cafe24 variant carrying a SKU, with its product's values (the mirror
  the catalogue sync keeps, refreshed by the listing's own read-back), linked variants first;
- `bulk_uploads` / `bulk_upload_rows`: one row per upload and per input row (this module is their only writer);
- `refresh_master`: the OMS-owned values of `oms_products` (selling price, MRP, cost price, stock, active) for
  the SKUs a listing wrote, set to what Cafe24 holds after the write, so the push does not send old OMS values
  back over what the seller just listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from cafe24_pipeline.oms.product_master import OMS_OWNED, cafe24_view
from cafe24_pipeline.store import schema
from cafe24_pipeline.store.store import Store

KEY_CHUNK = 500
ROW_SCHEMA = {
    "upload_id": pl.String,
    "row_number": pl.Int64,
    "mall_id": pl.String,
    "sku": pl.String,
    "action": pl.String,
    "result": pl.String,
    "reason": pl.String,
    "product_no": pl.Int64,
    "variant_code": pl.String,
}


class ListingTables:
    """Named queries of the listing side over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- what is listed ----------------------------------------------------------------------------------

    def listed_variants(self, mall_id: str, shop_no: int = 1) -> pl.DataFrame:
        v, p, li = schema.cafe24_variants, schema.cafe24_products, schema.oms_listings
        linked = sa.case((li.c.variant_code.is_not(None), 1), else_=0)
        query = (
            sa.select(
                v.c.sku,
                v.c.product_no,
                v.c.variant_code,
                v.c.options,
                v.c.additional_amount,
                v.c.quantity,
                v.c.display,
                v.c.selling,
                p.c.custom_product_code,
                p.c.has_option,
                p.c.product_name,
                p.c.price,
                p.c.retail_price,
                p.c.supply_price,
                p.c.display.label("product_display"),
                p.c.selling.label("product_selling"),
                p.c.brand_code,
                p.c.category_nos,
                linked.label("linked"),
            )
            .select_from(
                v.join(
                    p, sa.and_(p.c.mall_id == v.c.mall_id, p.c.shop_no == v.c.shop_no, p.c.product_no == v.c.product_no)
                ).outerjoin(li, sa.and_(li.c.mall_id == v.c.mall_id, li.c.sku == v.c.sku, li.c.variant_code == v.c.variant_code))
            )
            .where(
                v.c.mall_id == mall_id,
                v.c.shop_no == shop_no,
                v.c.deleted_at.is_(None),
                p.c.deleted_at.is_(None),
                v.c.sku.is_not(None),
                v.c.sku != "",
            )
            .order_by(linked.desc(), v.c.product_no, v.c.variant_code)
        )
        return self.store.read(query)

    def brands(self, mall_id: str, shop_no: int = 1) -> list[tuple[str, str]]:
        t = schema.cafe24_brands
        frame = self.store.read(
            sa.select(t.c.brand_code, t.c.brand_name)
            .where(t.c.mall_id == mall_id, t.c.shop_no == shop_no, t.c.deleted_at.is_(None))
            .order_by(t.c.brand_code)
        )
        return [(code, name or "") for code, name in frame.iter_rows()]

    def categories(self, mall_id: str, shop_no: int = 1) -> list[tuple[int, str]]:
        t = schema.cafe24_categories
        frame = self.store.read(
            sa.select(t.c.category_no, sa.func.coalesce(t.c.full_category_name, t.c.category_name))
            .where(t.c.mall_id == mall_id, t.c.shop_no == shop_no, t.c.deleted_at.is_(None))
            .order_by(t.c.category_no)
        )
        return [(int(no), name or "") for no, name in frame.iter_rows()]

    # --- uploads -----------------------------------------------------------------------------------------

    def start_upload(
        self, upload_id: str, mall_id: str, filename: str, *, file_sha256: str | None, total_rows: int, now: datetime
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                schema.bulk_uploads.insert().values(
                    upload_id=upload_id,
                    mall_id=mall_id,
                    filename=filename,
                    file_sha256=file_sha256,
                    status="validating",
                    dry_run=False,
                    total_rows=total_rows,
                    created_at=now,
                )
            )

    def record_rejected_file(
        self, upload_id: str, mall_id: str, filename: str, *, file_sha256: str | None, error: str, now: datetime
    ) -> None:
        """A file that could not be read at all: one row, status rejected, the one-line reason."""
        with self.store.transaction() as conn:
            conn.execute(
                schema.bulk_uploads.insert().values(
                    upload_id=upload_id,
                    mall_id=mall_id,
                    filename=filename,
                    file_sha256=file_sha256,
                    status="rejected",
                    dry_run=False,
                    error=error[:2000],
                    created_at=now,
                    finished_at=now,
                )
            )

    def finish_upload(
        self,
        upload_id: str,
        *,
        status: str,
        ok_rows: int,
        failed_rows: int,
        report_path: str | None,
        error: str | None,
        details: Mapping[str, Any],
        rows: Sequence[Mapping[str, Any]],
        now: datetime,
    ) -> None:
        """The upload's outcome and its row results, in one transaction (rows replace any written before)."""
        t, r = schema.bulk_uploads, schema.bulk_upload_rows
        with self.store.transaction() as conn:
            conn.execute(
                t.update()
                .where(t.c.upload_id == upload_id)
                .values(
                    status=status,
                    ok_rows=ok_rows,
                    failed_rows=failed_rows,
                    report_path=report_path,
                    error=error[:2000] if error else None,
                    details=dict(details),
                    finished_at=now,
                )
            )
            conn.execute(r.delete().where(r.c.upload_id == upload_id))
            if rows:
                self.store.append(
                    "bulk_upload_rows", pl.DataFrame([dict(x) for x in rows], schema=ROW_SCHEMA, orient="row"), conn=conn
                )

    def upload(self, upload_id: str) -> dict[str, Any] | None:
        frame = self.store.read(sa.select(schema.bulk_uploads).where(schema.bulk_uploads.c.upload_id == upload_id))
        return frame.row(0, named=True) if frame.height else None

    def uploads(self, mall_id: str | None = None) -> pl.DataFrame:
        t = schema.bulk_uploads
        query = sa.select(t)
        if mall_id is not None:
            query = query.where(t.c.mall_id == mall_id)
        return self.store.read(query.order_by(t.c.created_at))

    def upload_rows(self, upload_id: str) -> pl.DataFrame:
        r = schema.bulk_upload_rows
        return self.store.read(sa.select(r).where(r.c.upload_id == upload_id).order_by(r.c.row_number))

    # --- the OMS master --------------------------------------------------------------------------------

    def refresh_master(self, mall_id: str, skus: Sequence[str], *, now: datetime) -> int:
        """Set the OMS-owned values of these SKUs' oms_products rows to what the mirror (Cafe24) holds.

        Call after the catalogue's link and master rebuild (which create new SKUs' rows and keep OMS-owned
        values of existing ones): a listing is the seller setting those values, so they follow Cafe24's answer.
        """
        wanted = sorted(set(skus))
        if not wanted:
            return 0
        li, v, p = schema.oms_listings, schema.cafe24_variants, schema.cafe24_products
        links, variants, products = [], [], []
        for i in range(0, len(wanted), KEY_CHUNK):
            chunk = wanted[i : i + KEY_CHUNK]
            part = self.store.read(
                sa.select(li.c.mall_id, li.c.sku, li.c.shop_no, li.c.product_no, li.c.variant_code).where(
                    li.c.mall_id == mall_id, li.c.sku.in_(chunk)
                )
            )
            if part.height:
                links.append(part)
        if not links:
            return 0
        link_frame = pl.concat(links)
        nos = sorted(set(link_frame["product_no"].drop_nulls().to_list()))
        for i in range(0, len(nos), KEY_CHUNK):
            chunk = nos[i : i + KEY_CHUNK]
            variants.append(
                self.store.read(sa.select(v).where(v.c.mall_id == mall_id, v.c.product_no.in_(chunk), v.c.deleted_at.is_(None)))
            )
            products.append(
                self.store.read(sa.select(p).where(p.c.mall_id == mall_id, p.c.product_no.in_(chunk), p.c.deleted_at.is_(None)))
            )
        view = cafe24_view(link_frame, pl.concat(variants), pl.concat(products))
        if view.height == 0:
            return 0
        frame = (
            view.select("sku", "name", *OMS_OWNED)
            .unique(subset=["sku"], keep="first")
            .with_columns(
                pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("updated_at"),
                pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("created_at"),
            )
        )
        # existing rows: only the OMS-owned values move (name and created_at stay); new rows are inserted whole
        return self.store.upsert("oms_products", frame, update_columns=[*OMS_OWNED, "updated_at"])
