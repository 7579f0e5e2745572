"""What the CLI reads back from a job run: the operator's error line, metadata and check outcomes."""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa

from cafe24_pipeline.commands.job_report import check_outcomes, error_line, materializations, step_failures


def _integrity_error() -> sa.exc.IntegrityError:
    """A real SQLAlchemy error: its message ends with the "(Background on this error at: ...)" line."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    except sa.exc.IntegrityError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the duplicate insert did not fail")


def test_sqlalchemy_message_gives_the_real_line_not_the_background_link():
    message = f"sqlalchemy.exc.IntegrityError: {_integrity_error()}\n"
    assert message.strip().splitlines()[-1].startswith("(Background on this error at: https://sqlalche.me/")
    assert error_line(message) == "sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: t.id"


@pytest.mark.parametrize(
    ("message", "line"),
    [
        ("\n\n  ValueError: bad SKU  \n", "ValueError: bad SKU"),
        ("first\nsecond\n", "first"),
        (
            "(Background on this error at: https://sqlalche.me/e/20/gkpj)\n",
            "(Background on this error at: https://sqlalche.me/e/20/gkpj)",
        ),
        ("   ", "failed"),
    ],
)
def test_error_line_edge_cases(message, line):
    assert error_line(message) == line


def test_step_failure_reports_the_error_the_step_raised():
    @dg.op
    def write_rows():
        raise _integrity_error()

    @dg.job
    def failing_job():
        write_rows()

    result = failing_job.execute_in_process(raise_on_error=False)
    assert not result.success
    assert step_failures(result) == [
        "write_rows: sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: t.id"
    ]


def test_materializations_and_check_outcomes_by_severity():
    @dg.asset(key=["cafe24", "things"])
    def things() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows_stored": 3, "skipped_by_reason": dg.MetadataValue.json({"bad": 1})})

    @dg.asset_check(asset=things)
    def must_hold() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata={"offending_rows_count": 2})

    @dg.asset_check(asset=things)
    def should_hold() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)

    @dg.asset_check(asset=things)
    def holds() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    with dg.instance_for_test() as instance:
        result = dg.materialize([things, must_hold, should_hold, holds], instance=instance, raise_on_error=False)
    assert step_failures(result) == []
    assert materializations(result) == [{"asset": "cafe24/things", "rows_stored": 3, "skipped_by_reason": {"bad": 1}}]
    failed, warned = check_outcomes(result)
    assert failed == [{"check": "cafe24/things:must_hold", "offending_rows": 2}]
    assert warned == [{"check": "cafe24/things:should_hold", "offending_rows": 0}]
