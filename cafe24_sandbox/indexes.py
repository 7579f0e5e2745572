"""Sorted integer indexes so list calls cost O(log n + page), not a scan."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator

_ID_BITS = 24
_ID_MASK = (1 << _ID_BITS) - 1


def _key(ts: float, ident: int) -> int:
    return (int(ts) << _ID_BITS) | ident


class TimeIndex:
    """(time, id) pairs kept sorted as packed ints; ids must be < 16,777,216."""

    __slots__ = ("_keys",)

    def __init__(self, pairs: Iterable[tuple[float, int]] = ()) -> None:
        self._keys = sorted(_key(ts, ident) for ts, ident in pairs)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, ts: float, ident: int) -> None:
        insort(self._keys, _key(ts, ident))

    def remove(self, ts: float, ident: int) -> None:
        key = _key(ts, ident)
        pos = bisect_left(self._keys, key)
        if pos < len(self._keys) and self._keys[pos] == key:
            del self._keys[pos]

    def _bounds(self, start: float, end: float) -> tuple[int, int]:
        lo = bisect_left(self._keys, int(start) << _ID_BITS)
        hi = bisect_right(self._keys, (int(end) << _ID_BITS) | _ID_MASK)
        return lo, hi

    def count(self, start: float, end: float) -> int:
        lo, hi = self._bounds(start, end)
        return hi - lo

    def ids(self, start: float, end: float, *, descending: bool = False) -> Iterator[int]:
        lo, hi = self._bounds(start, end)
        keys = self._keys
        rng = range(hi - 1, lo - 1, -1) if descending else range(lo, hi)
        for pos in rng:
            yield keys[pos] & _ID_MASK

    def ids_from(self, pos_start: int, start: float, end: float) -> Iterator[int]:
        """Ids in the window, skipping the first `pos_start` of them (O(1) skip)."""
        lo, hi = self._bounds(start, end)
        keys = self._keys
        for pos in range(lo + pos_start, hi):
            yield keys[pos] & _ID_MASK


class SortedInts:
    """A sorted list of unique ints (product numbers)."""

    __slots__ = ("values",)

    def __init__(self, values: Iterable[int] = ()) -> None:
        self.values = sorted(values)

    def __len__(self) -> int:
        return len(self.values)

    def add(self, value: int) -> None:
        pos = bisect_left(self.values, value)
        if pos == len(self.values) or self.values[pos] != value:
            self.values.insert(pos, value)

    def remove(self, value: int) -> None:
        pos = bisect_left(self.values, value)
        if pos < len(self.values) and self.values[pos] == value:
            del self.values[pos]

    def after(self, value: int) -> Iterator[int]:
        values = self.values
        for pos in range(bisect_right(values, value), len(values)):
            yield values[pos]

    def ascending(self, skip: int = 0) -> Iterator[int]:
        values = self.values
        for pos in range(skip, len(values)):
            yield values[pos]

    def descending(self, skip: int = 0) -> Iterator[int]:
        values = self.values
        for pos in range(len(values) - 1 - skip, -1, -1):
            yield values[pos]
