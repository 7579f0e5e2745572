"""Catalogue reads and writes against the sandbox over real HTTP."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from cafe24_pipeline.cafe24.client import Cafe24Client
from cafe24_pipeline.cafe24.http_auth import StaticTokenProvider
from cafe24_pipeline.cafe24.options import ClientOptions
from cafe24_pipeline.cafe24.governor import GovernorConfig
from tests.integration.cafe24_client_support import running_sandbox, settings_for
from tests.fixtures.sandbox import sandbox_tokens

MALL = "shopa"
FAST = GovernorConfig(leak_rate=400.0, max_calls_per_second=1000.0)


def _client(sb, tmp_path, **kw) -> Cafe24Client:
    settings = settings_for(sb, tmp_path)
    token = sandbox_tokens(_Server(sb), MALL)["access_token"]
    return Cafe24Client(
        MALL,
        settings=settings,
        tokens=StaticTokenProvider(token),
        options=ClientOptions(governor=kw.pop("governor_config", FAST), **kw),
    )


class _Server:
    """The bits of SandboxServer that `sandbox_tokens` reads."""

    def __init__(self, sb):
        self.config = sb.config
        self.client_id = sb.config.client_id
        self.client_secret = sb.config.client_secret
        self._base = sb.base_url

    def api_base(self, mall):
        return f"{self._base}/{mall}"


def _queries(sb, endpoint_prefix: str) -> list[dict[str, list[str]]]:
    rows = [row for row in sb.logs(MALL) if row.get("path", "").startswith(endpoint_prefix)]
    return [parse_qs(row.get("query", "")) for row in rows]


@pytest.mark.slow
def test_full_catalogue_past_5000_products_by_cursor(tmp_path):
    with running_sandbox(products=5_250, orders=0, leak_rate=400.0, big_option_products=2) as sb:
        truth = sb.sandbox.state.mall(MALL)
        with _client(sb, tmp_path) as client:
            for shop_no in client.shop_nos():
                seen: dict[int, object] = {}
                pages = 0
                for page in client.iter_products(shop_no):
                    pages += 1
                    assert not page.issues
                    for product in page:
                        assert product.product_no not in seen
                        seen[product.product_no] = product
                assert len(seen) == len(truth.products) == client.count_products(shop_no) == 5_250
                assert pages == 53
                for number, expected in truth.products.items():
                    got = seen[number]
                    assert [v.variant_code for v in got.variants] == [v.variant_code for v in expected.variants]
                    assert got.price == Decimal(str(expected.price)) or got.price == expected.price
                big = [p for p in seen.values() if len(p.variants) > 100]
                assert len(big) == 2  # fetched beyond the 100-variant embed cap
                assert all(v.quantity is not None for p in big for v in p.variants)
        queries = _queries(sb, "products")
        list_calls = [q for q in queries if "since_product_no" in q]
        assert len(list_calls) == 2 * 53
        assert not any("offset" in q for q in queries)  # never paged by offset
        assert all(q.get("embed") == ["variants,inventories"] for q in list_calls)
        stats = sb.stats(MALL)
        assert stats["statuses"].get("422", 0) == 0 and stats["throttled_429"] == 0


def test_incremental_window_and_targeted_products(tmp_path):
    with running_sandbox(products=40, orders=0, leak_rate=400.0) as sb:
        with _client(sb, tmp_path) as client:
            all_products = [p for page in client.iter_products(1, page_size=7) for p in page]
            assert len(all_products) == 40 and len({p.product_no for p in all_products}) == 40
            wanted = [p.product_no for p in all_products[:5]]
            picked = [p for page in client.iter_products(1, product_nos=wanted) for p in page]
            assert sorted(p.product_no for p in picked) == sorted(wanted)
            newest = max(p.updated_date for p in all_products)
            recent = [p for page in client.iter_products(1, updated_start=newest, updated_end=newest) for p in page]
            assert recent and all(p.updated_date >= newest.replace(microsecond=0) for p in recent)
            with pytest.raises(ValueError):
                list(client.iter_products(1, updated_start=newest))
            product = client.get_product(1, all_products[0].product_no)
            assert product.product_no == all_products[0].product_no and product.variants
            categories = [c for page in client.iter_categories(1) for c in page]
            brands = [b for page in client.iter_brands(1) for b in page]
            assert categories and brands and all(c.category_no for c in categories)


def test_malformed_record_is_reported_and_the_rest_survive(tmp_path):
    with running_sandbox(products=30, orders=0, leak_rate=400.0) as sb:
        with _client(sb, tmp_path) as client:
            sb.fault("malformed", "products", count=1, field="price", value="abc")
            pages = list(client.iter_products(1))
        issues = [i.as_issue() for page in pages for i in page.issues]
        records = [p for page in pages for p in page]
        assert len(issues) == 1 and issues[0]["kind"] == "product" and "price" in issues[0]["reason"]
        assert issues[0]["id"] is not None
        assert len(records) == 29


def test_writes_update_variants_207_and_409(tmp_path):
    with running_sandbox(products=10, orders=0, leak_rate=400.0) as sb:
        with _client(sb, tmp_path) as client:
            product = next(p for page in client.iter_products(1) for p in page if len(p.variants) >= 2)
            first, second = product.variants[:2]
            result = client.update_variants(
                1,
                product.product_no,
                [
                    {"variant_code": first.variant_code, "quantity": (first.quantity or 0) + 5},
                    {"variant_code": second.variant_code, "quantity": second.quantity},  # same content
                    {"variant_code": "P999999Z000A", "quantity": 1},  # unknown
                ],
            )
            assert result.status == 207
            assert [v.variant_code for v in result.records] == [first.variant_code]
            assert result.records[0].quantity == (first.quantity or 0) + 5
            assert [f["variant_code"] for f in result.failures] == ["P999999Z000A"]
            again = client.update_variants(
                1, product.product_no, [{"variant_code": first.variant_code, "quantity": (first.quantity or 0) + 5}]
            )
            assert again.unchanged and again.status == 409 and not again.failures
            updated = client.update_product(1, product.product_no, display=False, price=Decimal("12345.00"))
            assert updated.records[0].display is False and updated.records[0].price == Decimal("12345.00")
            assert client.update_product(1, product.product_no, display=False).unchanged
            inventory = client.update_inventory(1, product.product_no, first.variant_code, quantity=3)
            assert inventory.records[0].quantity == 3
            assert client.get_inventory(1, product.product_no, first.variant_code).quantity == 3


def test_unavailable_api_version_is_reported_clearly(tmp_path):
    from cafe24_pipeline.cafe24.errors import ApiVersionUnavailable

    with running_sandbox(products=5, orders=0) as sb:
        settings = settings_for(sb, tmp_path, CAFE24_API_VERSION="2019-03-01")
        token = sandbox_tokens(_Server(sb), MALL)["access_token"]
        with Cafe24Client(MALL, settings=settings, tokens=StaticTokenProvider(token)) as client:
            with pytest.raises(ApiVersionUnavailable) as info:
                client.list_shops()
        message = str(info.value)
        assert "2019-03-01 is not available" in message
        assert f"CAFE24_API_VERSION={sb.config.default_api_version}" in message
        assert client.stats.retries == 0  # a version error is not retried
