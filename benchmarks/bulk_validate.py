"""Bulk upload throughput: read + validate + plan a 10,000-row workbook, and write its result workbook.

The file mixes single products and groups of 2–8 variants over two option axes, Hangul names, prices typed as
text on some rows, about 1% of rows with errors (so the error paths run), and 2,000 SKUs already "on Cafe24"
(so update planning runs). The file is written by openpyxl's write-only mode, which omits <dimension>, so
opening it costs openpyxl one extra parse of the sheet (Excel's own files carry it): a worst case.
Timings are without tracemalloc; memory is measured in separate passes:
- tracemalloc peak of `plan_upload` (Python allocations: the typed frame, results and plans grow with rows),
- tracemalloc peak of streaming the rows alone (after the file checks), at N and at 4×N rows: it grows by about
  70 bytes a row, the emptied XML element openpyxl's parser keeps per row, not by the rows' contents,
- the process's peak RSS (resource.getrusage, includes the interpreter, polars and pandera).

    .venv/bin/python benchmarks/bulk_validate.py [--rows 10000]

Writes benchmarks/results/bulk_validate.json. Not part of the test suite; run on demand.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl

from cafe24_pipeline.bulk import (
    COLUMNS,
    ExistingListing,
    dry_run_outcomes,
    open_products_sheet,
    plan_upload,
    write_report,
)

RESULTS = Path(__file__).parent / "results" / "bulk_validate.json"
COLORS = ["빨강", "파랑", "검정", "흰색", "Navy", "Beige", "Olive", "Grey"]
SIZES = ["XS", "S", "M", "L", "XL", "2XL"]
NOUNS = ["코튼 셔츠", "린넨 팬츠", "울 니트", "머그컵", "Canvas tote", "가죽 지갑", "Running cap"]


def generate(path: Path, rows: int, seed: int = 7) -> tuple[int, int, dict[str, ExistingListing]]:
    """Write `rows` data rows; return (products, bad rows, the SKUs 'already on Cafe24')."""
    rng = random.Random(seed)
    keys = [c.key for c in COLUMNS]
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(keys)
    written = products = bad = 0
    existing: dict[str, ExistingListing] = {}
    while written < rows:
        products += 1
        noun = rng.choice(NOUNS)
        price = rng.randrange(50, 900) * 100
        listed = len(existing) < 2000 and rng.random() < 0.25
        if rng.random() < 0.4 or rows - written < 2:
            sku = f"S{products:06d}"
            record = {
                "sku": sku,
                "name": f"{noun} {products}호",
                "selling_price": f"{price:,}" if products % 3 else price,
                "mrp": price + 5000,
                "supply_price": price // 2,
                "stock": rng.randrange(0, 200),
                "brand": "B000000A",
                "category": 27,
                "display": "T",
                "selling": "T",
                "image_url": f"https://cdn.example.com/p/{products}.jpg",
            }
            if rng.random() < 0.01:
                record["mrp"] = price - 100  # MRP below price: an error row
                bad += 1
            if listed:  # half of them already hold exactly the file's values (unchanged), half need new stock
                existing[sku] = ExistingListing(
                    products,
                    f"P{products:07d}000A",
                    sku,
                    price=Decimal(price),
                    product_name=record["name"],
                    retail_price=Decimal(record["mrp"]),
                    supply_price=Decimal(record["supply_price"]),
                    quantity=record["stock"] + (products % 2),
                    product_display=True,
                    product_selling=True,
                    display=True,
                    selling=True,
                    brand_code="B000000A",
                    category_nos=(27,),
                )
            sheet.append([record.get(k) for k in keys])
            written += 1
            continue
        parent = f"G{products:06d}"
        colors = rng.sample(COLORS, rng.randrange(1, 4))
        sizes = rng.sample(SIZES, rng.randrange(2, 4))
        combos = [(c, s) for c in colors for s in sizes][: min(8, rows - written)]
        for index, (color, size) in enumerate(combos):
            sku = f"{parent}-{index:02d}"
            record = {
                "sku": sku,
                "parent_sku": parent,
                "name": f"{noun} {products}호" if index == 0 else None,
                "option_1_name": "색상",
                "option_1_value": color,
                "option_2_name": "사이즈",
                "option_2_value": size,
                "selling_price": price + 1000 * (index % 3),
                "mrp": price + 10000 if index == 0 else None,
                "stock": rng.randrange(0, 50),
                "display": "T",
                "selling": "T",
            }
            if rng.random() < 0.01:
                record["stock"] = -1  # an error row: rejects its whole group
                bad += 1
            if listed:
                existing[sku] = ExistingListing(
                    products,
                    f"P{products:07d}{index:04d}",
                    parent,
                    has_option=True,
                    options=(("색상", color), ("사이즈", size)),
                    price=Decimal(price),
                    additional_amount=Decimal(1000 * (index % 3)),
                )
            sheet.append([record.get(k) for k in keys])
            written += 1
    workbook.save(path)
    return products, bad, existing


def stream_only(path: Path) -> int:
    with open_products_sheet(path, max_rows=10**9) as sheet:
        if tracemalloc.is_tracing():
            tracemalloc.reset_peak()  # the rows alone, not the checks made on open
        return sum(1 for _ in sheet.rows())


def traced_peak(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "upload.xlsx"
        started = time.perf_counter()
        products, bad, existing = generate(source, args.rows)
        generate_s = time.perf_counter() - started
        big = folder / "upload_x4.xlsx"
        generate(big, args.rows * 4, seed=8)

        progress: list[int] = []
        started = time.perf_counter()
        plan = plan_upload(source, existing=existing, on_progress=progress.append)
        plan_s = time.perf_counter() - started

        started = time.perf_counter()
        streamed = stream_only(source)
        stream_s = time.perf_counter() - started

        started = time.perf_counter()
        write_report(source, dry_run_outcomes(plan), folder / "result.xlsx")
        report_s = time.perf_counter() - started

        plan_peak = traced_peak(plan_upload, source, existing=existing)
        stream_peak = traced_peak(stream_only, source)
        stream_peak_x4 = traced_peak(stream_only, big)
        report_peak = traced_peak(write_report, source, dry_run_outcomes(plan), folder / "result2.xlsx")
        file_mb = source.stat().st_size / 2**20

    counts = plan.counts()
    result = {
        "benchmark": "bulk_validate",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "rows": args.rows,
        "products": products,
        "file_mb": round(file_mb, 2),
        "seeded_error_rows": bad,
        "existing_skus": len(existing),
        "outcome_rows": counts,
        "plans": len(plan.plans),
        "progress_callbacks": len(progress),
        "seconds": {
            "generate_file": round(generate_s, 3),
            "read_validate_plan": round(plan_s, 3),
            "stream_rows_only": round(stream_s, 3),
            "write_report": round(report_s, 3),
        },
        "rows_per_second": {
            "read_validate_plan": round(args.rows / plan_s),
            "stream_rows_only": round(streamed / stream_s),
            "write_report": round(args.rows / report_s),
        },
        "peak_memory_mb": {
            "read_validate_plan_tracemalloc": round(plan_peak, 1),
            "stream_rows_tracemalloc": round(stream_peak, 1),
            f"stream_rows_tracemalloc_{args.rows * 4}_rows": round(stream_peak_x4, 1),
            "write_report_tracemalloc": round(report_peak, 1),
            "process_max_rss": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(
        f"{args.rows:,} rows ({products:,} products, {counts['error']:,} error rows): read+validate+plan "
        f"{plan_s:.2f} s = {args.rows / plan_s:,.0f} rows/s; report {report_s:.2f} s; "
        f"peak {plan_peak:.1f} MB traced (streaming alone {stream_peak:.1f} MB at {args.rows:,} rows, "
        f"{stream_peak_x4:.1f} MB at {args.rows * 4:,})"
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
