"""docs/store.md lists every table of the store with its key, as schema.py defines them."""

from __future__ import annotations

import re
from pathlib import Path

from cafe24_pipeline.store import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "store.md"


def test_documented_tables_and_keys_match_the_schema():
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([a-z0-9_, ]+) \|", DOC.read_text(), flags=re.M)
    documented = {name: [k.strip() for k in keys.split(",")] for name, keys in rows}
    actual = {name: [c.name for c in t.primary_key.columns] for name, t in schema.metadata.tables.items()}
    assert documented == actual
