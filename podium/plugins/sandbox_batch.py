"""Scoring a batch in the scorer sandbox: one round trip per worker, not one per item.

A batch (the attempts of a challenge, the players of a collection) is cut into one chunk per
worker of the pool, and each chunk is one task. The worker scores its items in turn and appends
one JSON line per item to a progress file of its own (an unbuffered ``os.write``, so a line
written survives the worker's death). The caller reads those lines while it waits, so it knows
which item a worker is on and since when:

- an item that raises (``SystemExit``, ``MemoryError`` included) or returns junk fails alone,
  in the worker, and the chunk goes on;
- an item that runs past ``timeout_s`` (no new line for that long) has its worker killed, like
  a single attempt (``ScorerSandbox.score``);
- a worker that dies (``os._exit``, a segfault) is replaced by the pool.

In the last two cases the lines already written are kept, the item in progress fails, and the
items after it are sent again as a new chunk: one bad item costs its own result and at most one
timeout, never the results of the others, and the caller waits at most ``timeout_s`` per bad
item. Results come back in the batch's order, each a ``Scored`` or a ``ScorerFailedError``.
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import os
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

_STARTED = b"started\n"
_POLL_S = 0.05  # how often the caller reads progress while it waits


def _write_line(fd: int, line: bytes) -> None:
    view = memoryview(line)
    while view:
        view = view[os.write(fd, view) :]


def _score_chunk_in_worker(
    score_one: ScoreOne,
    spec: str,
    config: Mapping[str, Any],
    items: Sequence[tuple[Any, Any]],
    progress_path: str,
) -> int:
    """Score ``items`` in turn; each result is a line ``[position, ok, score, details|reason]``."""
    fd = os.open(progress_path, os.O_WRONLY | os.O_APPEND)
    try:
        _write_line(fd, _STARTED)
        for position, (payload, ctx) in enumerate(items):
            try:
                score, details = score_one(spec, config, payload, ctx)
                line = json.dumps([position, True, score, details], allow_nan=False)
            except BaseException as error:  # SystemExit and MemoryError included
                reason = f"{type(error).__name__}: {error}"[:1000]
                line = json.dumps([position, False, None, reason])
            _write_line(fd, line.encode() + b"\n")
    finally:
        os.close(fd)
    return len(items)


def _read_result(fields: Any) -> tuple[int, BatchResult] | None:
    """A line's position and result, or ``None`` when the line is not one (the plugin runs in
    the same process as the writer, so it is read as untrusted)."""
    if not isinstance(fields, list) or len(fields) != 4 or type(fields[0]) is not int:
        return None
    position, succeeded, score, extra = fields
    if succeeded is not True:
        return position, ScorerFailedError(str(extra)[:1000])
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return position, ScorerFailedError("the worker returned a score that is not a number")
    if extra is not None and not isinstance(extra, dict):
        return position, ScorerFailedError("the worker returned details that are not a dict")
    return position, (max(float(score), 0.0), extra)


def _parsed(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


class _Chunk:
    """Items of the batch sent to one worker as one task, and what the caller saw of them."""

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
        os.close(fd)
        self.reader = open(self.path, "rb", buffering=0)  # noqa: SIM115 (closed in close())
        self.buffer = b""
        self.done = 0  # results read so far (items are scored in order)
        self.last_progress: float | None = None  # when a line was last seen
        score_one, spec, config = task
        try:
            # The caller kills an item's worker after timeout_s without progress; the pool's
            # own timeout is only a backstop, for every item of the chunk taking nearly as long.
            self.future: pebble.ProcessFuture[int] = sandbox.schedule(
                _score_chunk_in_worker,
                (score_one, spec, config, [items[i] for i in indices], self.path),
                timeout_s=timeout_s * (len(indices) + 1),
            )
        except BaseException:
            self.close()
            raise

    def read(self, results: list[BatchResult | None]) -> None:
        """Take the lines the worker has written since the last read."""
        data = self.reader.read()
        if not data:
            return
        self.last_progress = time.monotonic()
        lines = (self.buffer + data).split(b"\n")
        self.buffer = lines.pop()
        lines = [line for line in lines if line + b"\n" != _STARTED]
        try:
            parsed: list[Any] = json.loads(b"[" + b",".join(lines) + b"]")  # one parse, fast
        except ValueError:
            parsed = [_parsed(line) for line in lines]  # a junk line spoils only itself
        for fields in parsed:
            found = _read_result(fields)
            if found is None or found[0] != self.done or self.done >= len(self.indices):
                continue  # not a result, or not the next one: ignored
            results[self.indices[self.done]] = found[1]
            self.done += 1

    def overdue(self, now: float, timeout_s: float) -> bool:
        return self.last_progress is not None and now - self.last_progress > timeout_s

    def failure(self) -> ScorerFailedError | None:
        """Why the finished task failed, or ``None`` when it returned."""
        try:
            self.future.result(timeout=0)
        except concurrent.futures.TimeoutError:
            return ScorerFailedError("timed out; the worker was replaced", timed_out=True)
        except pebble.ProcessExpired as error:
            return ScorerFailedError(
                f"the worker process died (exit code {error.exitcode}); it was replaced"
            )
        except Exception as error:
            return ScorerFailedError(f"{type(error).__name__}: {error}")
        return None

    def close(self) -> None:
        if not self.reader.closed:
            self.reader.close()
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
                chunk.read(results)
                if chunk.future.done():
                    chunk.read(results)  # the last lines, written before the task returned
                    failure = chunk.failure()
                    if failure is None and chunk.done < len(chunk.indices):
                        failure = ScorerFailedError("the worker returned fewer results")
                elif chunk.overdue(time.monotonic(), timeout_s) and chunk.future.cancel():  # type: ignore[no-untyped-call]
                    # cancel() killed the worker in the middle of an item
                    failure = ScorerFailedError(
                        f"timed out after {timeout_s:g} s; the worker was replaced",
                        timed_out=True,
                    )
                else:
                    pending.append(chunk)
                    continue
                chunk.close()
                left = chunk.indices[chunk.done :]
                if failure is not None and left:
                    results[left[0]] = failure  # the item in progress when the task failed
                    if left[1:]:
                        start(left[1:])
    finally:  # an error of the caller's own (an interrupt): no worker left running
        for chunk in [*running, *pending]:
            chunk.future.cancel()  # type: ignore[no-untyped-call]
            chunk.close()
    return [found if found is not None else ScorerFailedError("no result") for found in results]
