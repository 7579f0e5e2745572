"""The layering of docs/architecture.md, checked by walking every module's imports.

Cores import no Dagster; only `store/` (and settings' URL parsing) imports SQLAlchemy; `oms/` holds
rules only (it may read Cafe24 record types, nothing of the client or the store); the Cafe24 client
imports nothing of the pipeline but settings and `files.py` (private folders); the sandbox never imports the pipeline.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORES = ("cafe24", "oms", "store", "sync", "bulk", "shipping", "webhooks")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: -node.level])
                found.add(f"{base}.{node.module}" if node.module else base)
            else:
                found.add(node.module or "")
    return found


def _violations() -> set[tuple[str, str]]:
    bad: set[tuple[str, str]] = set()
    for path in sorted(ROOT.glob("cafe24_pipeline/**/*.py")) + sorted(ROOT.glob("cafe24_sandbox/**/*.py")):
        rel = path.relative_to(ROOT)
        top_pkg = rel.parts[0]
        sub = rel.parts[1] if len(rel.parts) > 2 else ""
        for name in _imports(path):
            first = name.split(".")[0]
            if top_pkg == "cafe24_sandbox":
                if first == "cafe24_pipeline":
                    bad.add((str(rel), "the sandbox imports the pipeline"))
                continue
            if sub in CORES and first == "dagster":
                bad.add((str(rel), "a core imports dagster"))
            if first == "sqlalchemy" and sub != "store" and rel.name != "settings.py":
                bad.add((str(rel), "sqlalchemy outside store/"))
            if sub == "oms" and name.startswith("cafe24_pipeline.") and not name.startswith("cafe24_pipeline.oms"):
                bad.add((str(rel), f"oms/ imports {name}"))
            if (
                sub == "cafe24"
                and name.startswith("cafe24_pipeline.")
                and not (
                    name.startswith("cafe24_pipeline.cafe24") or name in ("cafe24_pipeline.settings", "cafe24_pipeline.files")
                )
            ):
                bad.add((str(rel), f"the client imports {name}"))
    return bad


# Violations still to fix; the test fails when this set is wrong in either direction.
KNOWN: set[tuple[str, str]] = set()


def test_the_layers_hold() -> None:
    assert _violations() == KNOWN


def test_the_walker_sees_a_violation(tmp_path: Path) -> None:
    probe = ROOT / "cafe24_pipeline" / "oms" / "_boundary_probe.py"
    probe.write_text("import dagster\nfrom cafe24_pipeline.store import Store\n", encoding="utf-8")
    try:
        found = _violations() - KNOWN
    finally:
        probe.unlink()
    assert found == {
        ("cafe24_pipeline/oms/_boundary_probe.py", "a core imports dagster"),
        ("cafe24_pipeline/oms/_boundary_probe.py", "oms/ imports cafe24_pipeline.store"),
    }
