"""The operators' console in a real browser: `cafe24-pipeline dev` (sandbox + `dagster dev`) on free
loopback ports over a temporary home, a second "terminal" that syncs with the environment `dev`
printed, and Debian's chromium driven by Playwright through the Dagster UI.

Screenshots of every page land in test-artifacts/ui/ on every run; when a test fails, the page's
HTML and the browser console log are saved beside them. With CAFE24_UPDATE_DOCS_SCREENSHOTS=1 the
lineage screenshot also replaces docs/img/lineage.png (the README's picture).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "cafe24_pipeline.cli"]
CHROMIUM = Path(os.environ.get("CAFE24_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO / "test-artifacts" / "ui"
MALL = "demomall"
OPEN_GROUPS_KEY = "asset-graph-open-graph-nodes-global-__GLOBAL__"

pytestmark = pytest.mark.slow


def _groups() -> list[str]:
    """Every asset group of the definitions (the global lineage expands them all, new ones included)."""
    from cafe24_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    return sorted({graph.get(key).group_name for key in graph.get_all_asset_keys()})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAFE24_", "DAGSTER_"))}
    env["CAFE24_PIPELINE_HOME"] = str(home)
    env["COLUMNS"] = "120"
    return env


def _read_exports(path: Path) -> dict[str, str]:
    import shlex

    exports = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        exports[name] = shlex.split(value)[0] if value else ""
    return exports


@pytest.fixture(scope="module")
def console_ui(tmp_path_factory) -> Iterator[dict]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' brings playwright")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path_factory.mktemp("console")
    home = tmp / "home"
    ui_port = _free_port()
    log_path = ARTIFACTS / "dev.log"
    log = log_path.open("w")
    dev = subprocess.Popen(
        CLI + ["dev", "--port", "0", "--ui-port", str(ui_port), "--products", "40", "--orders", "80"],
        env=_clean_env(home),
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{ui_port}"
    try:
        deadline = time.monotonic() + 240
        env_file = home / "dev.env"
        while not env_file.exists() and dev.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert env_file.exists(), f"dev printed no environment:\n{log_path.read_text()[-3000:]}"
        printed = log_path.read_text()
        assert f"http://127.0.0.1:{ui_port}" in printed and "export CAFE24_API_BASE_URL=" in printed, printed

        # The second terminal: only what `dev` printed, nothing else.
        second = {**_clean_env(home), **_read_exports(env_file)}
        for command in (["sync", "catalog"], ["sync", "orders"]):
            proc = subprocess.run(CLI + command, env=second, cwd=tmp, capture_output=True, text=True, timeout=300)
            (ARTIFACTS / f"{'-'.join(command)}.log").write_text(proc.stdout + proc.stderr)
            assert proc.returncode == 0, f"{command} in a second terminal failed:\n{proc.stdout}\n{proc.stderr}"
            assert " run " in proc.stdout.splitlines()[0], proc.stdout  # the run id comes first

        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/server_info", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert dev.poll() is None, f"dev exited:\n{log_path.read_text()[-3000:]}"
            time.sleep(1)
        else:
            raise AssertionError(f"the UI did not come up:\n{log_path.read_text()[-3000:]}")
        yield {"base": base, "home": home}
    finally:
        # Ctrl-C stops everything dev started: the sandbox, the webserver, the daemon.
        os.killpg(dev.pid, signal.SIGINT)
        try:
            dev.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
            raise AssertionError("dev did not stop within 90 s of Ctrl-C") from None
        finally:
            log.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/server_info", timeout=3)


@pytest.fixture(scope="module")
def browser(console_ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, console_ui, request):
    context = browser.new_context(viewport={"width": 1800, "height": 1100}, base_url=console_ui["base"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    console_lines: list[str] = []
    page.on("console", lambda msg: console_lines.append(f"{msg.type}: {msg.text}"))
    page.console_lines = console_lines  # type: ignore[attr-defined]
    yield page
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))  # every run, pass or fail
    finally:
        context.close()


def _dismiss_welcome(page) -> None:  # noqa: ANN001
    """The first visit may show Dagster's community dialog; it covers the page."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=3_000)
        skip.click()
    except Exception:  # noqa: BLE001 - no dialog this time
        pass


def _wait_after_reloads(page, text: str, timeout: float) -> None:  # noqa: ANN001
    """Wait for `text` that a daemon writes later (the page does not refresh it by itself): reload until
    it shows, so a slow daemon on a loaded machine makes the test slower, not red."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            page.get_by_text(text).first.wait_for(timeout=10_000)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            page.reload(wait_until="networkidle")


@contextmanager
def _saved_on_failure(page, name: str) -> Iterator[None]:  # noqa: ANN001
    try:
        yield
    except BaseException:
        (ARTIFACTS / f"{name}.html").write_text(page.content())
        (ARTIFACTS / f"{name}.console.log").write_text("\n".join(page.console_lines))
        raise


def test_lineage_shows_the_cafe24_and_oms_assets(page):
    # The global lineage: every group, expanded (the UI keeps that choice in localStorage), on a screen
    # large enough for the graph (the UI draws only the nodes inside the viewport).
    page.set_viewport_size({"width": 2400, "height": 1600})
    page.goto("/asset-groups", wait_until="networkidle")
    open_groups = json.dumps({"expanded": ",".join(f"global@global:{g}" for g in _groups())})
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [OPEN_GROUPS_KEY, open_groups])
    page.reload(wait_until="networkidle")
    _dismiss_welcome(page)
    with _saved_on_failure(page, "lineage_global"):
        for name in ("variants", "brands", "products", "cafe24_connections", "shipments"):
            page.get_by_text(name, exact=True).first.wait_for()
        page.get_by_text("Passed").first.wait_for()  # check results on the nodes
        page.screenshot(path=str(ARTIFACTS / "lineage_global.png"))

    # The catalogue's cafe24/* → oms/* → push lineage around oms/listings (the README's picture).
    page.goto("/assets/oms/listings?view=lineage", wait_until="networkidle")
    with _saved_on_failure(page, "lineage"):
        for name in ("brands", "categories", "products", "variants", "listings", "push_log", "push_state"):
            page.get_by_text(name, exact=True).first.wait_for()
        page.get_by_text("2 / 2 Passed").first.wait_for()  # cafe24/variants' checks
        page.wait_for_timeout(1_500)
        shot = ARTIFACTS / "lineage.png"
        page.screenshot(path=str(shot))
    if os.environ.get("CAFE24_UPDATE_DOCS_SCREENSHOTS") == "1":
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, REPO / "docs" / "img" / "lineage.png")

    # The orders: cafe24/orders → cafe24/order_items → oms/orders, every imported day filled.
    page.goto("/assets/oms/orders?view=lineage&lineageScope=upstream", wait_until="networkidle")
    with _saved_on_failure(page, "lineage_orders"):
        page.get_by_text("order_items", exact=True).first.wait_for()
        page.get_by_text("100% filled").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "lineage_orders.png"))


def test_asset_page_shows_owner_schema_freshness_and_row_count(page):
    page.goto("/assets/cafe24/orders", wait_until="networkidle")
    _dismiss_welcome(page)
    with _saved_on_failure(page, "asset_orders"):
        page.get_by_text("Fails if more than").first.wait_for()  # the freshness policy, once it has loaded
        _wait_after_reloads(page, "Passing", 180)  # just synced: fresh, once the daemon has evaluated it
        page.get_by_text("order_date_kst").first.wait_for()
        body = page.inner_text("body")
        for expected in (
            "data-ops",
            "Columns",
            "order_date_kst",
            "decimal (exact KRW)",
            "part of the primary key",
            "Fails if more than",
            "Row count",
            "rows_stored",
            "cafe24_orders",
        ):
            assert expected in body, expected


def test_check_results_are_visible(page):
    page.goto("/assets/cafe24/orders?view=checks", wait_until="networkidle")
    _dismiss_welcome(page)
    with _saved_on_failure(page, "asset_orders_checks"):
        page.get_by_text("order_totals_consistent").first.wait_for()
        page.get_by_text("Passed").first.wait_for()
    page.goto("/assets/cafe24/order_items?view=checks", wait_until="networkidle")
    with _saved_on_failure(page, "asset_order_items_checks"):
        for name in ("every_item_mapped", "no_duplicate_order_item_code"):
            page.get_by_text(name).first.wait_for()


def test_materialize_one_mall_partition_from_the_ui(page):
    page.goto("/assets/cafe24/categories", wait_until="networkidle")
    _dismiss_welcome(page)
    with _saved_on_failure(page, "materialize_categories"):
        page.get_by_text("Never materialized").first.wait_for()  # the incremental sync does not touch it
        page.get_by_role("button", name="Materialize…").first.click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="All", exact=True).click()  # the one mall partition
        dialog.get_by_role("button", name="Launch 1 run").click()
        # the run's materialization shows its row count once the run has finished and the page reloads
        # (on a loaded machine the page renders the metadata well after the status)
        _wait_after_reloads(page, "Row count", 240)
        assert "Never materialized" not in page.inner_text("body"), "the run launched from the UI wrote nothing"
        # and the Runs page shows it succeeded (no run failed anywhere)
        page.goto("/runs", wait_until="networkidle")
        page.get_by_text("cafe24 / categories").first.wait_for()
        assert page.locator('[aria-label="run_success"]').count() >= 3  # sync catalog, sync orders, this one
        assert page.locator('[aria-label="run_failure"]').count() == 0


def test_schedules_and_sensors_pages(page):
    page.goto("/automation", wait_until="networkidle")
    _dismiss_welcome(page)
    with _saved_on_failure(page, "automation"):
        page.get_by_text("orders_new_schedule").first.wait_for()
        body = page.inner_text("body")
        for name in (
            "orders_new_schedule",
            "order_status_schedule",
            "catalog_incremental_schedule",
            "catalog_full_scan_schedule",
            "inventory_snapshot_schedule",
            "order_reconciliation_schedule",
            "token_keepalive",
            "push_sensor",
            "wms_picked_sensor",
        ):
            assert name in body, name
        page.get_by_text("orders_new_schedule").first.click()
        page.get_by_text("Starting it polls every connected mall").first.wait_for()
