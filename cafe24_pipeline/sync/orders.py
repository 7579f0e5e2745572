"""Order sync core: initial 90-day import, new-order polling, status sweep (plain Python, no Dagster).

Cafe24 has no "updated since" filter for orders (PEERS.md lesson 3), so three paths cover them:

- **import** (on connect / backfill): KST day windows, most recent day first; the progress cursor is
  committed with each day's rows, so a killed import resumes where it stopped.
- **new orders** (every 5 min): `date_type=order_date` over [hwm − overlap, now − safety_lag].
- **status changes** (every 30 min): every event date type over [hwm − overlap, now − safety_lag],
  then every still-open order re-polled by id in batches of 100.

Every batch is written in one transaction: mirror rows, status history (only real changes), receivers,
and the OMS rows mapped from them (DESIGN.md §6). Upserts on natural keys make repeats harmless,
and a stream's high-water mark moves only after its rows are committed (also on empty windows),
never past now − safety_lag (lesson 4). A per-mall lease in `sync_state` keeps two runs for one mall
from overlapping, whichever way they were started (schedule, UI, CLI).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cafe24_pipeline.cafe24.models import Order, OrderPage, Shop
from cafe24_pipeline.oms.order_mapping import map_orders
from cafe24_pipeline.oms.status_map import OPEN_CODES
from cafe24_pipeline.store import Store
from cafe24_pipeline.store import schema as tables
from cafe24_pipeline.sync.order_frames import OrderFrames, order_frames
from cafe24_pipeline.sync.order_history import diff_against

KST = ZoneInfo("Asia/Seoul")

STREAM_IMPORT = "orders.import"
STREAM_NEW = "orders.new"
STREAM_STATUS = "orders.status"
STREAM_LOCK = "orders.lock"

# Event date types swept for status changes (cafe24-api.md §5.2). pay_date catches N00 → N10.
STATUS_DATE_TYPES: tuple[str, ...] = (
    "pay_date",
    "shipbegin_date",
    "shipend_date",
    "cancel_request_date",
    "cancel_accept_date",
    "cancel_complete_date",
    "cancel_date",
    "return_request_date",
    "return_accept_date",
    "return_complete_date",
    "exchange_request_date",
    "exchange_accept_date",
    "exchange_complete_date",
    "purchaseconfirmation_date",
)


class OrdersApi(Protocol):
    """The part of `Cafe24Client` the order sync uses."""

    def list_shops(self) -> list[Shop]: ...

    def iter_orders(
        self,
        shop_no: int,
        start_date: date | datetime,
        end_date: date | datetime,
        *,
        date_type: str = "order_date",
        embed: Sequence[str] = ("items",),
        order_status: Sequence[str] | None = None,
    ) -> Iterator[OrderPage]: ...

    def get_orders(self, shop_no: int, order_ids: Sequence[str]) -> Iterable[Any]: ...


class SyncBusy(RuntimeError):
    """Another order sync holds this mall's lease: runs for one mall never overlap."""


@dataclass(frozen=True)
class OrderSyncConfig:
    """Cadence-independent knobs; every one can be set by an environment variable."""

    initial_days: int = 90
    new_orders_overlap: timedelta = timedelta(minutes=10)
    safety_lag: timedelta = timedelta(minutes=2)
    status_overlap: timedelta = timedelta(minutes=60)
    first_status_lookback: timedelta = timedelta(hours=6)
    open_order_horizon_days: int = 90
    repoll_batch: int = 100
    import_window_days: int = 7
    lease_ttl: timedelta = timedelta(minutes=30)
    embed: tuple[str, ...] = ("items", "receivers")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "OrderSyncConfig":
        env = dict(os.environ if env is None else env)

        def minutes(name: str, default: timedelta) -> timedelta:
            raw = env.get(name)
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number of minutes, got {raw!r}") from None
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {raw!r}")
            return timedelta(minutes=value)

        def integer(name: str, default: int, low: int, high: int) -> int:
            raw = env.get(name)
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise ValueError(f"{name} must be an integer, got {raw!r}") from None
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}, got {value}")
            return value

        return cls(
            initial_days=integer("CAFE24_ORDERS_INITIAL_DAYS", cls.initial_days, 1, 3650),
            new_orders_overlap=minutes("CAFE24_ORDERS_OVERLAP_MINUTES", cls.new_orders_overlap),
            safety_lag=minutes("CAFE24_ORDERS_SAFETY_LAG_MINUTES", cls.safety_lag),
            status_overlap=minutes("CAFE24_ORDER_STATUS_OVERLAP_MINUTES", cls.status_overlap),
            open_order_horizon_days=integer("CAFE24_OPEN_ORDER_HORIZON_DAYS", cls.open_order_horizon_days, 1, 3650),
            repoll_batch=integer("CAFE24_ORDER_REPOLL_BATCH", cls.repoll_batch, 1, 100),
            import_window_days=integer("CAFE24_ORDERS_IMPORT_WINDOW_DAYS", cls.import_window_days, 1, 89),
        )


@dataclass
class SyncReport:
    """What one run did; becomes Dagster metadata and the CLI summary."""

    mall_id: str
    stream: str
    fetched: int = 0
    stored_orders: int = 0
    stored_items: int = 0
    history_rows: int = 0
    oms_orders: int = 0
    pages: int = 0
    windows: int = 0
    repolled: int = 0
    unchanged: int = 0  # fetched orders identical to what the store holds (not rewritten)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unmapped: list[dict[str, str]] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    high_water_mark: datetime | None = None
    touched_days: set[str] = field(default_factory=set)  # KST days whose orders this run wrote

    def absorb(self, other: "SyncReport") -> None:
        for name in ("fetched", "stored_orders", "stored_items", "history_rows", "oms_orders", "pages", "windows", "repolled", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped += other.skipped
        self.unmapped += other.unmapped
        self.days += other.days
        self.touched_days |= other.touched_days

    def as_metadata(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "stored_orders": self.stored_orders,
            "stored_items": self.stored_items,
            "history_rows": self.history_rows,
            "oms_orders": self.oms_orders,
            "pages": self.pages,
            "windows": self.windows,
            "repolled": self.repolled,
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "unmapped_items": len(self.unmapped),
            "high_water_mark": self.high_water_mark.isoformat() if self.high_water_mark else None,
        }


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def day_runs(days_desc: Sequence[date], max_days: int) -> list[tuple[date, date]]:
    """Group days (newest first) into (newest, oldest) runs of consecutive days, at most `max_days` long.

    Windows stay far below Cafe24's 3-month limit and follow the newest-first order.
    """
    runs: list[tuple[date, date]] = []
    for day in days_desc:
        if runs:
            newest, oldest = runs[-1]
            if oldest - day == timedelta(days=1) and (newest - day).days < max_days:
                runs[-1] = (newest, day)
                continue
        runs.append((day, day))
    return runs


class OrderSync:
    """Order streams of one mall against one store. Thread-unsafe by design: one run per mall."""

    def __init__(
        self,
        store: Store,
        client: OrdersApi | None,
        mall_id: str,
        *,
        config: OrderSyncConfig | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_page: Callable[[SyncReport], None] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.mall_id = mall_id
        self.config = config or OrderSyncConfig()
        self.clock = clock
        self.on_page = on_page
        self._shop_nos: list[int] | None = None

    # --- shops --------------------------------------------------------------------------------

    def shop_nos(self) -> list[int]:
        """Every active shop of the mall: list endpoints default to shop 1 and would hide the rest."""
        if self._shop_nos is None:
            shops = self.client.list_shops()
            active = sorted({s.shop_no for s in shops if s.active is not False})
            self._shop_nos = active or [1]
        return self._shop_nos

    # --- lease ------------------------------------------------------------------------------

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Hold the mall's order-sync lease for the duration; SyncBusy if another live run has it.

        A lease left by a killed process is taken over when it expired or when its owner was a
        process on this host that no longer exists, so a kill never blocks the next run for long.
        """
        owner = {"host": socket.gethostname(), "pid": os.getpid(), "token": uuid.uuid4().hex}
        now = self.clock()
        with self.store.transaction(lock=f"orders:{self.mall_id}") as conn:
            state = self.store.get_sync_state(self.mall_id, STREAM_LOCK, conn=conn)
            held = json.loads(state.details) if state and state.details else None
            if held and held.get("token") and not _lease_stale(held, now):
                raise SyncBusy(
                    f"an order sync for mall {self.mall_id} is already running "
                    f"(pid {held.get('pid')} on {held.get('host')}, since {held.get('since')})"
                )
            owner.update(since=now.isoformat(), expires=(now + self.config.lease_ttl).isoformat())
            self.store.record_sync(self.mall_id, STREAM_LOCK, success=True, details=owner, at=now, conn=conn)
        try:
            yield
        finally:
            with self.store.transaction(lock=f"orders:{self.mall_id}") as conn:
                state = self.store.get_sync_state(self.mall_id, STREAM_LOCK, conn=conn)
                held = json.loads(state.details) if state and state.details else None
                if held and held.get("token") == owner["token"]:
                    self.store.record_sync(
                        self.mall_id, STREAM_LOCK, success=True, details={"released": self.clock().isoformat()}, conn=conn
                    )

    # --- import ---------------------------------------------------------------------------------

    def import_days(self, days: Sequence[date], *, source: str = "backfill") -> SyncReport:
        """Import whole KST days for every shop, newest first, in windows of consecutive days.

        Used by the mall × day partitions (a backfill of a range runs as one run). Each page
        commits on its own; upserts make a re-run of any day harmless.
        """
        report = SyncReport(self.mall_id, STREAM_IMPORT)
        today = self.clock().astimezone(KST).date()
        wanted = sorted({d for d in days if d <= today}, reverse=True)
        for newest, oldest in day_runs(wanted, self.config.import_window_days):
            report.absorb(self._import_window(oldest, newest, source=source))
        return report

    def initial_import(self, *, since: date | None = None) -> SyncReport:
        """The connect-time import: `initial_days` KST days up to today, newest first, resumable.

        Today comes first on its own (the orders that matter most), then windows of
        `import_window_days` going back. Progress (`orders.import`: the oldest day done and the
        import's start instant) is committed after each window, so a killed import resumes at the
        next window. The new-order and status streams start at that instant once the import is
        complete, so nothing between import and polling is skipped.
        """
        now = self.clock()
        today = now.astimezone(KST).date()
        first_day = since or (today - timedelta(days=self.config.initial_days - 1))
        if first_day > today:
            raise ValueError(f"--since {first_day} is in the future (today is {today} KST)")
        state = self.store.get_sync_state(self.mall_id, STREAM_IMPORT)
        details = json.loads(state.details) if state and state.details else {}
        resuming = bool(details.get("started")) and not details.get("complete") and details.get("first_day") == first_day.isoformat()
        started = datetime.fromisoformat(details["started"]) if resuming else now
        newest = date.fromisoformat(details["oldest_done"]) - timedelta(days=1) if resuming and details.get("oldest_done") else today
        report = SyncReport(self.mall_id, STREAM_IMPORT)
        days = [newest - timedelta(days=i) for i in range((newest - first_day).days + 1)]
        runs = ([(today, today)] + day_runs(days[1:], self.config.import_window_days)) if newest == today else day_runs(days, self.config.import_window_days)
        for run_newest, run_oldest in runs:
            progress = {"started": started.isoformat(), "first_day": first_day.isoformat(), "oldest_done": run_oldest.isoformat()}
            report.absorb(self._import_window(run_oldest, run_newest, source="backfill", progress=progress))
        mark = started - self.config.safety_lag
        with self.store.transaction() as conn:
            self.store.record_sync(
                self.mall_id, STREAM_IMPORT, success=True, high_water_mark=mark, rows=report.stored_orders,
                details={"started": started.isoformat(), "first_day": first_day.isoformat(), "complete": True,
                         "resumed": resuming},
                conn=conn,
            )
            for stream in (STREAM_NEW, STREAM_STATUS):
                current = self.store.get_sync_state(self.mall_id, stream, conn=conn)
                if current is None or current.high_water_mark is None or current.high_water_mark < mark:
                    self.store.record_sync(self.mall_id, stream, success=True, high_water_mark=mark, rows=0, conn=conn)
        report.high_water_mark = mark
        return report

    def _import_window(self, oldest: date, newest: date, *, source: str, progress: dict | None = None) -> SyncReport:
        """All orders placed on the KST days [oldest, newest], every shop; progress after the last page."""
        report = SyncReport(self.mall_id, STREAM_IMPORT, windows=1)
        report.days = [(oldest + timedelta(days=i)).isoformat() for i in range((newest - oldest).days + 1)]
        for shop_no in self.shop_nos():
            for page in self.client.iter_orders(shop_no, oldest, newest, date_type="order_date", embed=self.config.embed):
                report.pages += 1
                frames = self._page_frames(page, report, imported_backfill=source == "backfill")
                with self.store.transaction() as conn:
                    self._write(frames, report, source=source, conn=conn)
                if self.on_page:
                    self.on_page(report)
        if progress is not None:
            self.store.record_sync(self.mall_id, STREAM_IMPORT, success=True, rows=report.stored_orders, details=progress)
        return report

    # --- new orders --------------------------------------------------------------------------

    def sync_new_orders(self) -> SyncReport:
        """Orders placed since the last run, over an overlapping window ending now − safety_lag."""
        now = self.clock()
        end = now - self.config.safety_lag
        state = self.store.get_sync_state(self.mall_id, STREAM_NEW)
        if state is None or state.high_water_mark is None:
            # Never imported: the first run is the connect-time import.
            report = self.initial_import()
            report.stream = STREAM_NEW
            return report
        start = min(state.high_water_mark, end) - self.config.new_orders_overlap
        report = SyncReport(self.mall_id, STREAM_NEW, windows=1)
        self._poll_windows(report, [("order_date", start, end)], source="poll")
        self._advance(STREAM_NEW, end, report)
        return report

    # --- status changes ------------------------------------------------------------------------

    def sync_status_changes(self) -> SyncReport:
        """Sweep every event date type since the last sweep, then re-poll still-open orders by id."""
        now = self.clock()
        end = now - self.config.safety_lag
        state = self.store.get_sync_state(self.mall_id, STREAM_STATUS)
        if state is not None and state.high_water_mark is not None:
            start = min(state.high_water_mark, end) - self.config.status_overlap
        else:
            start = end - self.config.first_status_lookback
        report = SyncReport(self.mall_id, STREAM_STATUS)
        seen = self._poll_windows(report, [(dt, start, end) for dt in STATUS_DATE_TYPES], source="poll")
        self._repoll_open_orders(report, exclude=seen, now=now)
        self._advance(STREAM_STATUS, end, report)
        return report

    def _repoll_open_orders(self, report: SyncReport, *, exclude: set[tuple[int, str]], now: datetime) -> None:
        horizon = now - timedelta(days=self.config.open_order_horizon_days)
        items = tables.cafe24_order_items
        stmt = (
            sa.select(items.c.shop_no, items.c.order_id)
            .where(
                items.c.mall_id == self.mall_id,
                items.c.order_status.in_(sorted(OPEN_CODES)),
                items.c.order_date >= horizon,
            )
            .distinct()
            .order_by(items.c.shop_no, items.c.order_id)
        )
        open_orders = self.store.read(stmt)
        by_shop: dict[int, list[str]] = {}
        for shop_no, order_id in open_orders.iter_rows():
            if (shop_no, order_id) not in exclude:
                by_shop.setdefault(shop_no, []).append(order_id)
        size = self.config.repoll_batch
        for shop_no, ids in by_shop.items():
            for i in range(0, len(ids), size):
                batch = ids[i : i + size]
                orders = list(self._orders_of(self.client.get_orders(shop_no, batch, embed=self.config.embed), report))
                report.pages += 1
                report.repolled += len(batch)
                frames = self._records_frames(orders, report, imported_backfill=False)
                with self.store.transaction() as conn:
                    self._write(frames, report, source="poll", conn=conn)
                if self.on_page:
                    self.on_page(report)

    # --- OMS re-map -------------------------------------------------------------------------------

    def remap_oms(self, days: Sequence[date]) -> SyncReport:
        """Re-derive oms_orders / oms_order_items for stored orders of these KST days (no API calls).

        Used by the `oms/orders` asset: after OMS stock changes, Partial orders can become New.
        """
        report = SyncReport(self.mall_id, "oms.orders", days=sorted(d.isoformat() for d in days))
        o, i = tables.cafe24_orders, tables.cafe24_order_items
        with self.store.transaction() as conn:
            orders = self.store.read(sa.select(o).where(o.c.mall_id == self.mall_id, o.c.order_date_kst.in_(list(days))), conn=conn)
            if orders.height == 0:
                return report
            ids = orders["order_id"].to_list()
            items = self.store.read(sa.select(i).where(i.c.mall_id == self.mall_id, i.c.order_id.in_(ids)), conn=conn)
            now = self.clock()
            mapping = map_orders(
                orders, items,
                stock_by_sku=self._stock(items["sku"].drop_nulls().unique().to_list(), conn),
                current_items=self._oms_items(ids, conn), current_created_at=self._oms_created(ids, conn), now=now,
            )
            self.store.upsert("oms_orders", mapping.orders, conn=conn)
            self.store.upsert("oms_order_items", mapping.items, conn=conn)
            changed = [
                {"c": code, "s": mapping.item_oms_status.get(code)}
                for code, current in items.select("order_item_code", "oms_status").iter_rows()
                if mapping.item_oms_status.get(code) != current
            ]
            if changed:
                conn.execute(
                    sa.update(i)
                    .where(i.c.mall_id == self.mall_id, i.c.order_item_code == sa.bindparam("c"))
                    .values(oms_status=sa.bindparam("s")),
                    changed,
                )
        report.oms_orders = mapping.orders.height
        report.unmapped = mapping.unmapped
        return report

    # --- shared ----------------------------------------------------------------------------------

    def _poll_windows(
        self, report: SyncReport, windows: Sequence[tuple[str, datetime, datetime]], *, source: str
    ) -> set[tuple[int, str]]:
        seen: set[tuple[int, str]] = set()
        for date_type, start, end in windows:
            for shop_no in self.shop_nos():
                report.windows += 1
                pages = self.client.iter_orders(
                    shop_no, start.astimezone(KST).date(), end.astimezone(KST).date(),
                    date_type=date_type, embed=self.config.embed,
                )
                for page in pages:
                    report.pages += 1
                    frames = self._page_frames(page, report, imported_backfill=False)
                    seen.update((shop_no, oid) for oid in frames.order_ids)
                    with self.store.transaction() as conn:
                        self._write(frames, report, source=source, conn=conn)
                    if self.on_page:
                        self.on_page(report)
        return seen

    def _advance(self, stream: str, end: datetime, report: SyncReport) -> None:
        """Move the stream's mark to `end` (never past now − lag) after every page is committed."""
        limit = self.clock() - self.config.safety_lag
        mark = min(end, limit)
        with self.store.transaction() as conn:
            current = self.store.get_sync_state(self.mall_id, stream, conn=conn)
            if current is not None and current.high_water_mark is not None and current.high_water_mark > mark:
                mark = current.high_water_mark  # never move backwards
            self.store.record_sync(
                self.mall_id, stream, success=True, high_water_mark=mark, rows=report.stored_orders,
                details=report.as_metadata() | {"skipped": report.skipped[:20]}, conn=conn,
            )
        report.high_water_mark = mark

    def record_failure(self, stream: str, error: BaseException) -> None:
        """Note a failed run in sync_state (the mark stays where it was)."""
        self.store.record_sync(self.mall_id, stream, success=False, error=f"{type(error).__name__}: {error}"[:500])

    def _page_frames(self, page: OrderPage, report: SyncReport, *, imported_backfill: bool) -> OrderFrames:
        for issue in page.issues:
            report.skipped.append({"id": str(getattr(issue, "record_id", "")), "reason": str(issue)})
        return self._records_frames(list(page.records), report, imported_backfill=imported_backfill)

    def _records_frames(self, orders: list[Order], report: SyncReport, *, imported_backfill: bool) -> OrderFrames:
        report.fetched += len(orders)
        good: list[Order] = []
        for order in orders:
            if order.order_date is None:
                report.skipped.append({"id": order.order_id, "reason": "no order_date"})
                continue
            if not order.items_embedded or not order.items:
                report.skipped.append({"id": order.order_id, "reason": "order came without items"})
                continue
            good.append(order)
        return order_frames(self.mall_id, good, synced_at=self.clock(), imported_backfill=imported_backfill)

    def _orders_of(self, result: Iterable[Any], report: SyncReport) -> Iterator[Order]:
        """`get_orders` may yield pages or orders; accept both."""
        for entry in result:
            if isinstance(entry, Order):
                yield entry
            else:
                for issue in getattr(entry, "issues", []):
                    report.skipped.append({"id": str(getattr(issue, "record_id", "")), "reason": str(issue)})
                yield from entry.records

    def _write(self, frames: OrderFrames, report: SyncReport, *, source: str, conn: sa.Connection) -> None:
        """Write one batch: mirror, receivers, history, OMS; all in the caller's transaction.

        Orders whose content (order and every item, by content hash) is unchanged and fully mapped are
        skipped: polls re-read whole days, and rewriting identical rows would be wasted work.
        What the store holds about the batch is read once per table (keyed by the batch's order ids)
        and compared with polars joins, not row by row (DESIGN.md §8).
        """
        if frames.orders.height == 0:
            return
        o, i = tables.cafe24_orders, tables.cafe24_order_items
        ids = frames.order_ids
        # shop_no narrows the reads to the primary key (mall_id, shop_no, order_id): by order_id alone
        # the database walks every order of the mall, once per page (quadratic over an import).
        shops = sorted(frames.orders["shop_no"].unique().to_list())
        stored_orders = self.store.read(
            sa.select(o.c.shop_no, o.c.order_id, o.c.content_hash, o.c.imported_backfill).where(
                o.c.mall_id == self.mall_id, o.c.shop_no.in_(shops), self._among(o.c.order_id, ids)
            ),
            conn=conn,
        )
        stored_items = self.store.read(
            sa.select(
                i.c.order_id, i.c.order_item_code, i.c.content_hash, i.c.oms_status, i.c.order_status,
                i.c.status_changed_at, i.c.imported_backfill,
            ).where(i.c.mall_id == self.mall_id, self._among(i.c.order_id, ids)),
            conn=conn,
        )  # fmt: skip
        frames = self._only_changed(frames, report, stored_orders, stored_items, conn)
        if frames.orders.height == 0:
            return
        now = self.clock()
        order_ids = frames.order_ids
        if len(order_ids) < len(ids):
            stored_items = stored_items.filter(pl.col("order_id").is_in(order_ids))
        diff = diff_against(
            frames.items, stored_items.drop("order_id", "content_hash", "oms_status"), observed_at=now, source=source
        )
        items = diff.items
        orders = self._keep_backfill_flag(frames.orders, stored_orders)

        oms_current = self._oms_items(order_ids, conn)
        created = self._oms_created(order_ids, conn)
        stock = self._stock(items["sku"].drop_nulls().unique().to_list(), conn)
        mapping = map_orders(
            orders, items, stock_by_sku=stock, current_items=oms_current, current_created_at=created, now=now
        )
        items = items.with_columns(_oms_status_column(items, mapping.item_oms_status))
        self.store.upsert("cafe24_orders", orders, conn=conn)
        self.store.upsert("cafe24_order_items", items, conn=conn)
        report.stored_orders += orders.height
        report.stored_items += items.height
        self.store.upsert("cafe24_order_receivers", frames.receivers, conn=conn)
        report.history_rows += self.store.append("cafe24_order_status_history", diff.history, conn=conn)
        self.store.upsert("oms_orders", mapping.orders, conn=conn)
        self.store.upsert("oms_order_items", mapping.items, conn=conn)
        report.oms_orders += mapping.orders.height
        report.unmapped += mapping.unmapped
        report.touched_days.update(d.isoformat() for d in orders["order_date_kst"].drop_nulls().unique().to_list())

    def _only_changed(
        self,
        frames: OrderFrames,
        report: SyncReport,
        stored_orders: pl.DataFrame,
        stored_items: pl.DataFrame,
        conn: sa.Connection,
    ) -> OrderFrames:
        """The batch without the orders the store already holds exactly (order, items, receivers, mapped)."""
        if stored_orders.height == 0:
            return frames
        ids = frames.order_ids
        shops = sorted(frames.orders["shop_no"].unique().to_list())
        key = ["shop_no", "order_id"]
        # 1. the order's own hash differs (or the order is new)
        order_changed = (
            frames.orders.select(*key, "content_hash")
            .join(stored_orders.select(*key, pl.col("content_hash").alias("_then")), on=key, how="left")
            .filter(pl.col("content_hash").ne_missing(pl.col("_then")))
            .get_column("order_id")
        )
        # 2. the set of (item code, item hash) per order differs; 3. an item is still unmapped
        item_key = ["order_id", "order_item_code"]
        now_items = frames.items.select(*item_key, pl.col("content_hash").alias("_now"), pl.lit(True).alias("_in_now"))
        then_items = stored_items.select(*item_key, pl.col("content_hash").alias("_then"), pl.lit(True).alias("_in_then"))
        both = now_items.join(then_items, on=item_key, how="full", coalesce=True, nulls_equal=True)
        items_changed = both.filter(
            pl.col("_in_now").is_null() | pl.col("_in_then").is_null() | pl.col("_now").ne_missing(pl.col("_then"))
        ).get_column("order_id")
        unmapped_then = stored_items.filter(pl.col("oms_status").is_null()).get_column("order_id")
        # 4. receivers carry no hash: compare their fields (an address edit must reach fulfilment)
        r = tables.cafe24_order_receivers
        fields = [c for c in frames.receivers.columns if c not in ("mall_id", "synced_at")]
        receivers_then = self.store.read(
            sa.select(*[r.c[c] for c in fields]).where(
                r.c.mall_id == self.mall_id, r.c.shop_no.in_(shops), self._among(r.c.order_id, ids)
            ),
            conn=conn,
        ).select(fields)
        receivers_now = frames.receivers.select(fields)
        receivers_then = receivers_then.cast(dict(receivers_now.schema))  # type: ignore[arg-type]
        receivers_changed = pl.concat([
            receivers_now.join(receivers_then, on=fields, how="anti", nulls_equal=True).get_column("order_id"),
            receivers_then.join(receivers_now, on=fields, how="anti", nulls_equal=True).get_column("order_id"),
        ])  # fmt: skip
        changed = pl.concat([order_changed, items_changed, unmapped_then, receivers_changed]).unique()
        keep = pl.col("order_id").is_in(changed.implode())
        changed_orders = frames.orders.filter(keep)
        report.unchanged += frames.orders.height - changed_orders.height
        if changed_orders.height == frames.orders.height:
            return frames
        return OrderFrames(
            orders=changed_orders, items=frames.items.filter(keep), receivers=frames.receivers.filter(keep)
        )

    def _keep_backfill_flag(self, orders: pl.DataFrame, stored_orders: pl.DataFrame) -> pl.DataFrame:
        """An order keeps the `imported_backfill` flag of its first import."""
        if stored_orders.height == 0:
            return orders
        first = stored_orders.select(
            "shop_no", "order_id", pl.col("imported_backfill").fill_null(False).alias("_first")
        )
        return (
            orders.join(first, on=["shop_no", "order_id"], how="left", maintain_order="left")
            .with_columns(
                pl.coalesce(pl.col("_first"), pl.col("imported_backfill")).cast(pl.Boolean).alias("imported_backfill")
            )
            .drop("_first")
        )

    def _oms_items(self, order_ids: list[str], conn: sa.Connection) -> pl.DataFrame:
        t = tables.oms_order_items
        return self.store.read(
            sa.select(
                t.c.order_item_code, t.c.status, t.c.created_at, t.c.status_changed_at, t.c.shipping_code,
                t.c.tracking_number, t.c.carrier, t.c.shipped_at, t.c.delivered_at,
            ).where(
                t.c.mall_id == self.mall_id, self._among(t.c.order_id, order_ids)
            ),
            conn=conn,
        )

    def _oms_created(self, order_ids: list[str], conn: sa.Connection) -> pl.DataFrame:
        t = tables.oms_orders
        return self.store.read(
            sa.select(t.c.order_id, t.c.created_at).where(t.c.mall_id == self.mall_id, self._among(t.c.order_id, order_ids)),
            conn=conn,
        )

    def _among(self, column: sa.ColumnElement[str], values: list[str]) -> sa.ColumnElement[bool]:
        """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter instead of 1,000
        (a page's ids), which spares SQLAlchemy and the server a new 1,000-parameter statement per page."""
        if self.store.dialect == "postgresql":
            return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(sa.String)))
        return column.in_(values)

    def _stock(self, skus: list[str], conn: sa.Connection) -> dict[str, int]:
        if not skus:
            return {}
        t = tables.oms_products
        rows = self.store.read(
            sa.select(t.c.sku, t.c.stock).where(self._among(t.c.sku, skus), t.c.deleted == sa.false(), t.c.active == sa.true()),
            conn=conn,
        )
        return {sku: int(stock) for sku, stock in rows.iter_rows()}


def _oms_status_column(items: pl.DataFrame, item_oms_status: dict[str, str | None]) -> pl.Series:
    """`oms_status` for each item row, from the mapping's code -> status dict."""
    lookup = pl.DataFrame(
        {"order_item_code": list(item_oms_status), "oms_status": list(item_oms_status.values())},
        schema={"order_item_code": pl.String, "oms_status": pl.String},
    )
    return items.select("order_item_code").join(lookup, on="order_item_code", how="left", maintain_order="left")["oms_status"]


def _lease_stale(held: dict[str, Any], now: datetime) -> bool:
    expires = held.get("expires")
    if expires and datetime.fromisoformat(expires) <= now:
        return True
    if held.get("host") == socket.gethostname() and isinstance(held.get("pid"), int):
        return not _pid_alive(held["pid"])
    return False


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
