"""Bulk listing from an Excel workbook: template, streaming reader, validation, per-product plans, result workbook.

Plain Python (no Dagster, no SQL, no HTTP). The apply step (POST /products, bulk variant PUT, the push writer)
and the CLI use the plans built here.
"""

from cafe24_pipeline.bulk.columns import COLUMNS, DEFAULT_LIMITS, Limits
from cafe24_pipeline.bulk.errors import BulkFileError
from cafe24_pipeline.bulk.existing import ExistingListing
from cafe24_pipeline.bulk.plan import (
    Change,
    OptionAxis,
    ProductPlan,
    RowResult,
    UploadPlan,
    VariantPlan,
    build_plans,
    plan_upload,
)
from cafe24_pipeline.bulk.reader import ProductsSheet, SheetRow, open_products_sheet
from cafe24_pipeline.bulk.report import RowOutcome, dry_run_outcomes, write_report
from cafe24_pipeline.bulk.template import write_template
from cafe24_pipeline.bulk.validation import ValidatedRows, validate_rows

__all__ = [
    "COLUMNS",
    "DEFAULT_LIMITS",
    "BulkFileError",
    "Change",
    "ExistingListing",
    "Limits",
    "OptionAxis",
    "ProductPlan",
    "ProductsSheet",
    "RowOutcome",
    "RowResult",
    "SheetRow",
    "UploadPlan",
    "ValidatedRows",
    "VariantPlan",
    "build_plans",
    "dry_run_outcomes",
    "open_products_sheet",
    "plan_upload",
    "validate_rows",
    "write_report",
    "write_template",
]
