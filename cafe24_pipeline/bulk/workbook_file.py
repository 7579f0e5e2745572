"""Look at an uploaded file before openpyxl does: what it really is, where its sheet lives, whether cells are merged.

Sellers upload whatever their tools produced: CSVs and PDFs renamed to .xlsx, password-protected workbooks (an
OLE compound file, not a zip), old .xls, .xlsb, OpenDocument, HTML exports. openpyxl's own errors for these are
tracebacks about zip headers; here each gets one sentence that says what to do.

Merged cells: openpyxl's read-only mode (the only mode with bounded memory) does not parse `<mergeCells>`, and
the full mode builds the whole sheet in memory. The sheet XML is scanned here instead: a byte search for
`mergeCell` over the decompressed stream (a C-speed scan; no merge in the sheet means no XML parsing at all), and
only when it is found, an expat pass that collects the ranges. Memory stays at one chunk either way.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from xml.parsers import expat

from cafe24_pipeline.bulk.errors import BulkFileError

OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 20
MAX_SHEET_BYTES = 1 << 30  # decompressed worksheet XML; far above 50,000 rows (about 40 MB)
MAX_SHARED_STRINGS_BYTES = 256 << 20  # openpyxl keeps the shared strings in memory
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SAVE_AS = "open it in Excel and use File › Save As › Excel Workbook (.xlsx)"


def sniff(path: Path) -> None:
    """Raise BulkFileError unless `path` is a readable OOXML spreadsheet (.xlsx / .xlsm)."""
    if not path.exists():
        raise BulkFileError(f"{path.name}: file not found.")
    if path.is_dir():
        raise BulkFileError(f"{path.name} is a folder, not an Excel file.")
    size = path.stat().st_size
    if size == 0:
        raise BulkFileError(f"{path.name} is empty (0 bytes); save the workbook again and upload it.")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(OLE_SIGNATURE):
        if _contains(path, _ENCRYPTED_STREAM):
            raise BulkFileError(
                f"{path.name} is password-protected. Remove the password in Excel (File › Info › Protect Workbook › "
                "Encrypt with Password, clear it), save, and upload again."
            )
        raise BulkFileError(f"{path.name} is an old Excel 97-2003 (.xls) file; {_SAVE_AS}.")
    if head.startswith(b"%PDF"):
        raise BulkFileError(f"{path.name} is a PDF, not an Excel workbook; upload the .xlsx template instead.")
    if not head.startswith(ZIP_SIGNATURES):
        raise BulkFileError(f"{path.name} is {_describe_non_zip(head)}, not an Excel workbook; {_SAVE_AS}.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            kind = _describe_zip(archive, names)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BulkFileError(f"{path.name} is damaged or incomplete; save the workbook again and upload it.") from None
    if kind is not None:
        raise BulkFileError(f"{path.name} is {kind}, not an .xlsx workbook; {_SAVE_AS}.")


def _contains(path: Path, needle: bytes) -> bool:
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _describe_non_zip(head: bytes) -> str:
    text = _as_text(head)
    if text is None:
        return "not a spreadsheet file"
    lowered = text.lstrip("\ufeff \r\n\t").lower()
    if lowered.startswith(("<!doctype html", "<html", "<table")):
        return "a web page (HTML) saved with an Excel name"
    if lowered.startswith("<?xml"):
        return "an XML file (perhaps Excel 2003 XML)"
    if any(sep in text for sep in (",", "\t", ";")):
        return "a CSV / text file renamed to .xlsx"
    return "a text file"


def _as_text(head: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp949", "utf-16"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if text and printable / len(text) > 0.95:
            return text
    return None


def _describe_zip(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """None for an OOXML workbook; otherwise what the zip is instead."""
    if "xl/workbook.xml" in names:
        return None
    if "xl/workbook.bin" in names:
        return "an Excel binary workbook (.xlsb)"
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint file"
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
        if "opendocument.spreadsheet" in mimetype:
            return "an OpenDocument spreadsheet (.ods)"
    return "a zip archive"


def sheet_part(archive: zipfile.ZipFile, title: str) -> str | None:
    """Zip member name of the worksheet called `title` (as openpyxl reports it), or None."""
    workbook_name = "xl/workbook.xml"
    rels_name = posixpath.join(posixpath.dirname(workbook_name), "_rels", "workbook.xml.rels")
    try:
        workbook = ET.fromstring(archive.read(workbook_name))
        rels = ET.fromstring(archive.read(rels_name))
    except (KeyError, ET.ParseError):
        return None
    rel_id = None
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet" and element.get("name") == title:
            rel_id = element.get(f"{{{_REL_NS}}}id")
            break
    for element in rels.iter():
        if element.tag.rsplit("}", 1)[-1] == "Relationship" and element.get("Id") == rel_id:
            target = element.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(posixpath.dirname(workbook_name), target))
    return None


def check_sizes(archive: zipfile.ZipFile, part: str) -> None:
    """Refuse decompression bombs before streaming: the sheet and the shared strings have a ceiling."""
    info = archive.getinfo(part)
    if info.file_size > MAX_SHEET_BYTES:
        raise BulkFileError(f"The products sheet is too large ({info.file_size // (1 << 20):,} MB uncompressed); split the file.")
    for name in archive.namelist():
        if name.endswith("sharedStrings.xml") and archive.getinfo(name).file_size > MAX_SHARED_STRINGS_BYTES:
            raise BulkFileError("The workbook holds too much text to read safely; split the file.")


def merged_ranges(archive: zipfile.ZipFile, part: str, *, limit: int = 5) -> list[str]:
    """The first `limit` merged ranges of the sheet (e.g. "A5:A7"); [] when nothing is merged."""
    needle = b"mergeCell"
    found = False
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            if needle in tail + chunk:
                found = True
                break
            tail = chunk[-len(needle) :]
    if not found:
        return []
    ranges: list[str] = []
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(":", 1)[-1] == "mergeCell" and len(ranges) < limit and attrs.get("ref"):
            ranges.append(attrs["ref"])

    parser.StartElementHandler = start
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise BulkFileError("The products sheet is damaged (its XML cannot be read); save the workbook again.") from None
    return ranges
