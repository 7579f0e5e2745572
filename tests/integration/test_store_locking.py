"""`store.transaction(lock=...)` serialises read-modify-write sections (e.g. refreshing a token)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import polars as pl
import sqlalchemy as sa

THREADS = 6


def test_locked_read_modify_write_loses_no_update(store):
    store.upsert(
        "oauth_tokens",
        pl.DataFrame(
            {
                "mall_id": ["m1"],
                "access_token_enc": ["a0"],
                "refresh_token_enc": ["r0"],
                "rotation": [0],
                "updated_at": [datetime.now(timezone.utc)],
            }
        ),
    )
    tokens = store.table("oauth_tokens")
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def refresh() -> None:
        try:
            barrier.wait(timeout=30)
            with store.transaction(lock="oauth:m1") as conn:
                rotation = conn.execute(sa.select(tokens.c.rotation).where(tokens.c.mall_id == "m1")).scalar_one()
                # a refresh happens here: the old refresh token dies, the new one must be saved
                conn.execute(
                    tokens.update()
                    .where(tokens.c.mall_id == "m1")
                    .values(rotation=rotation + 1, refresh_token_enc=f"r{rotation + 1}")
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    row = store.read_table("oauth_tokens").row(0, named=True)
    assert row["rotation"] == THREADS
    assert row["refresh_token_enc"] == f"r{THREADS}"
