"""JSON responses: orjson when installed (list calls return megabytes), the standard library otherwise.

Both produce compact UTF-8 JSON with non-ASCII text unescaped, like Starlette's JSONResponse.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

try:  # optional speed-up, not a requirement
    import orjson
except ImportError:  # pragma: no cover - exercised only without orjson
    orjson = None  # type: ignore[assignment]


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        if orjson is not None:
            return orjson.dumps(content)
        return super().render(content)
