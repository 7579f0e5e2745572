"""benchmarks/report.py: the generated table lists both local benchmarks from their result files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _report_module():
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "report.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(total: float, rate_key: str, rate: int) -> dict:
    return {"total_s": total, "cpu_s": total - 1, rate_key: rate, "ceiling_ratio": 1.5, "peak_rss_mib": 150}


def test_render_lists_orders_and_catalogue_runs(tmp_path, monkeypatch):
    report = _report_module()
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    base = {"measured_at": "2026-12-03T19:00:00+00:00", "load_average_at_start": [0.5, 0.4, 0.3]}
    (tmp_path / "orders_local.json").write_text(
        json.dumps({**base, "orders": 100000, "route": "columns", "sqlite": {"first_import": _run(30.5, "orders_per_s", 3279)}})
    )
    (tmp_path / "catalog_local.json").write_text(
        json.dumps(
            {
                **base,
                "products": 100000,
                "variants_per_product": 2,
                "sqlite": {"rerun": _run(12.0, "products_per_s", 8333)},
                "postgresql": {"error": "OperationalError: connection refused"},
            }
        )
    )
    text = report.render()
    assert "| sqlite | first import | 30.5 | 29.5 | 3,279 | 1.5 | 150 |" in text
    assert "Catalogue import (`catalog_local.json`, 100,000 products × 2 variants" in text
    assert "| sqlite | rerun | 12.0 | 11.0 | 8,333 | 1.5 | 150 |" in text
    assert "| postgresql | — | error: OperationalError: connection refused |" in text
    assert text.startswith(report.START) and text.endswith(report.END)


def test_a_result_without_measured_at_outside_git_is_not_given_a_made_up_date(tmp_path, monkeypatch):
    report = _report_module()
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    (tmp_path / "push.json").write_text(json.dumps({"calls": 3}))
    (tmp_path / "webhook_latency.json").write_text(json.dumps({"measured_at": "2026-12-03T17:51:00+00:00"}))
    lines = report.files_table()
    assert "| `push.json` | not recorded |" in lines
    assert "| `webhook_latency.json` | 2026-12-03T17:51Z |" in lines
