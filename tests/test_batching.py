"""LengthBatcher: every text encoded exactly once, tight batches, items finished once."""

from __future__ import annotations

import random

import pytest

from workbench.ingest.batching import LengthBatcher


def drain(batcher: LengthBatcher[str], items: dict[str, list[str]]) -> list[list[str]]:
    """Run the batcher the way the pipeline does; return the batches' texts."""
    batches: list[list[str]] = []
    while batcher.ready():
        taken = batcher.take()
        batches.append([items[item][i] for item, i in taken])
        batcher.done()
    return batches


def test_every_text_once_and_items_finish_when_complete() -> None:
    rng = random.Random(3)
    items = {
        f"doc{d}": ["x" * rng.randint(5, 300) + f"#{d}.{i}" for i in range(rng.randint(1, 40))]
        for d in range(50)
    }
    batcher: LengthBatcher[str] = LengthBatcher(batch=16, pool=128)
    batches: list[list[str]] = []
    finished: list[str] = []
    for name, texts in items.items():
        batcher.add(name, texts)
        batches += drain(batcher, items)
        finished += batcher.finished()
        assert len(batcher) <= 128 + 40
    batcher.close()
    batches += drain(batcher, items)
    finished += batcher.finished()

    encoded = [t for b in batches for t in b]
    assert sorted(encoded) == sorted(t for texts in items.values() for t in texts)
    assert sorted(finished) == sorted(items)  # each item exactly once
    assert len(batcher) == 0 and not batcher.ready()
    assert all(len(b) == 16 for b in batches[:-1])


def test_an_item_is_finished_only_after_its_last_text() -> None:
    batcher: LengthBatcher[str] = LengthBatcher(batch=2, pool=4)
    items = {"a": ["short", "a much longer text here"], "b": ["tiny", "mini"]}
    for name, texts in items.items():
        batcher.add(name, texts)
    batcher.close()
    seen: set[tuple[str, int]] = set()
    while batcher.ready():
        taken = batcher.take()
        seen |= set(taken)
        batcher.done()
        for item in batcher.finished():
            assert {(item, i) for i in range(len(items[item]))} <= seen


def test_batches_are_tighter_than_arrival_order() -> None:
    rng = random.Random(7)
    lengths = [rng.randint(10, 400) for _ in range(2000)]
    items = {f"d{i}": ["y" * n] for i, n in enumerate(lengths)}
    batcher: LengthBatcher[str] = LengthBatcher(batch=32, pool=512)
    batches: list[list[str]] = []
    for name, texts in items.items():
        batcher.add(name, texts)
        batches += drain(batcher, items)
    batcher.close()
    batches += drain(batcher, items)

    def padding(groups: list[list[int]]) -> int:
        return sum(max(g) * len(g) - sum(g) for g in groups)

    ours = padding([[len(t) for t in b] for b in batches])
    arrival = padding([lengths[i : i + 32] for i in range(0, len(lengths), 32)])
    assert ours < arrival / 4


def test_empty_items_finish_at_once_and_misuse_is_an_error() -> None:
    batcher: LengthBatcher[str] = LengthBatcher(batch=2, pool=4)
    batcher.add("empty", [])
    assert batcher.finished() == ["empty"]
    with pytest.raises(RuntimeError):
        batcher.take()
    batcher.add("one", ["text"])
    batcher.close()
    batcher.take()
    with pytest.raises(RuntimeError):
        batcher.take()
    with pytest.raises(ValueError):
        LengthBatcher(batch=8, pool=4)
