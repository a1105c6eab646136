"""Scoring a batch in the scorer sandbox: one round trip per worker, not one per item.

A batch (the attempts of a challenge, the players of a collection) is cut into one chunk per
worker of the pool, and each chunk is one task: the worker scores its items in turn and returns
their results together. Before each item it writes the item's number to an 8-byte file it shares
with the caller (``mmap``: no system call, and the number outlives the worker), so the caller,
while it waits, knows which item a worker is on and since when:

- an item that raises (``SystemExit``, ``MemoryError`` included) or returns junk fails alone,
  in the worker, and the chunk goes on;
- an item that runs past ``timeout_s`` (the number unchanged for that long) has its worker
  killed, like a single attempt (``ScorerSandbox.score``);
- a worker that dies (``os._exit``, a segfault) is replaced by the pool.

In the last two cases the item in progress fails, and the other items of the chunk (those before
it, whose results died with the worker, and those after it) are sent again as a new chunk: one
bad item costs its own result, at most one timeout, and a second scoring of its chunk's other
items, never their results; the caller waits at most ``timeout_s`` per bad item. Results come
back in the batch's order, each a ``Scored`` or a ``ScorerFailedError``.
"""

from __future__ import annotations

import concurrent.futures
import math
import mmap
import os
import struct
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pebble

from podium.plugins.sandbox import Scored, ScorerFailedError, ScorerSandbox

ScoreOne = Callable[[str, Mapping[str, Any], Any, Any], Scored]
"""Scores one item in a worker: ``(spec, config, payload, ctx) -> (score, details)``; a
module-level function (it is pickled by reference)."""

BatchResult = Scored | ScorerFailedError

_POLL_S = 0.05  # how often the caller looks at the workers' progress while it waits
_PROGRESS = struct.Struct("q")  # items started by the worker; the one in progress is this - 1

Outcome = tuple[bool, float | None, Any]
"""One item's outcome as the worker returns it: (True, score, details) or (False, None, why)."""


def _score_chunk_in_worker(
    score_one: ScoreOne,
    spec: str,
    config: Mapping[str, Any],
    items: Sequence[tuple[Any, Any]],
    progress_path: str,
) -> list[Outcome]:
    """Score ``items`` in turn, telling ``progress_path`` which one is in progress."""
    outcomes: list[Outcome] = []
    with open(progress_path, "r+b") as file, mmap.mmap(file.fileno(), _PROGRESS.size) as progress:
        for started, (payload, ctx) in enumerate(items, start=1):
            _PROGRESS.pack_into(progress, 0, started)
            try:
                outcomes.append((True, *score_one(spec, config, payload, ctx)))
            except BaseException as error:  # SystemExit and MemoryError included
                outcomes.append((False, None, f"{type(error).__name__}: {error}"[:1000]))
    return outcomes


def _read_outcome(outcome: Any) -> BatchResult:
    """A worker's outcome, checked again (the plugin ran in the process that made it)."""
    if not isinstance(outcome, tuple) or len(outcome) != 3:
        return ScorerFailedError("the worker returned something that is not a result")
    succeeded, score, extra = outcome
    if succeeded is not True:
        return ScorerFailedError(str(extra)[:1000])
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return ScorerFailedError("the worker returned a score that is not a number")
    if extra is not None and not isinstance(extra, dict):
        return ScorerFailedError("the worker returned details that are not a dict")
    return max(float(score), 0.0), extra


class _Chunk:
    """Items of the batch sent to one worker as one task, and the worker's progress on them."""

    def __init__(
        self,
        sandbox: ScorerSandbox,
        task: tuple[ScoreOne, str, Mapping[str, Any]],
        items: Sequence[tuple[Any, Any]],
        indices: list[int],
        timeout_s: float,
    ) -> None:
        self.indices = indices
        fd, self.path = tempfile.mkstemp(prefix="podium-scores-")
        try:
            os.ftruncate(fd, _PROGRESS.size)
            self.progress: mmap.mmap | None = mmap.mmap(fd, _PROGRESS.size, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        self.started = 0  # items the worker had started when last looked at
        self.last_progress = time.monotonic()
        score_one, spec, config = task
        try:
            # The caller kills an item's worker after timeout_s without progress; the pool's
            # own timeout is only a backstop, for every item of the chunk taking nearly as long.
            self.future: pebble.ProcessFuture[list[Outcome]] = sandbox.schedule(
                _score_chunk_in_worker,
                (score_one, spec, config, [items[i] for i in indices], self.path),
                timeout_s=timeout_s * (len(indices) + 1),
            )
        except BaseException:
            self.close()
            raise

    def overdue(self, now: float, timeout_s: float) -> bool:
        """Whether the item in progress has run past ``timeout_s`` (a chunk still waiting for a
        worker has started none and is never overdue)."""
        assert self.progress is not None
        (started,) = _PROGRESS.unpack_from(self.progress, 0)
        if started != self.started:
            self.started, self.last_progress = started, now
        return self.started > 0 and now - self.last_progress > timeout_s

    def in_progress(self) -> int:
        """The position in the chunk of the item the worker was on when it stopped."""
        assert self.progress is not None
        started = int(_PROGRESS.unpack_from(self.progress, 0)[0])
        return min(max(started, 1), len(self.indices)) - 1

    def outcomes(self) -> list[Outcome] | ScorerFailedError:
        """What the finished task returned, or why it failed."""
        try:
            found = self.future.result(timeout=0)
        except concurrent.futures.TimeoutError:
            return ScorerFailedError("timed out; the worker was replaced", timed_out=True)
        except pebble.ProcessExpired as error:
            return ScorerFailedError(
                f"the worker process died (exit code {error.exitcode}); it was replaced"
            )
        except Exception as error:
            return ScorerFailedError(f"{type(error).__name__}: {error}")
        if not isinstance(found, list) or len(found) != len(self.indices):
            return ScorerFailedError("the worker returned the wrong number of results")
        return found

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress = None
            os.unlink(self.path)


def score_batch(
    sandbox: ScorerSandbox,
    score_one: ScoreOne,
    spec: str,
    config: Mapping[str, Any],
    items: Sequence[tuple[Any, Any]],
    *,
    timeout_s: float,
) -> list[BatchResult]:
    """Each item ``(payload, ctx)`` scored by ``score_one`` in the sandbox's workers, in the
    items' order: a ``(score, details)`` (score finite, ≥ 0) or the ``ScorerFailedError`` of
    that item alone. ``timeout_s`` is per item."""
    results: list[BatchResult | None] = [None] * len(items)
    task = (score_one, spec, dict(config))
    size = max(1, math.ceil(len(items) / sandbox.workers))
    pending: list[_Chunk] = []
    running: list[_Chunk] = []

    def start(indices: list[int]) -> None:
        try:
            pending.append(_Chunk(sandbox, task, items, indices, timeout_s))
        except Exception as error:  # the pool cannot take the task: these items fail
            for index in indices:
                results[index] = ScorerFailedError(f"{type(error).__name__}: {error}")

    try:
        for first in range(0, len(items), size):
            start(list(range(first, min(first + size, len(items)))))
        while pending:
            concurrent.futures.wait(
                [chunk.future for chunk in pending],
                timeout=min(_POLL_S, timeout_s),
                return_when=concurrent.futures.FIRST_COMPLETED,
            )
            running, pending = pending, []
            for chunk in running:
                if chunk.future.done():
                    found = chunk.outcomes()
                elif chunk.overdue(time.monotonic(), timeout_s) and chunk.future.cancel():  # type: ignore[no-untyped-call]
                    # cancel() killed the worker in the middle of an item
                    found = ScorerFailedError(
                        f"timed out after {timeout_s:g} s; the worker was replaced",
                        timed_out=True,
                    )
                else:
                    pending.append(chunk)
                    continue
                if isinstance(found, list):
                    for index, outcome in zip(chunk.indices, found, strict=True):
                        results[index] = _read_outcome(outcome)
                else:
                    failed = chunk.in_progress()
                    results[chunk.indices[failed]] = found
                    again = chunk.indices[:failed] + chunk.indices[failed + 1 :]
                    if again:
                        start(again)
                chunk.close()
    finally:  # an error of the caller's own (an interrupt): no worker left running
        for chunk in [*running, *pending]:
            chunk.future.cancel()  # type: ignore[no-untyped-call]
            chunk.close()
    return [found if found is not None else ScorerFailedError("no result") for found in results]
