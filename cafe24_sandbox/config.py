"""Sandbox configuration: one dataclass, documented defaults, every [M]/[L] behaviour an option."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"

# Every scope the sandbox knows; a consent without `scope` grants all of them.
ALL_SCOPES = (
    "mall.read_application",
    "mall.read_category",
    "mall.write_category",
    "mall.read_collection",
    "mall.write_collection",
    "mall.read_order",
    "mall.write_order",
    "mall.read_product",
    "mall.write_product",
    "mall.read_store",
    "mall.write_store",
    "mall.read_shipping",
    "mall.write_shipping",
    "mall.read_supply",
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SandboxConfig:
    """Everything that shapes a sandbox run. Defaults follow Cafe24's documented values."""

    malls: list[str] = field(default_factory=lambda: ["demomall"])
    products: int = 200
    orders: int = 500
    seed: int = 24
    host: str = "127.0.0.1"
    port: int = 0  # 0 = pick a free port

    # OAuth app credentials (Developer Center "Client ID"/"Client Secret").
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    user_id: str = "sandbox_admin"
    access_token_ttl: float = 2 * 3600.0  # [H] 2 hours
    refresh_token_ttl: float = 14 * 24 * 3600.0  # [H] 14 days, sliding on rotation
    code_ttl: float = 60.0  # [H] 1 minute, single use
    invalidate_old_access_token_on_refresh: bool = False  # [M] practitioner report
    accept_client_secret_in_body: bool = True  # [M] DOCS-NEW quick-start variant
    token_response_includes_shop_no: bool = True  # [H doc / M] newer docs add shop_no + token_type
    # [M] HTTP status of `invalid_grant` "Invalid refresh_token" (a used, revoked or expired refresh token);
    # one practitioner reports 401, the body is the same either way.
    refresh_error_status: int = 400

    # Leaky bucket per (mall, client_id): [H] capacity 40, leaks 2/s.
    bucket_capacity: int = 40
    leak_rate: float = 2.0
    # Usage quota ([M] 3,000 calls per 10 minutes); None = off, so no usage headers.
    usage_quota_calls: int | None = None
    usage_quota_window: float = 600.0

    # API versions: a request naming another version gets 400 naming the default.
    default_api_version: str = "2025-03-01"
    api_versions: tuple[str, ...] = (
        "2024-06-01",
        "2024-09-01",
        "2024-12-01",
        "2025-03-01",
        "2025-06-01",
        "2025-09-01",
        "2025-12-01",
        "2026-03-01",
        "2026-06-01",
        "2026-09-01",
    )

    shops_per_mall: int = 2
    shop2_currency: str = "KRW"  # the second shop's currency (an English shop; KRW keeps demo money whole)
    order_days: int = 120  # seeded orders span this many days before "now"
    # [L] default order of GET /products without sort/since_product_no: Cafe24's example lists newest first.
    product_default_order: str = "desc"
    # [L] order of GET /orders without `order`: ascending by the date_type date.
    order_default_order: str = "asc"
    # Embedded variants per product are capped like Cafe24 (the rest via /variants).
    embed_variant_cap: int = 100
    # How many products get a large option matrix (> embed cap); 0 disables.
    big_option_products: int = 1
    duplicate_sku_pairs: int = 3
    missing_image_ratio: float = 0.05
    order_date_window_months: int = 3  # [H] orders: start/end at most 3 months apart
    require_order_dates: bool = True  # [L] 422 when start_date/end_date are missing (unless order_id given)
    # Share of seeded orders hidden from date-window paging and counts (found only by order_id),
    # like orders a real sync misses and reconciliation must find. 0 = none.
    hidden_order_ratio: float = 0.0
    # Registered redirect URIs; None accepts any (a mismatch gives Cafe24's invalid_request). [M]
    registered_redirect_uris: list[str] | None = None

    # Webhooks: emitted when set.
    webhook_url: str | None = None
    webhook_key: str = "sandbox-webhook-key"
    webhook_timeout: float = 5.0
    webhook_duplicate_rate: float = 0.0  # share of events delivered twice (receivers must dedupe)
    webhook_resend_delay: float = 0.2  # seconds before a failed delivery is re-sent once (log_type R) [L]

    # Orders take stock off variants that track it (`use_inventory` T): at order time for
    # `inventory_control_type` A, at payment for B. Seeded orders are already reflected in seeded stock.
    deduct_stock_on_order: bool = True

    log_capacity: int = 5000  # call-log ring buffer per mall
    now: Callable[[], datetime] = _utc_now  # time source (UTC, tz-aware); tests may shift it

    def __post_init__(self) -> None:
        if not self.malls:
            raise ValueError("at least one mall is required")
        for mall in self.malls:
            if not mall.isascii() or not mall.replace("_", "").isalnum() or mall != mall.lower() or mall.startswith("_"):
                raise ValueError(f"invalid mall id {mall!r}: use lowercase letters, digits and _ (not first)")
        if self.products < 0 or self.orders < 0:
            raise ValueError("products and orders must be >= 0")
        if self.leak_rate <= 0 or self.bucket_capacity <= 0:
            raise ValueError("leak_rate and bucket_capacity must be positive")
        if self.shops_per_mall < 1:
            raise ValueError("shops_per_mall must be >= 1")
        if not 0.0 <= self.hidden_order_ratio <= 1.0 or not 0.0 <= self.webhook_duplicate_rate <= 1.0:
            raise ValueError("hidden_order_ratio and webhook_duplicate_rate must be between 0 and 1")
        if self.refresh_error_status not in (400, 401):
            raise ValueError("refresh_error_status must be 400 or 401")
        if self.product_default_order not in ("asc", "desc") or self.order_default_order not in ("asc", "desc"):
            raise ValueError("product_default_order and order_default_order must be 'asc' or 'desc'")
