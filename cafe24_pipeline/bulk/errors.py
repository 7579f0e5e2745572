"""The one exception the bulk upload raises for a file it cannot use."""

from __future__ import annotations


class BulkFileError(Exception):
    """The uploaded file as a whole cannot be read; the message is one line a seller can act on.

    Row-level problems are never raised: they become row results. This is only for the file itself (not an
    Excel workbook, password-protected, no `products` sheet, missing columns, merged cells, too many rows).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
