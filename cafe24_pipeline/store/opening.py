"""Open the store for a command, turning every way it can fail into one `StoreError` line that names
where (password hidden), why, and CAFE24_PIPELINE_DATABASE_URL."""

from __future__ import annotations

import sqlalchemy as sa

from cafe24_pipeline.store.engine import StoreError
from cafe24_pipeline.store.store import Store


def open_store_checked(database_url: str) -> Store:
    where = sa.engine.make_url(database_url).render_as_string(hide_password=True)
    try:
        return Store.open(database_url)
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(
            f"cannot open the store at {where} ({reason}); check CAFE24_PIPELINE_DATABASE_URL and that the database is running"
        ) from None
    except (StoreError, sa.exc.SQLAlchemyError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot use the store at {where} ({first}); check CAFE24_PIPELINE_DATABASE_URL") from None
