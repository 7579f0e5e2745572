"""The bulk-upload inbox: a folder a seller (or a file share) drops workbooks into (plain Python).

Layout: `<inbox>/<mall_id>/*.xlsx` for a given mall, or `<inbox>/*.xlsx` for CAFE24_MALL_ID. The folder is
CAFE24_BULK_INBOX, default `<CAFE24_PIPELINE_HOME>/bulk_inbox`. A processed file moves to `done/` (every row
created, updated or unchanged) or `failed/` (any row in error, or a file that could not be read) next to it,
with its result workbook (`<name>.result.xlsx`) or, for an unreadable file, `<name>.error.txt` beside it. A
file whose mall was busy with another sync stays in the inbox and is tried again.

Files still being written are left alone: Excel's lock files (`~$…`), hidden files, and files changed in the
last `settle_seconds`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from cafe24_pipeline.settings import Settings, SettingsError, validate_mall_id

SUFFIXES = (".xlsx", ".xlsm")
DONE, FAILED = "done", "failed"


@dataclass(frozen=True)
class InboxFile:
    path: Path
    mall_id: str
    sha256: str
    mtime_ns: int

    @property
    def run_key(self) -> str:
        """The file's content hash (and when it was dropped: the same file dropped again is a new upload)."""
        return f"bulk:{self.mall_id}:{self.sha256[:32]}:{self.mtime_ns}"


def inbox_path(settings: Settings) -> Path:
    configured = settings.value("CAFE24_BULK_INBOX")
    return Path(configured).expanduser() if configured else settings.home / "bulk_inbox"


def pending_files(
    inbox: Path, *, default_mall: str | None, settle_seconds: float = 5.0, now: float | None = None
) -> tuple[list[InboxFile], list[str]]:
    """(files ready to upload, notes about files left alone), oldest first."""
    now = time.time() if now is None else now
    found: list[InboxFile] = []
    notes: list[str] = []
    if not inbox.is_dir():
        return [], [f"inbox {inbox} does not exist"]
    candidates: list[tuple[Path, str | None]] = [(p, default_mall) for p in sorted(inbox.iterdir()) if p.is_file()]
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir() and p.name not in (DONE, FAILED)):
        try:
            folder_mall = validate_mall_id(folder.name, source=f"inbox folder {folder.name}")
        except SettingsError:
            notes.append(f"{folder.name}/ is not a mall id; ignored")
            continue
        candidates.extend((p, folder_mall) for p in sorted(folder.iterdir()) if p.is_file())
    for path, mall in candidates:
        if path.name.startswith(("~$", ".")) or path.suffix.lower() not in SUFFIXES:
            continue
        if mall is None:
            notes.append(f"{path.name}: no mall (put it in {inbox}/<mall_id>/ or set CAFE24_MALL_ID)")
            continue
        stat = path.stat()
        if now - stat.st_mtime < settle_seconds:
            notes.append(f"{path.name}: still being written")
            continue
        found.append(InboxFile(path, mall, _sha256(path), stat.st_mtime_ns))
    found.sort(key=lambda f: f.mtime_ns)
    return found, notes


def report_beside(path: Path) -> Path:
    return path.with_name(f"{path.stem}.result.xlsx")


def settle(path: Path, *, ok: bool, report: Path | None = None, error: str | None = None) -> Path:
    """Move a processed inbox file (and its result workbook) to done/ or failed/; returns its new path."""
    target_dir = path.parent / (DONE if ok else FAILED)
    target_dir.mkdir(exist_ok=True)
    target = _free(target_dir / path.name)
    shutil.move(str(path), target)
    if report is not None and report.exists():
        shutil.move(str(report), _free(target_dir / f"{target.stem}.result.xlsx"))
    if error:
        (target_dir / f"{target.stem}.error.txt").write_text(error + "\n", encoding="utf-8")
    return target


def retry_later(path: Path) -> None:
    """Leave the file in the inbox as a new drop (its time changes, so does its run key): the sensor's next tick
    launches it again. For a mall busy with another sync, not for errors about the file or the mall's access."""
    os.utime(path)


def _free(path: Path) -> Path:
    """`path`, or `name (2).xlsx`, `name (3).xlsx`, … when taken (an earlier upload of the same name)."""
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
