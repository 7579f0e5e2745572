"""The store's tables as they are at the latest migration (DESIGN.md §5: names and keys are a contract).

This module describes the *current* shape for reads and upserts. The database itself is created and
upgraded only by the migrations in `store/migrations/`; `tests/unit/test_store_schema.py` checks that a
migrated database matches this description, so a change here without a migration (or the reverse)
fails the tests.

Conventions: every table carries `mall_id` (except `oms_products`, the seller's OMS catalogue shared by
all malls); Cafe24 mirror tables also `shop_no`. Money columns are `Money` (exact Decimal), instants are
`UtcDateTime` (tz-aware, UTC), JSON payloads are `JsonText`. Cafe24's own dates land in `created_at` /
`updated_at` style columns converted from KST; `synced_at` is when the pipeline last wrote the row.
"""

from __future__ import annotations

import sqlalchemy as sa

from cafe24_pipeline.store.types import JsonText, Money, UtcDateTime

metadata = sa.MetaData()

CONNECTION_STATUSES = ("active", "reauth_required", "disconnected")


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


def _money(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, Money(), nullable=nullable)


def _mall() -> sa.Column:
    return sa.Column("mall_id", sa.String(50), primary_key=True)


def _shop() -> sa.Column:
    return sa.Column("shop_no", sa.Integer, primary_key=True, server_default=sa.text("1"))


# --- operations -------------------------------------------------------------------------------

connections = sa.Table(
    "connections",
    metadata,
    _mall(),
    sa.Column("shop_nos", JsonText(), nullable=False, server_default=sa.text("'[1]'")),
    sa.Column("scopes", JsonText(), nullable=False, server_default=sa.text("'[]'")),
    sa.Column("user_id", sa.String(100)),
    sa.Column("client_id", sa.String(100)),
    sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("'active'")),
    sa.Column("status_reason", sa.Text),
    _ts("access_expires_at"),
    _ts("refresh_expires_at"),
    _ts("connected_at"),
    _ts("updated_at"),
    sa.CheckConstraint("status IN ('active', 'reauth_required', 'disconnected')", name="ck_connections_status"),
)

oauth_tokens = sa.Table(
    "oauth_tokens",
    metadata,
    _mall(),
    sa.Column("client_id", sa.String(100)),
    sa.Column("access_token_enc", sa.Text, nullable=False),  # Fernet text, encrypted by cafe24/ code
    sa.Column("refresh_token_enc", sa.Text, nullable=False),
    _ts("access_expires_at"),
    _ts("refresh_expires_at"),
    _ts("issued_at"),
    sa.Column("scopes", JsonText(), nullable=False, server_default=sa.text("'[]'")),
    sa.Column("rotation", sa.Integer, nullable=False, server_default=sa.text("0")),
    _ts("updated_at"),
)

sync_state = sa.Table(
    "sync_state",
    metadata,
    _mall(),
    sa.Column("stream", sa.String(80), primary_key=True),
    _ts("high_water_mark"),
    sa.Column("cursor", sa.Text),  # non-time cursors, e.g. since_product_no (added by m0002)
    _ts("last_success_at"),
    _ts("last_run_at"),
    sa.Column("last_status", sa.String(20)),  # success | failed
    sa.Column("last_error", sa.Text),
    sa.Column("rows_last_run", sa.Integer),
    sa.Column("details", JsonText()),
)

mall_leases = sa.Table(  # added by m0004: who may call a mall's API right now (sync/lease.py)
    "mall_leases",
    metadata,
    sa.Column("mall_id", sa.String(50), primary_key=True),
    sa.Column("token", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(80), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("pid_started", sa.String(40)),
    sa.Column("run_id", sa.String(64)),
    _ts("acquired_at", nullable=False),
    _ts("heartbeat_at", nullable=False),
    _ts("expires_at", nullable=False),
)
push_log = sa.Table(
    "push_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("kind", sa.String(30), nullable=False),  # stock | price | display | selling | delete | status | shipment
    sa.Column("sku", sa.String(100)),
    sa.Column("product_no", sa.Integer),
    sa.Column("variant_code", sa.String(30)),
    sa.Column("order_id", sa.String(40)),
    sa.Column("order_item_code", sa.String(40)),
    sa.Column("expected", JsonText()),  # what we asked Cafe24 to hold
    sa.Column("sent", JsonText()),  # request body (never secrets)
    sa.Column("response", JsonText()),  # what Cafe24 answered / re-read
    sa.Column("result", sa.String(20), nullable=False),  # success | failed | unknown | skipped | no_change
    sa.Column("http_status", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("attempt", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("run_id", sa.String(64)),
    _ts("created_at", nullable=False),
    _ts("resolved_at"),
    sa.Index("ix_push_log_mall_result", "mall_id", "result", "created_at"),
)

webhook_inbox = sa.Table(
    "webhook_inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("event_no", sa.Integer, nullable=False),
    sa.Column("dedupe_key", sa.String(200), nullable=False),  # e.g. trace id or hash of the body
    sa.Column("payload", JsonText(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("'pending'")),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("error", sa.Text),
    _ts("received_at", nullable=False),
    _ts("processed_at"),
    sa.UniqueConstraint("mall_id", "dedupe_key", name="uq_webhook_inbox_dedupe"),
    sa.Index("ix_webhook_inbox_status", "status", "id"),
)

bulk_uploads = sa.Table(
    "bulk_uploads",
    metadata,
    sa.Column("upload_id", sa.String(64), primary_key=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.String(64)),
    sa.Column("status", sa.String(20), nullable=False),  # validating | rejected | applied | partial | failed | dry_run
    sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("total_rows", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("ok_rows", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("failed_rows", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("report_path", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("details", JsonText()),
    _ts("created_at", nullable=False),
    _ts("finished_at"),
)

bulk_upload_rows = sa.Table(
    "bulk_upload_rows",
    metadata,
    sa.Column("upload_id", sa.String(64), primary_key=True),
    sa.Column("row_number", sa.Integer, primary_key=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("sku", sa.String(100)),
    sa.Column("action", sa.String(20)),  # create | update | skip
    sa.Column("result", sa.String(20), nullable=False),  # ok | failed | skipped
    sa.Column("reason", sa.Text),
    sa.Column("product_no", sa.Integer),
    sa.Column("variant_code", sa.String(30)),
)

# --- Cafe24 mirror ----------------------------------------------------------------------------

cafe24_shops = sa.Table(  # added by m0002
    "cafe24_shops",
    metadata,
    _mall(),
    _shop(),
    sa.Column("shop_name", sa.Text),
    sa.Column("currency_code", sa.String(3)),
    sa.Column("language_code", sa.String(10)),
    sa.Column("default_shop", sa.Boolean),
    sa.Column("active", sa.Boolean),
    sa.Column("raw", JsonText()),
    _ts("synced_at"),
)

cafe24_categories = sa.Table(
    "cafe24_categories",
    metadata,
    _mall(),
    _shop(),
    sa.Column("category_no", sa.Integer, primary_key=True),
    sa.Column("category_depth", sa.Integer),
    sa.Column("parent_category_no", sa.Integer),
    sa.Column("root_category_no", sa.Integer),
    sa.Column("category_name", sa.Text),
    sa.Column("full_category_name", sa.Text),  # "Top > Shirts > Long sleeve"
    sa.Column("full_category_no", sa.Text),  # "24 > 25 > 26"
    sa.Column("use_display", sa.Boolean),
    sa.Column("display_order", sa.Integer),
    sa.Column("raw", JsonText()),  # the category with its attributes as Cafe24 sent it
    _ts("deleted_at"),
    _ts("synced_at"),
)

cafe24_brands = sa.Table(
    "cafe24_brands",
    metadata,
    _mall(),
    _shop(),
    sa.Column("brand_code", sa.String(20), primary_key=True),
    sa.Column("brand_name", sa.Text),
    sa.Column("use_brand", sa.Boolean),
    sa.Column("search_keyword", sa.Text),
    sa.Column("product_count", sa.Integer),
    _ts("created_at"),
    sa.Column("raw", JsonText()),
    _ts("deleted_at"),
    _ts("synced_at"),
)

cafe24_products = sa.Table(
    "cafe24_products",
    metadata,
    _mall(),
    _shop(),
    sa.Column("product_no", sa.Integer, primary_key=True),
    sa.Column("product_code", sa.String(20)),
    sa.Column("custom_product_code", sa.String(100)),
    sa.Column("product_name", sa.Text),
    sa.Column("eng_product_name", sa.Text),
    _money("price"),
    _money("retail_price"),
    _money("supply_price"),
    sa.Column("display", sa.Boolean),
    sa.Column("selling", sa.Boolean),
    sa.Column("sold_out", sa.Boolean),
    sa.Column("has_option", sa.Boolean),
    sa.Column("brand_code", sa.String(20)),
    sa.Column("category_nos", JsonText()),  # [24, 25]
    sa.Column("image_url", sa.Text),  # first image (detail, else list, else small)
    _ts("created_at"),  # Cafe24 created_date
    _ts("updated_at"),  # Cafe24 updated_date
    _ts("deleted_at"),
    _ts("synced_at"),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("raw", JsonText()),
    sa.Index("ix_cafe24_products_custom_code", "mall_id", "custom_product_code"),
    _ts("seen_at"),  # added by m0005: last catalogue read that returned the product (changed or not)
)

cafe24_variants = sa.Table(
    "cafe24_variants",
    metadata,
    _mall(),
    _shop(),
    sa.Column("variant_code", sa.String(30), primary_key=True),
    sa.Column("product_no", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(100)),  # custom_variant_code, or the product's custom_product_code
    sa.Column("custom_variant_code", sa.String(100)),
    sa.Column("options", JsonText()),  # [{"name": "Color", "value": "Red"}]
    _money("additional_amount"),
    sa.Column("quantity", sa.Integer),
    sa.Column("safety_inventory", sa.Integer),
    sa.Column("use_inventory", sa.Boolean),
    sa.Column("display", sa.Boolean),
    sa.Column("selling", sa.Boolean),
    sa.Column("sold_out", sa.Boolean),
    sa.Column("duplicated_custom_variant_code", sa.Boolean),
    sa.Column("image_url", sa.Text),
    _ts("deleted_at"),
    _ts("synced_at"),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("raw", JsonText()),
    sa.Index("ix_cafe24_variants_sku", "mall_id", "sku"),
    sa.Index("ix_cafe24_variants_product", "mall_id", "shop_no", "product_no"),
    _ts("seen_at"),  # added by m0005: last catalogue read that returned the variant (changed or not)
)

cafe24_inventory_snapshots = sa.Table(
    "cafe24_inventory_snapshots",
    metadata,
    _mall(),
    sa.Column("snapshot_date", sa.Date, primary_key=True),  # KST calendar day
    sa.Column("variant_code", sa.String(30), primary_key=True),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("product_no", sa.Integer),
    sa.Column("sku", sa.String(100)),
    sa.Column("quantity", sa.Integer),
    sa.Column("safety_inventory", sa.Integer),
    _ts("taken_at"),
    sa.Index("ix_cafe24_inventory_sku", "mall_id", "sku", "snapshot_date"),
)

cafe24_orders = sa.Table(
    "cafe24_orders",
    metadata,
    _mall(),
    _shop(),
    sa.Column("order_id", sa.String(40), primary_key=True),
    _ts("order_date"),
    sa.Column("order_date_kst", sa.Date),  # the KST business day, for partitions and reports
    _ts("payment_date"),
    sa.Column("paid", sa.Boolean),
    sa.Column("canceled", sa.Boolean),
    _money("order_price_amount"),
    _money("shipping_fee"),
    _money("payment_amount"),
    sa.Column("currency", sa.String(3)),
    sa.Column("payment_method", JsonText()),
    sa.Column("order_place_id", sa.String(40)),
    sa.Column("order_place_name", sa.Text),
    sa.Column("shipping_status", sa.String(10)),  # F, M, T, W, ... (order level)
    sa.Column("member_id", sa.String(100)),
    sa.Column("first_order", sa.Boolean),
    sa.Column("imported_backfill", sa.Boolean, nullable=False, server_default=sa.false()),
    _ts("synced_at"),
    sa.Column("content_hash", sa.String(64)),
    sa.Index("ix_cafe24_orders_date", "mall_id", "order_date"),
    sa.Index("ix_cafe24_orders_day", "mall_id", "order_date_kst"),
    sa.Column("raw_hash", sa.String(32)),  # added by m0008: hash of the raw JSON last stored (sync/raw_skip.py)
)

cafe24_order_items = sa.Table(
    "cafe24_order_items",
    metadata,
    _mall(),
    sa.Column("order_item_code", sa.String(40), primary_key=True),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("item_no", sa.Integer),
    sa.Column("product_no", sa.Integer),
    sa.Column("product_code", sa.String(20)),
    sa.Column("variant_code", sa.String(30)),
    sa.Column("sku", sa.String(100)),
    sa.Column("product_name", sa.Text),
    sa.Column("option_value", sa.Text),
    sa.Column("quantity", sa.Integer),
    _money("product_price"),
    _money("option_price"),
    _money("additional_discount_price"),
    _money("payment_amount"),
    sa.Column("order_status", sa.String(10)),  # Cafe24 code: N10, N20, C40, ...
    sa.Column("status_text", sa.Text),
    sa.Column("oms_status", sa.String(40)),  # DESIGN.md §6 mapping
    sa.Column("shipping_code", sa.String(40)),
    sa.Column("tracking_no", sa.String(60)),
    sa.Column("shipping_company_code", sa.String(20)),
    sa.Column("shipping_company_name", sa.Text),
    _ts("order_date"),
    _ts("shipbegin_date"),
    _ts("shipend_date"),
    _ts("cancel_date"),
    _ts("return_date"),
    _ts("exchange_date"),
    _ts("purchaseconfirmation_date"),
    _ts("status_changed_at"),  # when the pipeline first saw the current order_status
    sa.Column("imported_backfill", sa.Boolean, nullable=False, server_default=sa.false()),
    _ts("synced_at"),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("raw", JsonText()),
    sa.Index("ix_cafe24_order_items_order", "mall_id", "order_id"),
    sa.Index("ix_cafe24_order_items_sku", "mall_id", "sku"),
    sa.Index("ix_cafe24_order_items_status", "mall_id", "order_status"),
    sa.Column("order_date_kst", sa.Date),  # added by m0003: the KST business day of the order
    sa.Index("ix_cafe24_order_items_day", "mall_id", "order_date_kst"),
)

cafe24_order_status_history = sa.Table(
    "cafe24_order_status_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("order_id", sa.String(40)),
    sa.Column("order_item_code", sa.String(40), nullable=False),
    sa.Column("old_status", sa.String(10)),  # NULL for the first observation
    sa.Column("new_status", sa.String(10), nullable=False),
    _ts("observed_at", nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # poll | webhook | push | backfill
    sa.Index("ix_cafe24_status_history_item", "mall_id", "order_item_code", "observed_at"),
    # added by m0004: item | old -> new | when the old status was first seen; one row per change
    sa.Column("transition_key", sa.String(200)),
    sa.Index("uq_cafe24_status_history_transition", "mall_id", "transition_key", unique=True),
)

cafe24_order_receivers = sa.Table(  # personal data, kept apart so it can be restricted or purged
    "cafe24_order_receivers",
    metadata,
    _mall(),
    _shop(),
    sa.Column("order_id", sa.String(40), primary_key=True),
    sa.Column("shipping_code", sa.String(40), primary_key=True, server_default=sa.text("''")),
    sa.Column("name", sa.Text),
    sa.Column("phone", sa.String(40)),
    sa.Column("cellphone", sa.String(40)),
    sa.Column("zipcode", sa.String(20)),
    sa.Column("address1", sa.Text),
    sa.Column("address2", sa.Text),
    sa.Column("address_full", sa.Text),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("country_code", sa.String(3)),
    sa.Column("shipping_message", sa.Text),
    _ts("synced_at"),
)

# --- OMS side ---------------------------------------------------------------------------------

oms_products = sa.Table(
    "oms_products",
    metadata,
    sa.Column("sku", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    _money("selling_price"),  # -> Cafe24 price
    _money("mrp"),  # -> Cafe24 retail_price
    _money("cost_price"),  # -> Cafe24 supply_price (optional)
    sa.Column("stock", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("image_url", sa.Text),
    sa.Column("parent_sku", sa.String(100)),  # variation group
    sa.Column("brand", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("option_name", sa.Text),
    sa.Column("option_value", sa.Text),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    _ts("created_at"),
    _ts("updated_at", nullable=False),
    sa.Index("ix_oms_products_updated", "updated_at"),
    sa.Index("ix_oms_products_parent", "parent_sku"),
    _ts("delete_requested_at"),  # added by m0005: set only by an explicit OMS delete
)

oms_listings = sa.Table(
    "oms_listings",
    metadata,
    _mall(),
    sa.Column("sku", sa.String(100), primary_key=True),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("product_no", sa.Integer),
    sa.Column("variant_code", sa.String(30)),
    sa.Column("confirmed_stock", sa.Integer),
    _money("confirmed_price"),
    _money("confirmed_retail_price"),
    sa.Column("confirmed_display", sa.Boolean),
    sa.Column("confirmed_selling", sa.Boolean),
    _ts("confirmed_at"),
    _ts("linked_at"),
    _ts("updated_at"),
    sa.Index("ix_oms_listings_variant", "mall_id", "variant_code"),
)

oms_push_state = sa.Table(  # added by m0005: what Cafe24 answered to our pushes (sync/push.py)
    "oms_push_state",
    metadata,
    _mall(),
    _shop(),
    sa.Column("variant_code", sa.String(30), primary_key=True),
    sa.Column("product_no", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(100)),
    sa.Column("stock", sa.Integer),
    _ts("stock_at"),
    _money("additional_amount"),
    _ts("additional_at"),
    sa.Column("variant_display", sa.Boolean),
    sa.Column("variant_selling", sa.Boolean),
    _ts("variant_status_at"),
    _money("product_price"),
    _money("retail_price"),
    _ts("product_price_at"),
    sa.Column("product_display", sa.Boolean),
    sa.Column("product_selling", sa.Boolean),
    _ts("product_status_at"),
    sa.Column("failures", sa.Integer, nullable=False, server_default=sa.text("0")),
    _ts("next_attempt_at"),
    _ts("gave_up_at"),
    sa.Column("last_error", sa.Text),
    _money("conflict_price"),
    _ts("conflict_at"),
    _ts("deleted_at"),
    _ts("updated_at", nullable=False),
    sa.Index("ix_oms_push_state_sku", "mall_id", "sku"),
)
oms_orders = sa.Table(
    "oms_orders",
    metadata,
    _mall(),
    sa.Column("order_id", sa.String(40), primary_key=True),  # the Cafe24 order id
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("status", sa.String(40), nullable=False),  # OMS status, DESIGN.md §6
    sa.Column("fulfilment", sa.String(20), nullable=False, server_default=sa.text("'self_ship'")),
    _ts("order_date"),
    _money("payment_amount"),
    sa.Column("currency", sa.String(3)),
    sa.Column("imported_backfill", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("cancel_reason", sa.Text),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    sa.Index("ix_oms_orders_status", "mall_id", "status"),
    sa.Column("order_date_kst", sa.Date),  # added by m0003
    sa.Column("status_map_version", sa.String(20)),  # added by m0003: oms/status_map.py version
    sa.Index("ix_oms_orders_day", "mall_id", "order_date_kst"),
)

oms_order_items = sa.Table(
    "oms_order_items",
    metadata,
    _mall(),
    sa.Column("order_item_code", sa.String(40), primary_key=True),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("sku", sa.String(100)),
    sa.Column("quantity", sa.Integer),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("shipping_code", sa.String(40)),
    sa.Column("tracking_number", sa.String(60)),
    sa.Column("carrier", sa.String(40)),  # Cafe24 shipping_company_code
    sa.Column("label_path", sa.Text),
    sa.Column("label_format", sa.String(10)),
    _ts("packed_at"),
    _ts("shipped_at"),
    _ts("delivered_at"),
    _ts("status_changed_at"),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    sa.Index("ix_oms_order_items_order", "mall_id", "order_id"),
    sa.Index("ix_oms_order_items_status", "mall_id", "status"),
)

sku_conflicts = sa.Table(
    "sku_conflicts",
    metadata,
    _mall(),
    sa.Column("sku", sa.String(100), primary_key=True),
    sa.Column("conflicting_variant_code", sa.String(30), primary_key=True),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("conflicting_product_no", sa.Integer),
    sa.Column("kept_product_no", sa.Integer),
    sa.Column("kept_variant_code", sa.String(30)),
    sa.Column("reason", sa.Text, nullable=False),
    _ts("detected_at", nullable=False),
    _ts("resolved_at"),
)


# --- fulfilment (added by m0006) -------------------------------------------------------------------

mall_settings = sa.Table(
    "mall_settings",
    metadata,
    sa.Column("mall_id", sa.String(50), primary_key=True),
    sa.Column("shipping_mode", sa.String(10), nullable=False, server_default=sa.text("'self'")),
    sa.Column("carrier", sa.String(20)),
    _ts("updated_at", nullable=False),
)

oms_shipments = sa.Table(
    "oms_shipments",
    metadata,
    sa.Column("mall_id", sa.String(50), primary_key=True),
    sa.Column("shipment_id", sa.String(64), primary_key=True),
    sa.Column("shop_no", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("order_item_codes", JsonText(), nullable=False),
    sa.Column("mode", sa.String(10), nullable=False),  # self | channel
    sa.Column("carrier", sa.String(20)),
    sa.Column("shipping_company_code", sa.String(10)),
    sa.Column("tracking_number", sa.String(60)),
    sa.Column("label_path", sa.Text),
    sa.Column("cafe24_shipping_code", sa.String(40)),
    sa.Column("status", sa.String(20), nullable=False),  # issued | standby | shipping | delivered
    sa.Column("last_error", sa.Text),
    _ts("created_at", nullable=False),
    _ts("standby_at"),
    _ts("shipping_at"),
    _ts("delivered_at"),
    _ts("updated_at", nullable=False),
    sa.Index("ix_oms_shipments_order", "mall_id", "order_id"),
    sa.Index("uq_oms_shipments_tracking", "mall_id", "carrier", "tracking_number", unique=True),
)

oms_order_transitions = sa.Table(
    "oms_order_transitions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("order_item_code", sa.String(40), nullable=False),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("actor", sa.String(40), nullable=False),  # cli | wms | sensor | sync | ui
    sa.Column("from_status", sa.String(40)),
    sa.Column("to_status", sa.String(40), nullable=False),
    sa.Column("shipment_id", sa.String(64)),
    sa.Column("cafe24_request", JsonText()),
    sa.Column("cafe24_response", JsonText()),
    sa.Column("result", sa.String(20), nullable=False),  # done | refused | failed | unknown
    sa.Column("error", sa.Text),
    sa.Column("run_id", sa.String(64)),
    _ts("at", nullable=False),
    sa.Index("ix_oms_order_transitions_order", "mall_id", "order_id", "id"),
)

wms_events = sa.Table(
    "wms_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("event_type", sa.String(20), nullable=False),  # picked
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("order_item_codes", JsonText()),  # null: every item of the order
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default=sa.text("'pending'")),
    sa.Column("error", sa.Text),
    _ts("received_at", nullable=False),
    _ts("processed_at"),
    sa.UniqueConstraint("mall_id", "dedupe_key", name="uq_wms_events_dedupe"),
    sa.Index("ix_wms_events_status", "status", "id"),
)

wms_outbox = sa.Table(
    "wms_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mall_id", sa.String(50), nullable=False),
    sa.Column("shipment_id", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("order_item_codes", JsonText(), nullable=False),
    sa.Column("carrier", sa.String(20)),
    sa.Column("tracking_number", sa.String(60)),
    sa.Column("label_path", sa.Text),
    _ts("created_at", nullable=False),
    _ts("acknowledged_at"),
    sa.UniqueConstraint("mall_id", "shipment_id", name="uq_wms_outbox_shipment"),
)

tracking_sequences = sa.Table(
    "tracking_sequences",
    metadata,
    sa.Column("carrier", sa.String(20), primary_key=True),
    sa.Column("next_value", sa.BigInteger, nullable=False),
)

# --- stock allocation (added by m0007) -----------------------------------------------------------

oms_stock_allocations = sa.Table(
    "oms_stock_allocations",
    metadata,
    sa.Column("mall_id", sa.String(50), primary_key=True),
    sa.Column("order_item_code", sa.String(40), primary_key=True),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("sku", sa.String(100), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),  # units really taken off oms_products.stock
    _ts("allocated_at", nullable=False),
    _ts("released_at"),  # given back (a cancellation)
    sa.Index("ix_oms_stock_allocations_sku", "sku"),
)
