"""Admin API: shops, brands, categories, webhook logs."""

from __future__ import annotations

import itertools
from typing import Any

from cafe24_sandbox.errors import invalid, not_found
from cafe24_sandbox.params import csv_param, date_pair, flag_param, int_csv_param, int_param
from cafe24_sandbox.routing import Ctx, Router
from cafe24_sandbox.shapes import brand_record, category_record, shop_record

router = Router()


@router.add("GET", "shops", "mall.read_store")
async def list_shops(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    return 200, {"shops": [shop_record(shop) for shop in ctx.mall.shops]}


def _brands(ctx: Ctx) -> list[Any]:
    codes = csv_param(ctx.query, "brand_code")
    name = ctx.query.get("brand_name")
    use = flag_param(ctx.query, "use_brand")
    rows = list(ctx.mall.brands.values())
    if codes:
        rows = [b for b in rows if b.brand_code in codes]
    if name:
        rows = [b for b in rows if name in b.brand_name]
    if use:
        rows = [b for b in rows if b.use_brand == use]
    return rows


@router.add("GET", "brands", "mall.read_collection")
async def list_brands(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    limit = int_param(ctx.query, "limit", 10, minimum=1, maximum=100)
    offset = int_param(ctx.query, "offset", 0, minimum=0, maximum=8000)
    rows = _brands(ctx)[offset : offset + limit]
    return 200, {"brands": [brand_record(b, ctx.shop_no) for b in rows]}


@router.add("GET", "brands/count", "mall.read_collection")
async def count_brands(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    return 200, {"count": len(_brands(ctx))}


def _categories(ctx: Ctx) -> list[Any]:
    q = ctx.query
    rows = sorted(ctx.mall.categories.values(), key=lambda c: c.category_no)
    depth = int_csv_param(q, "category_depth")
    numbers = int_csv_param(q, "category_no")
    parents = int_csv_param(q, "parent_category_no")
    name = q.get("category_name")
    if depth:
        rows = [c for c in rows if c.depth in depth]
    if numbers:
        rows = [c for c in rows if c.category_no in numbers]
    if parents:
        rows = [c for c in rows if c.parent_category_no in parents]
    if name:
        rows = [c for c in rows if name in c.category_name]
    return rows


@router.add("GET", "categories", "mall.read_category")
async def list_categories(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    limit = int_param(ctx.query, "limit", 10, minimum=1, maximum=100)
    offset = int_param(ctx.query, "offset", 0, minimum=0, maximum=8000)
    rows = _categories(ctx)[offset : offset + limit]
    return 200, {"categories": [category_record(c, ctx.shop_no) for c in rows]}


@router.add("GET", "categories/count", "mall.read_category")
async def count_categories(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    return 200, {"count": len(_categories(ctx))}


@router.add("GET", "categories/{category_no:int}", "mall.read_category")
async def get_category(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    category = ctx.mall.categories.get(ctx.params["category_no"])
    if category is None:
        raise not_found("category")
    return 200, {"category": category_record(category, ctx.shop_no)}


@router.add("GET", "webhooks/logs", "mall.read_application")
async def webhook_logs(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    q = ctx.query
    limit = int_param(q, "limit", 100, minimum=1, maximum=10000)
    window = date_pair(q, "requested_start_date", "requested_end_date")
    success = flag_param(q, "success")
    log_type = q.get("log_type")
    if log_type not in (None, "", "G", "R", "T"):
        raise invalid("log_type", "log_type must be G, R or T.")
    since = q.get("since_log_id")
    rows = ctx.server.webhooks.logs(ctx.mall.mall_id)
    if since:
        seqs = [row["_seq"] for row in rows if row["log_id"] == since]
        rows = [row for row in rows if seqs and row["_seq"] > seqs[0]]
    if window:
        rows = [row for row in rows if window[0] <= row["_ts"] <= window[1]]
    if success:
        rows = [row for row in rows if row["success"] == success]
    if log_type:
        rows = [row for row in rows if row["log_type"] == log_type]
    page = itertools.islice(rows, limit)
    return 200, {"logs": [{k: v for k, v in row.items() if not k.startswith("_")} for row in page]}


@router.add("GET", "webhooks/setting", "mall.read_application")
async def webhook_setting(ctx: Ctx) -> tuple[int, dict[str, Any]]:
    scopes = [
        "mall.read_category",
        "mall.read_collection",
        "mall.read_customer",
        "mall.read_order",
        "mall.read_product",
        "mall.read_promotion",
        "mall.read_supply",
    ]
    return 200, {"webhook": {"shop_no": ctx.shop_no, "scopes": scopes if ctx.server.webhooks.url else []}}
