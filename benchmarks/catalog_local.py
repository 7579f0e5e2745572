"""Local work of the catalogue sync: parse, hash, diff and upsert 100,000 products (200,000 variants).

No API calls. Each page is 100 raw product records (Cafe24's product page size) built from Cafe24's
documented responses (tests/data/cafe24_examples, copies of shared/cafe24-examples: GET_products.json, with two variants each shaped like
GET_products_{product_no}_variants.json embedded), parsed by `Product.from_api` as the client parses a
page, and fed through the catalogue sync's own core (`sync_products`, full mode: mirror tables, seen
marks, the deletion check at the end), then `link_listings` (SKU links, duplicate SKUs quarantined) and
`build_oms_products` (the OMS master) — what `catalog_job` runs, on an empty store (inserts) and again
(a re-run: nothing changed). Pages are generated one at a time, as a sync streams them.

    .venv/bin/python benchmarks/catalog_local.py        # BENCH_PRODUCTS=20000 for a shorter run

Writes benchmarks/results/catalog_local.json; `cpu_s` is this process's CPU time (PostgreSQL's own
work shows only in the wall-clock figures). The API ceiling: 2 calls/s × 100 products per call.
"""

from __future__ import annotations

import copy
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cafe24_pipeline.cafe24.models import Product, ProductPage  # noqa: E402
from cafe24_pipeline.store import Store  # noqa: E402
from cafe24_pipeline.sync.catalog import build_oms_products, link_listings, sync_products  # noqa: E402

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
PAGE = 100
API_CEILING_PRODUCTS_PER_S = 2 * PAGE  # Cafe24: 2 calls/s sustained x 100 products per call
EXAMPLES = ROOT / "tests" / "data" / "cafe24_examples"  # byte-for-byte copies of shared/cafe24-examples
MALL = "benchmall"


def _examples() -> tuple[dict[str, Any], dict[str, Any]]:
    product = json.loads((EXAMPLES / "GET_products.json").read_text())["products"][0]
    variant = json.loads((EXAMPLES / "GET_products_{product_no}_variants.json").read_text())["variants"][0]
    return product, variant


PRODUCT, VARIANT = _examples()


def raw_page(start: int, size: int) -> list[dict[str, Any]]:
    """`size` product records numbered from `start` + 1, two variants each, unique SKUs."""
    page = []
    for no in range(start + 1, start + size + 1):
        record = copy.deepcopy(PRODUCT)
        code = f"P{no:07X}"
        record.update(
            product_no=no,
            product_code=code,
            custom_product_code=f"STYLE-{no}",
            product_name=f"상품 {no}",
            price=f"{10000 + no % 900 * 100}.00",
            retail_price=f"{20000 + no % 900 * 100}.00",
        )
        variants = []
        for seq, (color, size_) in enumerate((("Blue", "Small"), ("Red", "Large")), start=1):
            v = copy.deepcopy(VARIANT)
            v.update(
                variant_code=f"{code}{seq:04X}"[:12],
                custom_variant_code=f"SKU-{no}-{seq}",
                options=[{"name": "Color", "value": color}, {"name": "Size", "value": size_}],
                quantity=no % 50,
            )
            variants.append(v)
        record["variants"] = variants
        page.append(record)
    return page


class LocalCatalog:
    """The catalogue client's interface over generated pages (parsed like the real client's)."""

    def __init__(self) -> None:
        self.generate_s = 0.0

    def list_shops(self) -> list[Any]:
        return []

    def count_products(self, shop_no: int, **_: Any) -> int:
        return PRODUCTS

    def iter_products(self, shop_no: int, **_: Any) -> Iterator[ProductPage]:
        for start in range(0, PRODUCTS, PAGE):
            g0 = time.perf_counter()
            raw = raw_page(start, min(PAGE, PRODUCTS - start))
            self.generate_s += time.perf_counter() - g0
            yield ProductPage(shop_no=shop_no, records=[Product.from_api(r, shop_no=shop_no) for r in raw], cursor=None)


def run(url: str) -> dict:
    store = Store.open(url)
    result: dict[str, Any] = {}
    try:
        for label in ("first_import", "rerun"):
            client = LocalCatalog()
            c0, t0 = time.process_time(), time.perf_counter()
            scan = sync_products(store, client, MALL, mode="full", shop_nos=[1])
            t1 = time.perf_counter()
            rss_after_scan = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            links = link_listings(store, MALL)
            master = build_oms_products(store, MALL)
            wall = time.perf_counter() - t0
            total = wall - client.generate_s  # generating the pages stands in for Cafe24
            result[label] = {
                "products": scan.fetched,
                "products_written": scan.stored,
                "variants_written": scan.details.get("variants_stored", 0),
                "sync_products_s": round(t1 - t0 - client.generate_s, 2),
                "link_and_master_s": round(links.duration_s + master.duration_s, 2),
                "total_s": round(total, 2),
                "generate_pages_s": round(client.generate_s, 2),
                "products_per_s": round(PRODUCTS / total),
                "cpu_s": round(time.process_time() - c0 - client.generate_s, 2),
                "ceiling_ratio": round(PRODUCTS / total / API_CEILING_PRODUCTS_PER_S, 1),
                "peak_rss_after_scan_mib": round(rss_after_scan),  # the page loop; the rest is link + master
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
            print(f"{store.dialect} {label}: {result[label]}", flush=True)
        counts = store.row_counts()
        result["rows"] = {k: counts[k] for k in ("cafe24_products", "cafe24_variants", "oms_listings", "oms_products")}
    finally:
        store.close()
    return result


def main() -> None:
    out: dict[str, Any] = {
        "products": PRODUCTS,
        "variants_per_product": 2,
        "page_size": PAGE,
        "measured_at": datetime.now(timezone.utc).isoformat(),
        "load_average_at_start": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(f"sqlite:///{tmp}/bench.sqlite3")
    pg = os.environ.get("CAFE24_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        import sqlalchemy as sa

        schema = f"bench_catalog_{os.getpid()}"
        admin = sa.create_engine(pg)
        with admin.begin() as c:
            c.execute(sa.text(f'create schema "{schema}"'))
        try:
            url = sa.engine.make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
            out["postgresql"] = run(url.render_as_string(hide_password=False))
        finally:
            with admin.begin() as c:
                c.execute(sa.text(f'drop schema "{schema}" cascade'))
    except Exception as exc:  # noqa: BLE001 - report, do not hide
        out["postgresql"] = {"error": f"{type(exc).__name__}: {exc}"}
    path = ROOT / "benchmarks" / "results" / "catalog_local.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
