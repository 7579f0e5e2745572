"""Stream the `products` sheet of an uploaded workbook, row by row, in bounded memory.

openpyxl's read-only mode parses the sheet XML as it goes (memory does not grow with the row count); formulas are
read as formulas (`data_only=False`) so they can be refused with a reason instead of silently taking a cached value.
Everything about the file as a whole is checked before the first row is given out (see workbook_file.py), so a
caller either gets a `BulkFileError` with one sentence for the seller, or rows.

Rows keep their Excel row number. Blank rows are skipped wherever they are (a blank row in the middle is not the
end of the data); a row is blank when every template column is (a note in an extra column does not make a
product). Values are given as read, with formulas and error cells as `Formula` / `ExcelError` markers.
"""

from __future__ import annotations

import gc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import openpyxl
from openpyxl.cell.read_only import EmptyCell

from cafe24_pipeline.bulk.cells import ExcelError, Formula, is_blank
from cafe24_pipeline.bulk.columns import COLUMNS, DEFAULT_LIMITS, HEADER_LOOKUP, REPORT_KEYS, normalize_header
from cafe24_pipeline.bulk.errors import BulkFileError
from cafe24_pipeline.bulk.workbook_file import check_sizes, merged_ranges, sheet_part, sniff

SHEET_NAME = "products"
ProgressCallback = Callable[[int], None]
PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One non-blank data row: its Excel row number and its cells as read, one per header position."""

    row_number: int
    values: tuple[Any, ...]


class ProductsSheet:
    """An opened, checked `products` sheet. Use as a context manager; `rows()` streams it."""

    def __init__(
        self,
        path: Path,
        workbook: Any,
        worksheet: Any,
        headers: tuple[str, ...],
        keys: tuple[str | None, ...],
        max_rows: int,
        handle: Any = None,
    ) -> None:
        self.path = path
        self.headers = headers
        """Header texts as written in row 1, one per column position (blank headers as '')."""
        self.keys = keys
        """Template column key per position; None for a column that is not in the template (ignored)."""
        self._workbook = workbook
        self._worksheet = worksheet
        self._max_rows = max_rows
        self._handle = handle

    def position(self, key: str) -> int | None:
        try:
            return self.keys.index(key)
        except ValueError:
            return None

    def rows(
        self,
        on_progress: ProgressCallback | None = None,
        *,
        progress_every: int = PROGRESS_EVERY,
    ) -> Iterator[SheetRow]:
        """Yield the non-blank data rows; `on_progress(rows_read)` every `progress_every` rows and at the end."""
        width = len(self.headers)
        template_positions = [i for i, key in enumerate(self.keys) if key is not None]
        read = 0
        try:
            cells_by_row = self._worksheet.iter_rows(min_row=2, max_col=width)
            for row_number, cells in enumerate(cells_by_row, start=2):
                values = tuple(_value(cell) for cell in cells)
                if all(is_blank(values[i]) for i in template_positions if i < len(values)):
                    continue  # nothing in any template column: a blank row, or only a note beside the data
                read += 1
                if read > self._max_rows:
                    raise BulkFileError(f"The products sheet has more than {self._max_rows:,} rows; split it into several files.")
                if on_progress is not None and read % progress_every == 0:
                    on_progress(read)
                yield SheetRow(row_number, values + (None,) * (width - len(values)))
        except BulkFileError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as exc:
            raise BulkFileError(
                f"{self.path.name} is damaged and could not be read to the end "
                f"({type(exc).__name__}); save the workbook again and upload it."
            ) from None
        if on_progress is not None:
            on_progress(read)

    def close(self) -> None:
        self._workbook.close()
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_products_sheet(path: str | Path, *, max_rows: int = DEFAULT_LIMITS.max_rows) -> ProductsSheet:
    """Check the file and its `products` sheet; raise BulkFileError with a seller-readable sentence if unusable."""
    path = Path(path)
    sniff(path)
    handle = path.open("rb")  # a file object: the content decides, not the name (an .xlsx saved as "x.xls")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False, keep_links=False)
        # A sheet without <dimension> (some writers omit it) makes openpyxl parse it whole to size it, leaving a
        # reference cycle holding every parsed row element; collect it now rather than for the whole upload.
        gc.collect()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises a zoo of types for a broken package
        handle.close()
        raise BulkFileError(
            f"{path.name} could not be opened as an Excel workbook ({type(exc).__name__}); save it again as .xlsx and upload it."
        ) from None
    try:
        worksheet = _products_worksheet(path, workbook)
        part = _worksheet_part(path, workbook, worksheet)
        with zipfile.ZipFile(path) as archive:
            check_sizes(archive, part)
            merges = merged_ranges(archive, part)
        if merges:
            more = ", …" if len(merges) >= 5 else ""
            raise BulkFileError(
                f"The products sheet has merged cells ({', '.join(merges)}{more}); unmerge them "
                "(Home › Merge & Center › Unmerge Cells) and fill the value into every row."
            )
        worksheet.reset_dimensions()  # a wrong <dimension> must not pad or cut the rows
        headers, keys = _headers(worksheet)
        return ProductsSheet(path, workbook, worksheet, headers, keys, max_rows, handle)
    except BulkFileError:
        workbook.close()
        handle.close()
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        workbook.close()
        handle.close()
        raise BulkFileError(f"{path.name} is damaged ({type(exc).__name__}); save the workbook again and upload it.") from None


def _products_worksheet(path: Path, workbook: Any) -> Any:
    wanted = normalize_header(SHEET_NAME)
    for title in workbook.sheetnames:
        if normalize_header(title) == wanted:
            sheet = workbook[title]
            if not hasattr(sheet, "iter_rows"):
                raise BulkFileError(f'The "{title}" sheet of {path.name} is a chart, not a table of products.')
            return sheet
    found = ", ".join(f'"{t}"' for t in workbook.sheetnames[:6]) or "none"
    raise BulkFileError(
        f'{path.name} has no "{SHEET_NAME}" sheet (it has {found}); fill in the template from '
        f'"cafe24-pipeline bulk template", or rename your sheet to "{SHEET_NAME}".'
    )


def _worksheet_part(path: Path, workbook: Any, worksheet: Any) -> str:
    with zipfile.ZipFile(path) as archive:
        part = sheet_part(archive, worksheet.title)
        if part is None or part not in archive.namelist():
            part = getattr(worksheet, "_worksheet_path", None)
        if part is None or part not in archive.namelist():
            raise BulkFileError(f"{path.name} is damaged (the products sheet's data is missing); save it again.")
    return part


def _headers(worksheet: Any) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    header_rows = worksheet.iter_rows(min_row=1, max_row=1)
    first = next(header_rows, ())
    header_rows.close()  # a suspended parser would keep its XML state alive for the whole upload
    texts = ["" if _value(c) is None else str(_value(c)).strip() for c in first]
    while texts and not texts[-1]:
        texts.pop()
    keys: list[str | None] = []
    seen: dict[str, int] = {}
    unknown: list[str] = []
    for position, text in enumerate(texts):
        key = HEADER_LOOKUP.get(normalize_header(text)) if text else None
        if key in REPORT_KEYS:
            key = None  # a result workbook uploaded again: its status/reason columns are not input
        elif key is None and text:
            unknown.append(text)
        if key is not None and key in seen:
            raise BulkFileError(
                f"Column {key} appears twice in row 1 (columns {_letter(seen[key])} and {_letter(position)}); keep one."
            )
        if key is not None:
            seen[key] = position
        keys.append(key)
    missing = [c.key for c in COLUMNS if c.required_header and c.key not in seen]
    if not texts:
        raise BulkFileError(
            "Row 1 of the products sheet is empty; it must hold the template's column names (sku, name, selling_price, …)."
        )
    if missing:
        hint = f" (row 1 has {', '.join(repr(u) for u in unknown[:5])}, which the template does not know)" if unknown else ""
        raise BulkFileError(
            f"The products sheet is missing the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}{hint}; row 1 must keep the template's column names."
        )
    return tuple(texts), tuple(keys)


def _value(cell: Any) -> Any:
    if cell is None or isinstance(cell, EmptyCell):
        return None
    data_type = getattr(cell, "data_type", None)
    value = cell.value
    if data_type == "f":
        text = getattr(value, "text", None) or str(value)  # ArrayFormula keeps its text in .text
        return Formula(text if text.startswith("=") else f"={text}")
    if data_type == "e":
        return ExcelError(str(value))
    return value


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)
