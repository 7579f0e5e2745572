"""Private files and folders: the pipeline home, the SQLite store and the token key hold personal
data (receiver names, phones, addresses) and secrets, so what the pipeline creates is readable by
its own user only (folders 0700, files 0600) where the file system allows it. Existing paths are
left as they are: an operator may have chosen wider access on purpose. Plain Python, no Dagster.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) 0700; an existing folder is kept as it is. Raises OSError."""
    path = Path(path)
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(20, "exists and is not a folder", str(path))
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    for created in missing:
        try:
            os.chmod(created, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
        except OSError:  # a file system without modes (e.g. some network mounts)
            pass
    return path


def create_private_file(path: Path) -> bool:
    """Create an empty file 0600 if it does not exist yet (True when this call created it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    try:
        os.chmod(path, PRIVATE_FILE_MODE)
    except OSError:
        pass
    return True
