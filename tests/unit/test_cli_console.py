"""The CLI's consoles follow COLUMNS at every print, not the value they were imported under."""

from __future__ import annotations

from cafe24_pipeline.commands.common import LiveWidthConsole


def test_width_follows_columns_after_creation(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    console = LiveWidthConsole()
    assert console.width == 40
    monkeypatch.setenv("COLUMNS", "200")  # the next command in the same process
    assert console.width == 200


def test_an_explicit_width_stays(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    assert LiveWidthConsole(width=120).width == 120
