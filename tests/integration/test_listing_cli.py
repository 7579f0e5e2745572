"""`cafe24-pipeline bulk template|upload` and `products add` as a seller runs them, against the sandbox over HTTP
(the CLI in process, running bulk_upload_job / product_add_job on a persistent Dagster home)."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from typer.testing import CliRunner

from cafe24_pipeline.cli import app
from tests.fixtures.sandbox import sandbox_client
from tests.integration.catalog_support import MALL, cli_world
from tests.integration.listing_support import fill_template, single, variant

runner = CliRunner()


@pytest.fixture()
def world(sandbox_factory, tmp_path, monkeypatch):
    return cli_world(sandbox_factory, tmp_path, monkeypatch)


def _by_code(world, code: str) -> list[dict]:
    with sandbox_client(world.server, MALL) as http:
        body = http.get("products", params={"custom_product_code": code, "embed": "variants", "limit": 100}).json()
    return [p for p in body["products"] if p["custom_product_code"] == code]


def test_template_with_the_malls_brands_and_categories(world, tmp_path):
    out = tmp_path / "template.xlsx"
    result = runner.invoke(app, ["bulk", "template", str(out), "--mall", MALL])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert {"instructions", "products", "lists"} <= set(book.sheetnames)
    assert book["lists"].max_row > 1  # the synced brands / categories fill the dropdowns

    unknown = runner.invoke(app, ["bulk", "template", str(tmp_path / "x.xlsx"), "--mall", "nosuchmall"])
    assert unknown.exit_code == 2 and "not connected" in unknown.output and "Traceback" not in unknown.output


def test_dry_run_then_upload_then_rerun(world, tmp_path):
    path = fill_template(
        tmp_path / "listing.xlsx",
        [
            single("CLI-MUG"),
            variant("CLI-RED-S", "CLI-TS", "빨강", "S"),
            variant("CLI-RED-M", "CLI-TS", "빨강", "M"),
            single("CLI-BAD", selling_price=10000, mrp=9000),
        ],
    )
    writes = world.control("GET", "stats")["total_writes"]
    dry = runner.invoke(app, ["bulk", "upload", str(path), "--dry-run"])
    assert dry.exit_code == 1, dry.output  # a row is in error
    assert "would_create" in dry.output and "row 5: MRP 9,000 is lower than the selling price 10,000" in dry.output
    assert "nothing was sent or written" in dry.output
    assert world.control("GET", "stats")["total_writes"] == writes
    assert world.store.read_table("bulk_uploads").height == 0 and _by_code(world, "CLI-MUG") == []

    done = runner.invoke(app, ["bulk", "upload", str(path)])
    assert done.exit_code == 1, done.output
    assert "created 3" in done.output and "error 1" in done.output and "row 5: MRP 9,000" in done.output
    report = tmp_path / "listing.result.xlsx"
    sheet = openpyxl.load_workbook(report)["products"]
    statuses = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses == ["created", "created", "created", "error"]
    [shirt] = _by_code(world, "CLI-TS")
    assert {v["custom_variant_code"] for v in shirt["variants"]} == {"CLI-RED-S", "CLI-RED-M"}

    ok_path = fill_template(
        tmp_path / "again.xlsx",
        [single("CLI-MUG"), variant("CLI-RED-S", "CLI-TS", "빨강", "S"), variant("CLI-RED-M", "CLI-TS", "빨강", "M")],
    )
    again = runner.invoke(app, ["bulk", "upload", str(ok_path)])
    assert again.exit_code == 0, again.output
    assert "unchanged 3" in again.output and len(_by_code(world, "CLI-TS")) == 1


def test_broken_files_and_unknown_malls_get_one_line(world, tmp_path):
    csv = tmp_path / "upload.xlsx"
    csv.write_text("sku,name,selling_price\nA,B,1000\n")
    result = runner.invoke(app, ["bulk", "upload", str(csv)])
    assert result.exit_code == 1 and "upload.xlsx is a CSV" in result.output and "Traceback" not in result.output
    pdf = tmp_path / "scan.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    merged = fill_template(tmp_path / "merged.xlsx", [single("M-1"), single("M-2")])
    book = openpyxl.load_workbook(merged)
    book["products"].merge_cells("C2:C3")
    book.save(merged)
    headless = tmp_path / "headless.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "products"
    book.active.append(["sku", "name", "판매가격"])
    book.active.append(["H-1", "x", 100])
    book.save(headless)
    for path, message in (
        (pdf, "scan.xlsx is a PDF"),
        (merged, "merged cells (C2:C3)"),
        (headless, "missing the column selling_price"),
    ):
        hostile = runner.invoke(app, ["bulk", "upload", str(path)])
        assert hostile.exit_code == 1 and message in hostile.output, hostile.output
        assert "Traceback" not in hostile.output and len(hostile.output.strip().splitlines()) <= 3
    missing = runner.invoke(app, ["bulk", "upload", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    path = fill_template(tmp_path / "ok.xlsx", [single("X-1")])
    unknown = runner.invoke(app, ["bulk", "upload", str(path), "--mall", "othermall"])
    assert unknown.exit_code == 2 and "'othermall' is not connected" in unknown.output
    assert world.store.read_table("bulk_uploads").height == 0


def test_products_add_single_and_group(world, tmp_path):
    one = runner.invoke(
        app,
        [
            "products",
            "add",
            "--sku",
            "ADD-1",
            "--name",
            "텀블러",
            "--price",
            "15,000",
            "--mrp",
            "18000",
            "--stock",
            "9",
            "--display",
            "--selling",
        ],
    )
    assert one.exit_code == 0, one.output
    [tumbler] = _by_code(world, "ADD-1")
    assert Decimal(tumbler["price"]) == 15000 and tumbler["display"] == "T"
    same = runner.invoke(
        app,
        [
            "products",
            "add",
            "--sku",
            "ADD-1",
            "--name",
            "텀블러",
            "--price",
            "15000",
            "--mrp",
            "18000",
            "--stock",
            "9",
            "--display",
            "--selling",
        ],
    )
    assert same.exit_code == 0 and "0 created, 0 updated, 1 unchanged" in same.output, same.output
    assert len(_by_code(world, "ADD-1")) == 1

    group = runner.invoke(
        app,
        [
            "products",
            "add",
            "--sku",
            "ADD-TS",
            "--name",
            "후디",
            "--price",
            "39000",
            "--stock",
            "4",
            "--option",
            "Color=Red,Blue",
            "--option",
            "Size=S,M",
        ],
    )
    assert group.exit_code == 0, group.output
    [hoodie] = _by_code(world, "ADD-TS")
    assert {v["custom_variant_code"] for v in hoodie["variants"]} == {
        "ADD-TS-Red-S",
        "ADD-TS-Red-M",
        "ADD-TS-Blue-S",
        "ADD-TS-Blue-M",
    }
    assert hoodie["display"] == "F"  # not asked to display: hidden, not for sale

    dry = runner.invoke(app, ["products", "add", "--sku", "ADD-2", "--name", "x", "--price", "100", "--dry-run"])
    assert dry.exit_code == 0 and "would_create" in dry.output and _by_code(world, "ADD-2") == []

    bad = runner.invoke(app, ["products", "add", "--sku", "ADD-3", "--name", "x", "--price", "10000", "--mrp", "9000"])
    assert bad.exit_code == 1 and "MRP 9,000 is lower than the selling price 10,000" in bad.output
    assert _by_code(world, "ADD-3") == [] and "Traceback" not in bad.output
    option = runner.invoke(app, ["products", "add", "--sku", "ADD-4", "--name", "x", "--price", "1", "--option", "Color"])
    assert option.exit_code == 2 and "NAME=VALUE" in option.output
