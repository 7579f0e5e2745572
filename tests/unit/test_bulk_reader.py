"""The streaming reader against hostile files: each gets one sentence, never a traceback; good rows stream."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import pytest

from cafe24_pipeline.bulk import BulkFileError, open_products_sheet, plan_upload
from cafe24_pipeline.bulk.cells import Formula
from cafe24_pipeline.bulk.workbook_file import OLE_SIGNATURE
from tests.unit.test_bulk_support import HEADERS, single, variant, write_rows


def _error(path: Path) -> str:
    with pytest.raises(BulkFileError) as caught:
        open_products_sheet(path).close()
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_csv_renamed_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "upload.xlsx"
    path.write_text("sku,name,selling_price\nA-1,머그컵,10000\n", encoding="utf-8")
    assert _error(path) == (
        "upload.xlsx is a CSV / text file renamed to .xlsx, not an Excel workbook; open it in "
        "Excel and use File › Save As › Excel Workbook (.xlsx)."
    )


def test_pdf_renamed_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert "catalogue.xlsx is a PDF, not an Excel workbook" in _error(path)


def test_password_protected_workbook(tmp_path: Path) -> None:
    plain = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.title = "products"
    workbook.active.append(HEADERS)
    workbook.save(plain)
    plain.seek(0)
    path = tmp_path / "secret.xlsx"
    with path.open("wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("pa55word", out)
    assert path.read_bytes()[:8] == OLE_SIGNATURE
    message = _error(path)
    assert message.startswith("secret.xlsx is password-protected. Remove the password in Excel")


def test_old_xls_is_told_to_save_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(OLE_SIGNATURE + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1000)
    assert "old.xlsx is an old Excel 97-2003 (.xls) file" in _error(path)


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert "empty.xlsx is empty (0 bytes)" in _error(empty)
    assert "nothere.xlsx: file not found." == _error(tmp_path / "nothere.xlsx")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff")
    assert "photos.xlsx is a zip archive, not an .xlsx workbook" in _error(path)
    word = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "letter.xlsx is a Word document" in _error(word)


def test_truncated_workbook_is_damaged(tmp_path: Path) -> None:
    good = write_rows(tmp_path / "good.xlsx", [single("A")])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "broken.xlsx is damaged or incomplete" in _error(broken)


def test_missing_products_sheet_names_the_sheets_found(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.xlsx", [single("A")], sheet="Sheet1")
    assert _error(path) == (
        's.xlsx has no "products" sheet (it has "Sheet1"); fill in the template from '
        '"cafe24-pipeline bulk template", or rename your sheet to "products".'
    )


def test_sheet_name_match_ignores_case_and_spaces(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.xlsx", [single("A")], sheet=" Products ")
    with open_products_sheet(path) as sheet:
        assert [r.row_number for r in sheet.rows()] == [2]


def test_renamed_required_header_is_named(tmp_path: Path) -> None:
    headers = ["sku" if h == "sku" else ("price" if h == "selling_price" else h) for h in HEADERS]
    headers = ["판매가격" if h == "price" else h for h in headers]
    path = write_rows(tmp_path / "h.xlsx", [single("A")], headers=headers)
    assert _error(path) == (
        "The products sheet is missing the column selling_price (row 1 has '판매가격', which the "
        "template does not know); row 1 must keep the template's column names."
    )


def test_missing_several_headers(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "h.xlsx", [{"sku": "A"}], headers=["sku", "stock"])
    assert "missing the columns name, selling_price;" in _error(path)


def test_duplicate_header(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "h.xlsx", [single("A")], headers=[*HEADERS, "SKU"])
    assert "Column sku appears twice in row 1 (columns A and" in _error(path)


def test_korean_headers_and_extra_columns_are_accepted(tmp_path: Path) -> None:
    headers = ["품목코드", "상품명", "판매가", "메모"]
    path = write_rows(
        tmp_path / "k.xlsx", [{"품목코드": "K-1", "상품명": "김치", "판매가": 9000, "메모": "note"}], headers=headers
    )
    with open_products_sheet(path) as sheet:
        assert sheet.keys == ("sku", "name", "selling_price", None)
        assert sheet.headers == tuple(headers)


def test_merged_cells_are_refused_with_their_ranges(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "m.xlsx", [variant("R", "P", "Red"), variant("B", "P", "Blue")])
    workbook = openpyxl.load_workbook(path)
    workbook["products"].merge_cells("B2:B3")
    workbook.save(path)
    assert _error(path) == (
        "The products sheet has merged cells (B2:B3); unmerge them (Home › Merge & Center › "
        "Unmerge Cells) and fill the value into every row."
    )


def test_merges_on_other_sheets_do_not_matter(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "m.xlsx", [single("A")])
    workbook = openpyxl.load_workbook(path)
    notes = workbook.create_sheet("notes")
    notes["A1"] = "title"
    notes.merge_cells("A1:D1")
    workbook.save(path)
    with open_products_sheet(path) as sheet:
        assert len(list(sheet.rows())) == 1


def test_formula_cells_are_markers_and_rejected_with_the_row(tmp_path: Path) -> None:
    rows = [
        single("A", selling_price=10000),
        single("B", selling_price=10000),
        single("C"),
        single("D"),
        single("E", mrp="=B2*1.2"),
    ]
    path = write_rows(tmp_path / "f.xlsx", rows)
    with open_products_sheet(path) as sheet:
        values = [r.values[sheet.position("mrp")] for r in sheet.rows()]
    assert values[-1] == Formula("=B2*1.2")
    plan = plan_upload(path)
    assert plan.error_rows[0].reasons == (
        "row 6: column mrp holds a formula (=B2*1.2); paste values instead (Paste Special › Values)",
    )


def test_numbers_stored_as_text_are_accepted(tmp_path: Path) -> None:
    rows = [single("A", selling_price="10,000", mrp=" 12000 ", stock="７"), single("B", selling_price="₩9,900원")]
    plan = plan_upload(write_rows(tmp_path / "t.xlsx", rows))
    assert not plan.error_rows
    by_sku = {p.key: p for p in plan.plans}
    assert str(by_sku["A"].price) == "10000" and str(by_sku["A"].retail_price) == "12000"
    assert by_sku["A"].variants[0].stock == 7
    assert str(by_sku["B"].price) == "9900"


def test_dates_in_number_cells_are_rejected_with_a_reason(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.xlsx", [single("A", stock=dt.datetime(2024, 1, 5))])
    plan = plan_upload(path)
    assert plan.rows[0].reasons == (("row 2: column stock holds a date (2024-01-05), not a number; type the number itself"),)


def test_date_in_an_option_value_says_excel_changed_it(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "d.xlsx", [variant("A", "P", "Red", option_1_value=dt.datetime(2024, 1, 2))])
    reasons = plan_upload(path).rows[0].reasons
    assert reasons[0].startswith(
        "row 2: column option_1_value holds a date (2024-01-02): Excel turned what was typed into a date"
    )


def test_blank_rows_in_the_middle_are_skipped_not_the_end(tmp_path: Path) -> None:
    rows = [single("A"), None, None, {"name": "   "}, single("B"), None, single("C"), {"memo": "checked by 민지"}]
    path = write_rows(tmp_path / "b.xlsx", rows, headers=[*HEADERS, "memo"])
    with open_products_sheet(path) as sheet:
        assert [r.row_number for r in sheet.rows()] == [2, 6, 8]


def test_trailing_formatted_empty_rows_and_a_lying_dimension(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "e.xlsx", [single("A"), single("B")])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["products"]
    for row in range(4, 400):
        sheet.cell(row=row, column=1).number_format = "@"  # styled but empty cells, as Excel leaves them
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        contents = {n: archive.read(n) for n in archive.namelist()}
    sheet_xml = contents["xl/worksheets/sheet1.xml"].decode()
    start = sheet_xml.index('<dimension ref="') + len('<dimension ref="')
    end = sheet_xml.index('"', start)
    contents["xl/worksheets/sheet1.xml"] = (sheet_xml[:start] + "A1:B2" + sheet_xml[end:]).encode()  # too small
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    with open_products_sheet(path) as sheet:
        rows = list(sheet.rows())
    assert [r.row_number for r in rows] == [2, 3]
    assert rows[0].values[sheet.position("selling")] == "T"  # a too-small dimension does not cut columns


def test_progress_is_reported(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "p.xlsx", [single(f"S{i}") for i in range(25)])
    seen: list[int] = []
    with open_products_sheet(path) as sheet:
        list(sheet.rows(seen.append, progress_every=10))
    assert seen == [10, 20, 25]


def test_too_many_rows(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "big.xlsx", [single(f"S{i}") for i in range(6)])
    with open_products_sheet(path, max_rows=5) as sheet, pytest.raises(BulkFileError) as caught:
        list(sheet.rows())
    assert str(caught.value) == "The products sheet has more than 5 rows; split it into several files."


def test_header_only_sheet_has_no_rows(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "h.xlsx", [])
    with pytest.raises(BulkFileError) as caught:
        plan_upload(path)
    assert str(caught.value) == ("The products sheet of h.xlsx has no rows below the header; fill in one row per SKU.")


def test_excel_error_cells_are_reported(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "x.xlsx", [single("A")])
    workbook = openpyxl.load_workbook(path)
    cell = workbook["products"].cell(row=2, column=HEADERS.index("mrp") + 1)
    cell.value = "#N/A"
    cell.data_type = "e"
    workbook.save(path)
    assert plan_upload(path).rows[0].reasons == ("row 2: column mrp holds the Excel error #N/A",)


def test_content_decides_not_the_file_name(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "export.xls", [single("A")])  # a real .xlsx under an .xls name
    with open_products_sheet(path) as sheet:
        assert [r.row_number for r in sheet.rows()] == [2]
