"""Configuration from environment variables (DESIGN.md §4), validated once at start.

`Settings.from_env()` is the only reader of `os.environ` for the pipeline's configuration: every
other module takes a `Settings` object (feature knobs such as cadences and sync windows read their
variables through `Settings.value`), so tests can build one explicitly and a bad value is reported
once, naming the variable, before any work starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cafe24_pipeline.files import private_dir

DEFAULT_HOME = "./.cafe24_pipeline"
DEFAULT_API_BASE_URL = "https://{mall_id}.cafe24api.com"
DEFAULT_API_VERSION = "2025-03-01"
SUPPORTED_DATABASE_DIALECTS = ("sqlite", "postgresql")

_API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MALL_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


ENV_HOME = "CAFE24_PIPELINE_HOME"
ENV_DATABASE_URL = "CAFE24_PIPELINE_DATABASE_URL"
ENV_API_BASE_URL = "CAFE24_API_BASE_URL"
ENV_API_VERSION = "CAFE24_API_VERSION"
ENV_DAGSTER_HOME = "DAGSTER_HOME"
_CAPTURED_PREFIXES = ("CAFE24_",)
_CAPTURED_NAMES = (ENV_DAGSTER_HOME,)


class SettingsError(ValueError):
    """A configuration variable is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    api_base_url: str = DEFAULT_API_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    mall_id: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    webhook_key: str | None = field(default=None, repr=False)
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The CAFE24_* variables (and DAGSTER_HOME) as read at start, for feature knobs (`value`)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable of DESIGN.md §4."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        home = Path(get("CAFE24_PIPELINE_HOME") or DEFAULT_HOME).expanduser().resolve()
        database_url = get("CAFE24_PIPELINE_DATABASE_URL") or f"sqlite:///{home / 'store.sqlite3'}"
        database_url = validate_database_url(database_url)

        api_base_url = get("CAFE24_API_BASE_URL") or DEFAULT_API_BASE_URL
        if not api_base_url.startswith(("http://", "https://")):
            raise SettingsError(f"CAFE24_API_BASE_URL must start with http:// or https:// (got {api_base_url!r})")
        api_version = get("CAFE24_API_VERSION") or DEFAULT_API_VERSION
        if not _API_VERSION_RE.match(api_version):
            raise SettingsError(f"CAFE24_API_VERSION must look like YYYY-MM-DD, e.g. {DEFAULT_API_VERSION} (got {api_version!r})")
        mall_id = get("CAFE24_MALL_ID")
        if mall_id is not None:
            validate_mall_id(mall_id, source="CAFE24_MALL_ID")

        captured = {
            k: v
            for k, v in env.items()
            if (k.startswith(_CAPTURED_PREFIXES) or k in _CAPTURED_NAMES) and v is not None and v.strip()
        }
        return cls(
            env=captured,
            home=home,
            database_url=database_url,
            api_base_url=api_base_url.rstrip("/"),
            api_version=api_version,
            client_id=get("CAFE24_CLIENT_ID"),
            client_secret=get("CAFE24_CLIENT_SECRET"),
            mall_id=mall_id,
            secret_key=get("CAFE24_PIPELINE_SECRET_KEY"),
            webhook_key=get("CAFE24_WEBHOOK_KEY"),
        )

    def value(self, name: str) -> str | None:
        """A configuration variable as read at start (stripped), or None when unset or blank."""
        raw = self.env.get(name)
        return raw.strip() if raw and raw.strip() else None

    def is_set(self, name: str) -> bool:
        return self.value(name) is not None

    def number(self, name: str, default: float, low: float, high: float) -> float:
        """A numeric variable within [low, high], `default` when unset; SettingsError names it otherwise."""
        raw = self.value(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {raw!r}")
        return value

    def whole_seconds(self, name: str, default: int, low: int = 5, high: int = 3600) -> int:
        """A whole number of seconds within [low, high] (sensor intervals), `default` when unset."""
        raw = self.value(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number of seconds, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {raw!r}")
        return value

    def api_base_for(self, mall_id: str) -> str:
        """The mall's API root, e.g. https://mymall.cafe24api.com (no trailing slash)."""
        validate_mall_id(mall_id)
        return self.api_base_url.replace("{mall_id}", mall_id)

    def require_credentials(self, command: str) -> tuple[str, str]:
        """The app's Client ID and Secret, or an error telling which command needs them."""
        missing = [
            name
            for name, value in (
                ("CAFE24_CLIENT_ID", self.client_id),
                ("CAFE24_CLIENT_SECRET", self.client_secret),
            )
            if not value
        ]
        if missing:
            raise SettingsError(
                f"`cafe24-pipeline {command}` needs the Cafe24 app credentials: set {' and '.join(missing)} "
                "(Cafe24 Developer Center > Apps > your app > Client ID / Client Secret)."
            )
        assert self.client_id is not None and self.client_secret is not None  # `missing` is empty
        return self.client_id, self.client_secret

    def require_mall(self, mall_id: str | None, command: str) -> str:
        """The mall a command acts on: `--mall`, else CAFE24_MALL_ID, else a clear error."""
        chosen = mall_id or self.mall_id
        if not chosen:
            raise SettingsError(f"`cafe24-pipeline {command}` needs a mall: pass --mall MALL_ID or set CAFE24_MALL_ID.")
        validate_mall_id(chosen, source="--mall" if mall_id else "CAFE24_MALL_ID")
        return chosen

    def require_webhook_key(self, command: str) -> str:
        """The app's webhook key (Cafe24 sends it as X-API-Key), or an error naming the variable."""
        if not self.webhook_key:
            raise SettingsError(
                f"`cafe24-pipeline {command}` needs CAFE24_WEBHOOK_KEY: the webhook key of your app "
                "(Cafe24 Developer Center > Apps > your app > Webhook > authentication key)."
            )
        return self.webhook_key

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def ensure_home(self) -> Path:
        """The home folder, created private (0700) when missing; SettingsError when it cannot be."""
        try:
            return private_dir(self.home)
        except OSError as exc:
            raise SettingsError(
                f"CAFE24_PIPELINE_HOME {self.home} cannot be created or used ({exc.strerror or exc}); "
                "set CAFE24_PIPELINE_HOME to a folder you can write"
            ) from None


def validate_mall_id(mall_id: str, source: str = "mall id") -> str:
    """Cafe24 mall ids are lowercase letters, digits, '-' and '_' (they become a host name)."""
    if not _MALL_ID_RE.match(mall_id):
        raise SettingsError(f"{source} {mall_id!r} is not a Cafe24 mall id (lowercase letters, digits, '-' or '_')")
    return mall_id


def validate_redirect_uri(uri: str, source: str = "--redirect-uri") -> str:
    """An absolute http(s) URL with a host, as registered for the app in the Cafe24 Developer Center."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or " " in uri.strip():
        raise SettingsError(
            f"{source} {uri!r} is not an absolute http(s) URL; pass the redirect URI registered for the app "
            "(e.g. https://example.com/cafe24/callback)"
        )
    return uri.strip()


def validate_database_url(url: str) -> str:
    """Check the store URL and return it with the psycopg (v3) driver made explicit."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise SettingsError(
            "CAFE24_PIPELINE_DATABASE_URL is not a valid SQLAlchemy URL "
            "(expected sqlite:///path/store.sqlite3 or postgresql+psycopg://user@host:5432/db)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DATABASE_DIALECTS:
        raise SettingsError(
            f"CAFE24_PIPELINE_DATABASE_URL uses {backend!r}; supported: sqlite, postgresql "
            "(postgresql+psycopg://user@host:5432/db)"
        )
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        if parsed.drivername != "postgresql+psycopg":
            raise SettingsError(
                f"CAFE24_PIPELINE_DATABASE_URL driver {parsed.drivername!r} is not installed; use postgresql+psycopg://"
            )
    return url
