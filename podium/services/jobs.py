"""Background jobs on a thread of their own: the score worker, the demo feeds, webhook delivery.

A job subclasses ``ThreadJob`` and writes ``run_forever``, which returns soon after
``self._stop`` is set (wait on it rather than sleeping). The API app starts its jobs when it
starts and stops them, in reverse order, when it shuts down.
"""

from __future__ import annotations

import threading


class ThreadJob:
    thread_name = "podium-job"
    stop_timeout_s = 10.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.stop_timeout_s)
            self._thread = None
