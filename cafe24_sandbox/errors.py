"""Cafe24's error envelope: `{"error": {"code": 422, "message": "...", "more_info": {}}}`."""

from __future__ import annotations

from typing import Any

from cafe24_sandbox.responses import FastJSONResponse as JSONResponse


class ApiError(Exception):
    """Raised by handlers; rendered as Cafe24's error envelope with the HTTP status as `code`."""

    def __init__(self, status: int, message: str, more_info: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.more_info = more_info

    def body(self) -> dict[str, Any]:
        inner: dict[str, Any] = {"code": self.status, "message": self.message}
        if self.more_info is not None:
            inner["more_info"] = self.more_info
        return {"error": inner}


def error_response(
    status: int, message: str, *, more_info: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(ApiError(status, message, more_info).body(), status_code=status, headers=headers)


def invalid(parameter: str, message: str | None = None) -> ApiError:
    """422 naming the parameter the way Cafe24 does: `... (parameter.limit)`."""
    text = message or "An invalid request is entered."
    return ApiError(422, f"{text} (parameter.{parameter})", {})


def not_found(what: str = "resource") -> ApiError:
    return ApiError(404, f"No {what} found.", {})
