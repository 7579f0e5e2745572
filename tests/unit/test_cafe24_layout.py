"""The client core stays plain Python: importing every module of cafe24_pipeline.cafe24 loads no Dagster."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import cafe24_pipeline.cafe24 as package


def test_no_dagster_import_in_the_client_core():
    modules = [f"cafe24_pipeline.cafe24.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    assert "cafe24_pipeline.cafe24.client" in modules and len(modules) >= 12
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'dagster' or m.startswith('dagster.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
