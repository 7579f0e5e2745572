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
never past now − safety_lag (lesson 4). Callers hold the mall's lease (`sync/lease.py`) around every
run, so two runs for one mall never overlap, whichever way they were started (schedule, UI, CLI).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import polars as pl

from cafe24_pipeline.cafe24.shops import active_shop_nos
from cafe24_pipeline.cafe24.models import Order, OrderPage, Shop
from cafe24_pipeline.store.stock_ledger import StockLedger, units_held
from cafe24_pipeline.sync.page_prefetch import prefetched
from cafe24_pipeline.sync.result import SyncResult
from cafe24_pipeline.sync.raw_skip import raw_hashes, unchanged_keys, without
from cafe24_pipeline.sync.write_batches import write_batches
from cafe24_pipeline.oms.order_mapping import map_orders
from cafe24_pipeline.oms.status_map import OPEN_CODES
from cafe24_pipeline.progress import report as progress_report
from cafe24_pipeline.store import Store, StoreConnection
from cafe24_pipeline.store.order_rows import OrderRows
from cafe24_pipeline.sync.order_columns import raw_order_frames
from cafe24_pipeline.sync.order_frames import OrderFrames, combine_pages, order_frames
from cafe24_pipeline.sync.order_history import diff_against

KST = ZoneInfo("Asia/Seoul")

STREAM_IMPORT = "orders.import"
STREAM_NEW = "orders.new"
STREAM_STATUS = "orders.status"

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
        parse: bool = True,
    ) -> Iterator[OrderPage]: ...

    def get_orders(self, shop_no: int, order_ids: Iterable[str], *, embed: Sequence[str] = ("items",)) -> Iterable[Any]: ...


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
    embed: tuple[str, ...] = ("items", "receivers")
    allocate_stock: bool = True
    """The OMS's stock follows its orders (oms/allocation.py); False when an external OMS feeds
    `oms_products` and allocates itself (CAFE24_OMS_STOCK_ALLOCATION=external)."""
    prefetch_pages: int = 6
    """Pages fetched and parsed ahead while the current batch is written (sync/page_prefetch.py):
    more than a batch's worth, so the next batch is ready when the database has written this one;
    0 runs fetch, parse and write one after the other (CAFE24_ORDERS_PREFETCH_PAGES)."""
    write_batch_orders: int = 5000
    """Consecutive pages are written in one transaction until it holds this many orders
    (sync/write_batches.py; CAFE24_ORDERS_WRITE_BATCH, 1 writes every page on its own)."""

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
            allocate_stock=_allocation_mode(env.get("CAFE24_OMS_STOCK_ALLOCATION")),
            prefetch_pages=integer("CAFE24_ORDERS_PREFETCH_PAGES", cls.prefetch_pages, 0, 10),
            write_batch_orders=integer("CAFE24_ORDERS_WRITE_BATCH", cls.write_batch_orders, 1, 50_000),
        )


def _allocation_mode(raw: str | None) -> bool:
    mode = (raw or "pipeline").strip().lower()
    if mode not in ("pipeline", "external"):
        raise ValueError(f"CAFE24_OMS_STOCK_ALLOCATION must be 'pipeline' or 'external', got {raw!r}")
    return mode == "pipeline"


NOT_FOUND = "not found on Cafe24"


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
    api_calls: int = 0  # measured around the run by its caller (sync/result.py Timed)
    rate_limited_429: int = 0
    duration_s: float = 0.0

    def absorb(self, other: "SyncReport") -> None:
        for name in (
            "fetched",
            "stored_orders",
            "stored_items",
            "history_rows",
            "oms_orders",
            "pages",
            "windows",
            "repolled",
            "unchanged",
            "api_calls",
            "rate_limited_429",
            "duration_s",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped += other.skipped
        self.unmapped += other.unmapped
        self.days += other.days
        self.touched_days |= other.touched_days

    def to_result(self) -> SyncResult:
        """The run as the one `SyncResult` every stream reports (orders are the rows; items, status
        history, OMS orders, pages, windows and re-polls are the stream's own counts)."""
        result = SyncResult(
            self.mall_id,
            self.stream,
            fetched=self.fetched,
            stored=self.stored_orders,
            unchanged=self.unchanged,
            high_water_mark=self.high_water_mark,
            api_calls=self.api_calls,
            rate_limited_429=self.rate_limited_429,
            duration_s=self.duration_s,
        )
        for entry in self.skipped:
            if entry.get("reason") == NOT_FOUND:
                result.skip("not_found_on_cafe24")
            else:  # a record Cafe24 sent that could not be stored: named, with its reason
                result.add_malformed([{"kind": "order", "id": entry.get("id"), "reason": entry.get("reason")}])
        result.details.update(
            stored_items=self.stored_items,
            history_rows=self.history_rows,
            oms_orders=self.oms_orders,
            pages=self.pages,
            windows=self.windows,
            repolled=self.repolled,
            unmapped_items=len(self.unmapped),
        )
        return result

    def as_metadata(self) -> dict[str, Any]:
        return self.to_result().as_metadata()


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
        self.config = config or OrderSyncConfig.from_env()
        self.clock = clock
        self.on_page = on_page
        self.order_rows = OrderRows(store, mall_id)
        self._shop_nos: list[int] | None = None

    @property
    def _api(self) -> OrdersApi:
        """The client; an OrderSync made without one (re-deriving OMS orders offline) never calls Cafe24."""
        if self.client is None:
            raise RuntimeError(f"this order sync of mall {self.mall_id} has no Cafe24 client (offline re-map only)")
        return self.client

    # --- shops --------------------------------------------------------------------------------

    def shop_nos(self) -> list[int]:
        """Every active shop of the mall: list endpoints default to shop 1 and would hide the rest."""
        if self._shop_nos is None:
            self._shop_nos = active_shop_nos(self._api.list_shops())
        return self._shop_nos

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
        resuming = (
            bool(details.get("started")) and not details.get("complete") and details.get("first_day") == first_day.isoformat()
        )
        started = datetime.fromisoformat(details["started"]) if resuming else now
        newest = (
            date.fromisoformat(details["oldest_done"]) - timedelta(days=1) if resuming and details.get("oldest_done") else today
        )
        report = SyncReport(self.mall_id, STREAM_IMPORT)
        days = [newest - timedelta(days=i) for i in range((newest - first_day).days + 1)]
        runs = (
            ([(today, today)] + day_runs(days[1:], self.config.import_window_days))
            if newest == today
            else day_runs(days, self.config.import_window_days)
        )
        done = 0
        for run_newest, run_oldest in runs:
            progress = {"started": started.isoformat(), "first_day": first_day.isoformat(), "oldest_done": run_oldest.isoformat()}
            report.absorb(self._import_window(run_oldest, run_newest, source="backfill", progress=progress))
            done += (run_newest - run_oldest).days + 1
            progress_report(f"order days of {self.mall_id}", done, len(days))
        mark = started - self.config.safety_lag
        with self.store.transaction() as conn:
            self.store.record_sync(
                self.mall_id,
                STREAM_IMPORT,
                success=True,
                high_water_mark=mark,
                rows=report.stored_orders,
                details={
                    "started": started.isoformat(),
                    "first_day": first_day.isoformat(),
                    "complete": True,
                    "resumed": resuming,
                },
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
            pages = self._api.iter_orders(shop_no, oldest, newest, date_type="order_date", embed=self.config.embed, parse=False)
            self._write_pages(pages, report, source=source, imported_backfill=source == "backfill")
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
        open_orders = self.order_rows.open_orders(OPEN_CODES, horizon)
        by_shop: dict[int, list[str]] = {}
        for shop_no, order_id in open_orders.iter_rows():
            if (shop_no, order_id) not in exclude:
                by_shop.setdefault(shop_no, []).append(order_id)
        size = self.config.repoll_batch
        for shop_no, ids in by_shop.items():
            for i in range(0, len(ids), size):
                batch = ids[i : i + size]
                orders = list(self._orders_of(self._api.get_orders(shop_no, batch, embed=self.config.embed), report))
                report.pages += 1
                report.repolled += len(batch)
                frames = self._records_frames(orders, report, imported_backfill=False)
                with self.store.transaction() as conn:
                    self._write(frames, report, source="poll", conn=conn)
                if self.on_page:
                    self.on_page(report)

    # --- targeted re-fetch (webhooks) -----------------------------------------------------------

    def refetch_orders(self, shop_no: int, order_ids: Sequence[str], *, source: str = "webhook") -> SyncReport:
        """Re-read these orders of one shop by id (batches of `repoll_batch`) and write them exactly as
        the polls do (same frames, same `_write`); no high-water mark moves. Ids Cafe24 does not return
        are reported in `skipped` ("not found on Cafe24")."""
        report = SyncReport(self.mall_id, "orders.refetch")
        wanted = sorted({str(i).strip() for i in order_ids if str(i).strip()})
        size = self.config.repoll_batch
        for start in range(0, len(wanted), size):
            batch = wanted[start : start + size]
            orders = list(self._orders_of(self._api.get_orders(shop_no, batch, embed=self.config.embed), report))
            report.pages += 1
            report.repolled += len(batch)
            returned = {o.order_id for o in orders}
            report.skipped += [{"id": i, "reason": NOT_FOUND} for i in batch if i not in returned]
            frames = self._records_frames(orders, report, imported_backfill=False)
            with self.store.transaction() as conn:
                self._write(frames, report, source=source, conn=conn)
            if self.on_page:
                self.on_page(report)
        return report

    # --- OMS re-map -------------------------------------------------------------------------------

    def remap_oms(self, days: Sequence[date]) -> SyncReport:
        """Re-derive oms_orders / oms_order_items for stored orders of these KST days (no API calls).

        Used by the `oms/orders` asset: after OMS stock changes, Partial orders can become New.
        """
        report = SyncReport(self.mall_id, "oms.orders", days=sorted(d.isoformat() for d in days))
        with self.store.transaction() as conn:
            orders = self.order_rows.orders_of_days(conn, days)
            if orders.height == 0:
                return report
            ids = orders["order_id"].to_list()
            items = self.order_rows.items_of_orders(conn, ids)
            now = self.clock()
            ledger = self._ledger(items, conn)
            mapping = map_orders(
                orders,
                items,
                stock_by_sku=self._stock(items, conn, ledger),
                current_items=self.order_rows.oms_items(conn, ids),
                current_created_at=self.order_rows.oms_created(conn, ids),
                now=now,
            )
            self.store.upsert("oms_orders", mapping.orders, conn=conn)
            self.store.upsert("oms_order_items", mapping.items, conn=conn)
            self._allocate(mapping.items, orders, conn, now, ledger)
            changed = [
                (code, mapping.item_oms_status.get(code))
                for code, current in items.select("order_item_code", "oms_status").iter_rows()
                if mapping.item_oms_status.get(code) != current
            ]
            self.order_rows.set_item_oms_statuses(conn, changed)
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
                pages = self._api.iter_orders(
                    shop_no,
                    start.astimezone(KST).date(),
                    end.astimezone(KST).date(),
                    date_type=date_type,
                    embed=self.config.embed,
                    parse=False,
                )
                seen.update((shop_no, oid) for oid in self._write_pages(pages, report, source=source, imported_backfill=False))
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
                self.mall_id,
                stream,
                success=True,
                high_water_mark=mark,
                rows=report.stored_orders,
                details=report.as_metadata() | {"skipped": report.skipped[:20]},
                conn=conn,
            )
        report.high_water_mark = mark

    def record_failure(self, stream: str, error: BaseException) -> None:
        """Note a failed run in sync_state (the mark stays where it was)."""
        self.store.record_sync(self.mall_id, stream, success=False, error=f"{type(error).__name__}: {error}"[:500])

    def _write_pages(self, pages: Iterable[OrderPage], report: SyncReport, *, source: str, imported_backfill: bool) -> list[str]:
        """Write these pages, fetched and parsed ahead, gathered into batches of about
        `write_batch_orders` orders (one transaction each); the ids of the orders read (written, or
        found unchanged)."""
        seen: list[str] = []
        built = self._prefetched(pages, imported_backfill=imported_backfill)
        for batch in write_batches(built, lambda page: page[1].orders_read, self.config.write_batch_orders):
            for _page, page in batch:
                report.pages += 1
                report.absorb(page.counted)
                seen += page.unchanged_ids
            frames = combine_pages([page.frames for _page, page in batch])
            seen += frames.order_ids
            with self.store.transaction(bulk=True) as conn:
                self._write(frames, report, source=source, conn=conn)
            if self.on_page:
                self.on_page(report)
        return seen

    def _prefetched(self, pages: Iterable[OrderPage], *, imported_backfill: bool) -> Iterator[tuple[OrderPage, "BuiltPage"]]:
        """The pages with their frames, the next pages fetched and parsed while the caller writes;
        each page's counts (fetched, skipped, unchanged) come in a report of its own for the caller to absorb."""

        return prefetched(
            pages, lambda page: self._build_page(page, imported_backfill=imported_backfill), ahead=self.config.prefetch_pages
        )

    def _build_page(self, page: OrderPage, *, imported_backfill: bool) -> "BuiltPage":
        """One page's frames, the orders the store already holds exactly left out (unparsed)."""
        counted = SyncReport(self.mall_id, "page")
        page, hashes, unchanged = self._drop_unchanged(page, counted)
        frames = self._page_frames(page, counted, imported_backfill=imported_backfill)
        if hashes is not None:
            frames = with_raw_hashes(frames, hashes)
        return BuiltPage(counted, frames, unchanged)

    def _drop_unchanged(self, page: OrderPage, counted: SyncReport) -> tuple[OrderPage, pl.DataFrame | None, list[str]]:
        """The raw page without the orders the store holds exactly as sent (sync/raw_skip.py)."""
        if not getattr(page, "raw", False) or not page.records:
            return page, None, []
        hashes = raw_hashes(page.records, page.shop_no)
        if hashes.height == 0:
            return page, hashes, []
        stored = self.order_rows.raw_hashes(hashes["shop_no"].unique().to_list(), hashes["order_id"].to_list())
        same = unchanged_keys(hashes, stored)
        if not same:
            return page, hashes, []
        counted.fetched += len(same)
        counted.unchanged += len(same)
        return replace(page, records=without(page.records, page.shop_no, same)), hashes, [oid for _shop, oid in same]

    def _page_frames(self, page: OrderPage, report: SyncReport, *, imported_backfill: bool) -> OrderFrames:
        if getattr(page, "raw", False):
            # raw JSON objects: read column by column, irregular orders through Order.from_api (order_columns.py)
            built = raw_order_frames(
                self.mall_id, page.records, shop_no=page.shop_no, synced_at=self.clock(), imported_backfill=imported_backfill
            )
            report.fetched += len(page.records) - len(built.issues)  # as the typed route counts them
            for issue in built.issues:
                report.skipped.append({"id": str(getattr(issue, "record_id", "")), "reason": str(issue)})
            report.skipped += built.skipped
            return built.frames
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

    def _write(self, frames: OrderFrames, report: SyncReport, *, source: str, conn: StoreConnection) -> None:
        """Write one batch: mirror, receivers, history, OMS; all in the caller's transaction.

        Orders whose content (order and every item, by content hash) is unchanged and fully mapped are
        skipped: polls re-read whole days, and rewriting identical rows would be wasted work.
        What the store holds about the batch is read once per table (keyed by the batch's order ids)
        and compared with polars joins, not row by row (DESIGN.md §8).
        """
        if frames.orders.height == 0:
            return
        ids = frames.order_ids
        shops = sorted(frames.orders["shop_no"].unique().to_list())
        stored_orders = self.order_rows.stored_orders(conn, shops, ids)
        stored_items = self.order_rows.stored_items(conn, ids)
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

        oms_current = self.order_rows.oms_items(conn, order_ids)
        created = self.order_rows.oms_created(conn, order_ids)
        ledger = self._ledger(items, conn)
        stock = self._stock(items, conn, ledger)
        mapping = map_orders(orders, items, stock_by_sku=stock, current_items=oms_current, current_created_at=created, now=now)
        items = items.with_columns(_oms_status_column(items, mapping.item_oms_status))
        orders = _vouched_raw_hash(orders, items)
        self.store.upsert("cafe24_orders", orders, conn=conn)
        self.store.upsert("cafe24_order_items", items, conn=conn)
        report.stored_orders += orders.height
        report.stored_items += items.height
        self.store.upsert("cafe24_order_receivers", frames.receivers, conn=conn)
        report.history_rows += self.store.append_history(diff.history, conn=conn)
        self.store.upsert("oms_orders", mapping.orders, conn=conn)
        self.store.upsert("oms_order_items", mapping.items, conn=conn)
        self._allocate(mapping.items, orders, conn, now, ledger)
        report.oms_orders += mapping.orders.height
        report.unmapped += mapping.unmapped
        report.touched_days.update(d.isoformat() for d in orders["order_date_kst"].drop_nulls().unique().to_list())

    def _only_changed(
        self,
        frames: OrderFrames,
        report: SyncReport,
        stored_orders: pl.DataFrame,
        stored_items: pl.DataFrame,
        conn: StoreConnection,
    ) -> OrderFrames:
        """The batch without the orders the store already holds exactly (order, items, receivers, mapped)."""
        if stored_orders.height == 0:
            return frames
        ids = frames.order_ids
        shops = sorted(frames.orders["shop_no"].unique().to_list())
        key = ["shop_no", "order_id"]
        # 1. the order's own hash differs (or the order is new), or its raw JSON does (the stored raw
        # hash is then brought up to date, so the next poll can skip it unparsed: sync/raw_skip.py)
        now_hashes = [c for c in ("content_hash", "raw_hash") if c in frames.orders.columns]
        compared = frames.orders.select(*key, *now_hashes).join(
            stored_orders.select(*key, *[pl.col(c).alias(f"_then_{c}") for c in now_hashes]), on=key, how="left"
        )
        order_changed = compared.filter(
            pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"_then_{c}")) for c in now_hashes])
        ).get_column("order_id")
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
        fields = [c for c in frames.receivers.columns if c not in ("mall_id", "synced_at")]
        receivers_then = self.order_rows.stored_receivers(conn, shops, ids, fields).select(fields)
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
        return OrderFrames(orders=changed_orders, items=frames.items.filter(keep), receivers=frames.receivers.filter(keep))

    def _keep_backfill_flag(self, orders: pl.DataFrame, stored_orders: pl.DataFrame) -> pl.DataFrame:
        """An order keeps the `imported_backfill` flag of its first import."""
        if stored_orders.height == 0:
            return orders
        first = stored_orders.select("shop_no", "order_id", pl.col("imported_backfill").fill_null(False).alias("_first"))
        return (
            orders.join(first, on=["shop_no", "order_id"], how="left", maintain_order="left")
            .with_columns(pl.coalesce(pl.col("_first"), pl.col("imported_backfill")).cast(pl.Boolean).alias("imported_backfill"))
            .drop("_first")
        )

    def _ledger(self, items: pl.DataFrame, conn: StoreConnection) -> pl.DataFrame | None:
        """The stock ledger rows of the batch's items, read once for both `_stock` and `_allocate`."""
        if not self.config.allocate_stock:
            return None
        return StockLedger(self.store).held(conn, self.mall_id, items["order_item_code"].to_list())

    def _stock(self, items: pl.DataFrame, conn: StoreConnection, ledger: pl.DataFrame | None) -> dict[str, int]:
        """OMS stock per SKU of these items, for New vs Partial: what is free plus what these items
        already took (an allocated New order stays New when its own units left the free stock)."""
        skus = items["sku"].drop_nulls().unique().to_list()
        if not skus:
            return {}
        rows = self.order_rows.oms_stock(conn, skus)
        stock = {sku: int(stock) for sku, stock in rows.iter_rows()}
        if ledger is not None:
            for sku, units in units_held(ledger).items():
                if sku in stock:
                    stock[sku] += units
        return stock

    def _allocate(
        self, oms_items: pl.DataFrame, orders: pl.DataFrame, conn: StoreConnection, now: datetime, ledger: pl.DataFrame | None
    ) -> None:
        """Take OMS stock for accepted items and give it back for cancelled ones (oms/allocation.py)."""
        if ledger is None or oms_items.height == 0:
            return
        dated = oms_items.select("order_id", "order_item_code", "sku", "quantity", "status").join(
            orders.select("order_id", "order_date").unique("order_id"), on="order_id", how="left"
        )
        StockLedger(self.store).apply(conn, self.mall_id, dated, at=now, ledger=ledger)


def _oms_status_column(items: pl.DataFrame, item_oms_status: dict[str, str | None]) -> pl.Series:
    """`oms_status` for each item row, from the mapping's code -> status dict."""
    lookup = pl.DataFrame(
        {"order_item_code": list(item_oms_status), "oms_status": list(item_oms_status.values())},
        schema={"order_item_code": pl.String, "oms_status": pl.String},
    )
    return items.select("order_item_code").join(lookup, on="order_item_code", how="left", maintain_order="left")["oms_status"]


def _vouched_raw_hash(orders: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """`raw_hash` to store: the page's hash where every item of the order is mapped, else NULL (an
    unmapped order must be parsed again); NULL for orders from the typed route (no raw JSON)."""
    if "raw_hash" not in orders.columns:
        return orders.with_columns(pl.lit(None, dtype=pl.String).alias("raw_hash"))
    unmapped = items.filter(pl.col("oms_status").is_null()).get_column("order_id").unique()
    if unmapped.len() == 0:
        return orders
    return orders.with_columns(
        pl.when(pl.col("order_id").is_in(unmapped.implode())).then(None).otherwise(pl.col("raw_hash")).alias("raw_hash")
    )


@dataclass
class BuiltPage:
    """A page as the prefetch thread hands it over: its counts, its frames, and the orders it had
    that the store already holds exactly (not parsed, not written)."""

    counted: SyncReport
    frames: OrderFrames
    unchanged_ids: list[str]

    @property
    def orders_read(self) -> int:
        return self.frames.orders.height + len(self.unchanged_ids)


def with_raw_hashes(frames: OrderFrames, hashes: pl.DataFrame) -> OrderFrames:
    """The frames with each order's raw hash (NULL where the page could not vouch for it)."""
    orders = frames.orders.join(hashes, on=["shop_no", "order_id"], how="left", maintain_order="left")
    return OrderFrames(orders=orders, items=frames.items, receivers=frames.receivers)
