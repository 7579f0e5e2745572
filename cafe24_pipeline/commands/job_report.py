"""Run one of the project's jobs for a mall from the CLI, and read back what it did.

Every `sync` command launches its job the same way (on the local instance, the mall registered in
the `malls` partition, tagged `cafe24/mall_id` and `cafe24/trigger=cli`) and reports from the run's
events: step failures as one line an operator can act on, materialization and step-output
metadata, and asset check results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cafe24_pipeline.settings import Settings

MALL_TAG = "cafe24/mall_id"
TRIGGER_TAG = "cafe24/trigger"
# Lines of an error message that say nothing about what went wrong (SQLAlchemy ends each error with one).
_NOISE_PREFIXES = ("(Background on this error at:",)


@dataclass
class RunReport:
    """The run's id and outcome, and one `step: reason` line per failed step."""

    job_name: str
    run_id: str
    success: bool
    errors: list[str] = field(default_factory=list)


def run_mall_job(
    settings: Settings,
    mall: str,
    job_name: str,
    *,
    partition_key: Any = None,
    run_config: dict[str, Any] | None = None,
    run_id: str | None = None,
):
    """Run `job_name` in process on the local instance for `mall` (partition `mall` unless another
    key is given); returns the ExecuteInProcessResult, whose events stay readable after it returns."""
    from cafe24_pipeline.commands.dagster_runs import ensure_mall_partition, local_instance, run_job

    instance = local_instance(settings)
    try:
        ensure_mall_partition(instance, mall)
        return run_job(
            job_name,
            instance=instance,
            partition_key=mall if partition_key is None else partition_key,
            tags={MALL_TAG: mall, TRIGGER_TAG: "cli"},
            run_config=run_config,
            run_id=run_id,
        )
    finally:
        instance.dispose()


def error_line(message: str) -> str:
    """The first line of an error message that says what went wrong (blank lines and SQLAlchemy's
    "(Background on this error at: https://sqlalche.me/...)" are skipped)."""
    for line in message.splitlines():
        line = line.strip()
        if line and not line.startswith(_NOISE_PREFIXES):
            return line
    return message.strip() or "failed"


def step_failures(result: Any) -> list[str]:
    """`step_key: reason` for each failed step; the reason comes from the error the step's code
    raised (Dagster's wrapper only says which step failed)."""
    failures = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        data = event.step_failure_data
        error = (data.error.cause or data.error) if data and data.error else None
        failures.append(f"{event.step_key}: {error_line(error.message) if error else 'failed'}")
    return failures


def metadata_values(metadata: Any) -> dict[str, Any]:
    """Plain values of a Dagster metadata mapping (MetadataValue wrappers unwrapped)."""
    return {key: getattr(value, "value", value) for key, value in (metadata or {}).items()}


def materializations(result: Any) -> list[dict[str, Any]]:
    """One dict per asset materialization: `asset` (its key as a path string) and its metadata."""
    rows = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            rows.append({"asset": mat.asset_key.to_user_string(), **metadata_values(mat.metadata)})
    return rows


def step_output_metadata(result: Any, step_key: str) -> dict[str, Any]:
    """Metadata of the outputs of step `step_key` (an op job's summary)."""
    meta: dict[str, Any] = {}
    for event in result.all_events:
        if event.event_type_value == "STEP_OUTPUT" and event.step_key == step_key and event.event_specific_data:
            meta.update(metadata_values(event.event_specific_data.metadata))
    return meta


def check_outcomes(result: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(failed, warned) asset checks that did not pass, by severity: `check` is `asset:check_name`,
    `offending_rows` the count the check reported."""
    failed: list[dict[str, Any]] = []
    warned: list[dict[str, Any]] = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        item = {
            "check": f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
            "offending_rows": metadata_values(evaluation.metadata).get("offending_rows_count", 0),
        }
        (failed if evaluation.severity.value == "ERROR" else warned).append(item)
    return failed, warned
