"""Versioned schema migrations, applied in order by `store.migrate`.

Each module `mNNNN_<what>.py` (NNNN = its version, consecutive from 0001) has a docstring saying why
and an `upgrade(conn)` that runs inside its own transaction. Released migrations are never edited.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from sqlalchemy.engine import Connection

_NAME = re.compile(r"^m(\d{4})_([a-z0-9_]+)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    description: str
    upgrade: Callable[[Connection], None]


def discover() -> list[Migration]:
    """Every migration module of this package, by version; gaps or duplicates are an error."""
    found: list[Migration] = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if not match:
            continue
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        if not callable(getattr(module, "upgrade", None)):
            raise RuntimeError(f"migration {info.name} has no upgrade(conn) function")
        doc = (module.__doc__ or "").strip().splitlines()
        found.append(Migration(int(match.group(1)), match.group(2), doc[0] if doc else "", module.upgrade))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        raise RuntimeError(f"migration versions must be consecutive from 1, found {[m.version for m in found]}")
    return found
