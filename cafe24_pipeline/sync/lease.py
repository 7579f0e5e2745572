"""The per-mall lease: at most one sync (catalogue, orders, push, fulfilment) works on a mall at a time.

Whatever started the work — a schedule, a sensor, the UI, the CLI — it holds the mall's lease while it
reads or writes the mall's API and the mall's rows. The lease:
- is renewed by a heartbeat thread every `ttl / 3` while its holder works, so a long import keeps it;
- is taken over at once when its holder was a process on this host that no longer exists (the pid
  is checked together with the process start time, so a reused pid does not look alive), and after
  `ttl` without a heartbeat when the holder ran on another host (default 120 s,
  CAFE24_LEASE_TTL_SECONDS);
- refuses a second taker at once with `MallBusy`, naming the holder and until when — no waiting and
  no retries (a run that finds the mall busy fails with that one line).
Dagster's run queue (one run per `cafe24/mall_id` tag, deploy/dagster.yaml) keeps queued runs from
colliding in the first place; the lease is what also covers runs started outside the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cafe24_pipeline.settings import Settings
from cafe24_pipeline.store import Store
from cafe24_pipeline.store.leases import LeaseRow, LeaseTable

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(seconds=120)
ENV_TTL = "CAFE24_LEASE_TTL_SECONDS"


class MallBusy(RuntimeError):
    """Another live process holds the mall's lease; the message names it and until when."""


class LeaseLost(RuntimeError):
    """Our lease was taken over while we worked (we looked dead to another process)."""


@dataclass(frozen=True)
class LeaseConfig:
    ttl: timedelta = DEFAULT_TTL

    @classmethod
    def from_settings(cls, settings: Settings) -> "LeaseConfig":
        raw = settings.value(ENV_TTL)
        if raw is None:
            return cls()
        try:
            seconds = float(raw)
        except ValueError:
            raise ValueError(f"{ENV_TTL} must be a number of seconds, got {raw!r}") from None
        if not 5 <= seconds <= 3600:
            raise ValueError(f"{ENV_TTL} must be between 5 and 3600 seconds, got {raw!r}")
        return cls(ttl=timedelta(seconds=seconds))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux /proc), to tell a live holder from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return None
    # the command name (field 2) may contain spaces: fields after the last ')' are positional
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def holder_alive(row: LeaseRow, host: str) -> bool:
    """Whether the process that holds `row` may still be working (always True for another host)."""
    if row.host != host:
        return True
    if row.pid == os.getpid():
        return True
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = process_start(row.pid)
    return row.pid_started is None or started is None or started == row.pid_started


def describe(row: LeaseRow) -> str:
    who = f"pid {row.pid} on {row.host}" + (f", run {row.run_id}" if row.run_id else "")
    return (
        f"{row.purpose} ({who}) holds mall {row.mall_id} since {row.acquired_at:%Y-%m-%d %H:%M:%S}Z, "
        f"lease until {row.expires_at:%H:%M:%S}Z unless renewed"
    )


class MallLease:
    """A held lease with its heartbeat; use `hold(...)` rather than constructing it."""

    def __init__(self, table: LeaseTable, row: LeaseRow, ttl: timedelta, clock: Callable[[], datetime]) -> None:
        self.table = table
        self.row = row
        self.ttl = ttl
        self.clock = clock
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{row.mall_id}", daemon=True)

    def _beat(self) -> None:
        interval = max(1.0, self.ttl.total_seconds() / 3)
        while not self._stop.wait(interval):
            now = self.clock()
            try:
                held = self.table.renew(self.row.mall_id, self.row.token, heartbeat_at=now, expires_at=now + self.ttl)
            except Exception as exc:  # noqa: BLE001 - a store hiccup must not kill the heartbeat
                log.warning("could not renew the lease of mall %s: %s", self.row.mall_id, exc)
                continue
            if not held:
                self.lost = True
                log.error("the lease of mall %s was taken over while this process worked", self.row.mall_id)
                return

    def check(self) -> None:
        """Raise LeaseLost if another process took the lease (call between units of work)."""
        if self.lost:
            raise LeaseLost(f"the lease of mall {self.row.mall_id} was taken over by another process; stopping")

    def _start(self) -> None:
        self._thread.start()

    def _end(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if not self.lost:
            self.table.give_back(self.row.mall_id, self.row.token)


@contextmanager
def hold(
    store: Store,
    mall_id: str,
    purpose: str,
    *,
    config: LeaseConfig | None = None,
    run_id: str | None = None,
    clock: Callable[[], datetime] = _utcnow,
) -> Iterator[MallLease]:
    """Hold the mall's lease for the block; MallBusy at once if a live process holds it."""
    config = config or LeaseConfig()
    table = LeaseTable(store)
    host, pid, now = socket.gethostname(), os.getpid(), clock()
    candidate = LeaseRow(
        mall_id=mall_id,
        token=uuid.uuid4().hex,
        purpose=purpose,
        host=host,
        pid=pid,
        pid_started=process_start(pid),
        run_id=run_id,
        acquired_at=now,
        heartbeat_at=now,
        expires_at=now + config.ttl,
    )

    def may_replace(held: LeaseRow) -> bool:
        return held.expires_at <= now or not holder_alive(held, host)

    taken = table.take(candidate, may_replace=may_replace)
    if taken.token != candidate.token:
        raise MallBusy(f"mall {mall_id} is busy: {describe(taken)}")
    lease = MallLease(table, candidate, config.ttl, clock)
    lease._start()
    try:
        yield lease
    finally:
        lease._end()
    lease.check()
