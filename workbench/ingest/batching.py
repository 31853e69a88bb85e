"""Encoder batches of similar length, from a stream of documents.

A transformer pads every text of a batch to the longest one, so a batch of 64 passages of
20–90 tokens can do almost twice the work it needs. Encoding a whole corpus in one call
sorted by length avoids that, but a stream of documents has no "whole corpus".
``LengthBatcher`` keeps a pool of passages waiting to be encoded, from whole items
(documents), and hands out, each time, the run of ``batch`` passages whose lengths are
closest. An item is finished when its last passage has been encoded.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


@dataclass(order=True)
class _Slot:
    length: int
    serial: int
    owner: int = field(compare=False)
    index: int = field(compare=False)


class LengthBatcher(Generic[T]):
    """Pool the texts of whole items; hand out tight batches; report finished items.

    Usage: ``add(item, texts)`` as items arrive; while ``ready()``: ``taken = take()``
    (a list of ``(item, index)``), encode those texts, ``done()``; ``finished()`` lists
    the items whose texts are all encoded. ``close()`` at the end of the input lets the
    last, smaller batches out.
    """

    def __init__(self, batch: int = 64, pool: int = 2048) -> None:
        if batch < 1 or pool < batch:
            raise ValueError("need 1 <= batch <= pool")
        self.batch = batch
        self.pool = pool
        self._slots: list[_Slot] = []  # sorted by (length, arrival)
        self._items: dict[int, T] = {}
        self._left: dict[int, int] = {}
        self._taken: list[_Slot] = []
        self._finished: list[T] = []
        self._serial = 0
        self._added = 0
        self._encoded = 0
        self._closed = False

    def add(self, item: T, texts: Sequence[str]) -> None:
        owner = self._added
        self._added += 1
        if not texts:
            self._finished.append(item)
            return
        self._items[owner] = item
        self._left[owner] = len(texts)
        for index, text in enumerate(texts):
            self._serial += 1
            bisect.insort(self._slots, _Slot(len(text), self._serial, owner, index))

    def close(self) -> None:
        """No more items: whatever is left may go out in smaller or looser batches."""
        self._closed = True

    def ready(self) -> bool:
        """Is there a batch to hand out now?

        Until the input is closed, a batch goes out once the pool holds as many passages
        as have been encoded so far (at least one batch, at most ``pool``): the first
        batch leaves at once, so encoding starts early, and later ones are chosen from an
        ever larger pool.
        """
        if self._taken or not self._slots:
            return False
        if self._closed:
            return True
        return len(self._slots) >= min(self.pool, max(self.batch, self._encoded))

    def take(self) -> list[tuple[T, int]]:
        """The ``(item, text index)`` pairs of the tightest run of ``batch`` passages.

        Lengths are in characters (as sentence-transformers sorts them); the run with
        the least padding (``batch × its longest − its total``) wins.
        """
        if self._taken:
            raise RuntimeError("call done() for the previous batch first")
        if not self._slots:
            raise RuntimeError("nothing to take")
        n = min(self.batch, len(self._slots))
        lengths = np.fromiter((s.length for s in self._slots), dtype=np.int64)
        sums = np.concatenate(([0], np.cumsum(lengths)))
        starts = np.arange(len(lengths) - n + 1)
        waste = n * lengths[starts + n - 1] - (sums[starts + n] - sums[starts])
        best = int(np.argmin(waste))
        self._taken = self._slots[best : best + n]
        del self._slots[best : best + n]
        return [(self._items[s.owner], s.index) for s in self._taken]

    def done(self) -> None:
        """The last batch taken has been encoded."""
        for slot in self._taken:
            self._left[slot.owner] -= 1
            if self._left[slot.owner] == 0:
                del self._left[slot.owner]
                self._finished.append(self._items.pop(slot.owner))
        self._encoded += len(self._taken)
        self._taken = []

    def finished(self) -> list[T]:
        """Items completed since the last call, in the order they completed."""
        out, self._finished = self._finished, []
        return out

    def __len__(self) -> int:
        """Texts not yet encoded (pooled or taken)."""
        return len(self._slots) + len(self._taken)
