"""Typed errors of the Cafe24 client.

Callers branch on the type (retry later, stop the mall, skip one record), never on message text.
Messages are safe to log: no error here ever carries a token or the client secret.
"""

from __future__ import annotations


class Cafe24Error(Exception):
    """Base class of everything the Cafe24 client raises on purpose."""


class Cafe24ApiError(Cafe24Error):
    """Cafe24 answered with an error status; `code`/`message` come from its error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int | str | None = None,
        method: str | None = None,
        path: str | None = None,
        mall_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code if code is not None else status
        self.message = message
        self.method = method
        self.path = path
        self.mall_id = mall_id
        where = f"{method} {path}" if method and path else (path or "request")
        mall = f" [mall {mall_id}]" if mall_id else ""
        super().__init__(f"Cafe24 {status} on {where}{mall}: {message}")


class RateLimited(Cafe24ApiError):
    """Still rate limited (429 or a usage-quota block) when the total wait budget ran out."""


class ApiVersionUnavailable(Cafe24ApiError):
    """The `X-Cafe24-Api-Version` we send is not available; `default_version` is what Cafe24 suggests."""

    def __init__(self, *args, requested_version: str | None = None, default_version: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested_version = requested_version
        self.default_version = default_version

    def __str__(self) -> str:  # a clear, actionable message
        hint = (
            f" Cafe24 says the app's default version is {self.default_version}; set CAFE24_API_VERSION={self.default_version}"
            if self.default_version
            else " Set CAFE24_API_VERSION to a version listed in the Cafe24 Developer Center."
        )
        return f"Cafe24 API version {self.requested_version or '?'} is not available [mall {self.mall_id}].{hint}"


class InsufficientScope(Cafe24ApiError):
    """403: the token lacks the scope this call needs (re-authorize with more scopes)."""


class NotFound(Cafe24ApiError):
    """404: unknown resource or endpoint."""


class ReauthRequired(Cafe24Error):
    """The mall's refresh token was rejected or has expired: only a new consent (connect) helps.

    Raised instead of retrying, so a dead token never spins in a loop. The connection row is
    marked `reauth_required` before this is raised.
    """

    def __init__(self, mall_id: str, reason: str) -> None:
        self.mall_id = mall_id
        self.reason = reason
        super().__init__(
            f"Mall {mall_id!r} must be re-authorized ({reason}). "
            f"Run `cafe24-pipeline authorize-url {mall_id} --redirect-uri URI`, open it in a browser, then "
            f"`cafe24-pipeline connect {mall_id} --code CODE --redirect-uri URI`."
        )


class NotConnected(Cafe24Error):
    """No stored tokens for this mall: it has never been connected (or was disconnected)."""

    def __init__(self, mall_id: str) -> None:
        self.mall_id = mall_id
        super().__init__(f"Mall {mall_id!r} is not connected. Run `cafe24-pipeline connect {mall_id} ...` first.")


class TokenExchangeError(Cafe24Error):
    """The OAuth token endpoint refused a code exchange or refresh (OAuth-style error body)."""

    def __init__(self, status: int, error: str | None, description: str | None, *, grant_type: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        self.grant_type = grant_type
        super().__init__(
            f"Cafe24 token endpoint refused the {grant_type} grant ({status}): "
            f"{error or 'error'}{': ' + description if description else ''}"
        )

    @property
    def is_permanent(self) -> bool:
        """A rejected grant (used/expired/revoked token, bad client) never succeeds on retry."""
        return self.status in (400, 401, 403) or (self.error or "") in {
            "invalid_grant",
            "invalid_client",
            "invalid_request",
            "unauthorized_client",
        }


class MalformedRecord(Cafe24Error):
    """One record of a response could not be parsed; the rest of the page is still usable."""

    def __init__(self, kind: str, record_id: object, reason: str) -> None:
        self.kind = kind
        self.record_id = record_id
        self.reason = reason
        super().__init__(f"malformed {kind} {record_id if record_id is not None else '(no id)'}: {reason}")

    def as_issue(self) -> dict[str, object]:
        """A plain dict for metadata / logs: kind, id, reason."""
        return {"kind": self.kind, "id": None if self.record_id is None else str(self.record_id), "reason": self.reason}


class ResponseShapeError(Cafe24Error):
    """A whole response did not have the expected envelope (e.g. no `products` list)."""


class WriteOutcomeUnknown(Cafe24Error):
    """A write that must not be repeated blindly (a create) failed after it may have reached Cafe24.

    Timeouts, cut connections, 5xx and unreadable answers to a POST leave its outcome unknown: the
    caller settles it by re-reading (the order's shipments, the SKU's product) before sending again.
    """

    def __init__(self, method: str, path: str, reason: str, *, mall_id: str | None = None, status: int | None = None) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.mall_id = mall_id
        self.status = status
        mall = f" [mall {mall_id}]" if mall_id else ""
        super().__init__(f"Cafe24 {method} {path}{mall}: outcome unknown ({reason}); re-read before sending it again")


class AppCredentialsRejected(Cafe24Error):
    """Cafe24 refused the app's Client ID / Secret on a token call: a configuration error.

    The mall's refresh token was not spent and the connection stays active: fix the variable and
    run again.
    """

    def __init__(self, mall_id: str, cause: "TokenExchangeError") -> None:
        self.mall_id = mall_id
        self.cause = cause
        variable = "CAFE24_CLIENT_ID" if "client_id" in f"{cause.description or ''}".lower() else "CAFE24_CLIENT_SECRET"
        if cause.error == "invalid_client" and "secret" not in f"{cause.description or ''}".lower():
            variable = "CAFE24_CLIENT_ID"
        self.variable = variable
        super().__init__(
            f"Cafe24 rejected the app credentials for mall {mall_id!r} ({cause.error or cause.status}: "
            f"{cause.description or 'refused'}): check {variable} (Cafe24 Developer Center > Apps > your app). "
            "The connection and its refresh token are unchanged."
        )
