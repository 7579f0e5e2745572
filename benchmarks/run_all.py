"""Run every benchmark in this folder, one subprocess each; results land in benchmarks/results/.

Then `report.py` writes the generated results table of docs/benchmarks.md from them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("*.py")):
        if script.name in (Path(__file__).name, "report.py") or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False).returncode != 0:
            failed.append(script.name)
    print("== report.py", flush=True)
    if subprocess.run([sys.executable, str(HERE / "report.py")], cwd=HERE.parent, check=False).returncode != 0:
        failed.append("report.py")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
