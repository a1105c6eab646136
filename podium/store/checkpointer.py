"""SQLite's WAL checkpoints, run by a thread of the process instead of inside its commits.

In WAL mode a commit appends its pages to the ``-wal`` file; a checkpoint copies them back into
the database file and syncs it. By default SQLite runs one inside whichever commit finds the
WAL past 1,000 pages: that commit, often a small API write, pays for every page written since
the last one (several milliseconds, and the writers queued behind it wait too). Podium's SQLite
connections turn that off (``wal_autocheckpoint = 0``), and each ``Database`` of a file has a
``Checkpointer``: after a committed write it runs a passive checkpoint on a connection of its
own, in a daemon thread, at most once per ``min_interval_s`` (the commits in between are
copied by the next one). A passive checkpoint never waits for readers or writers: they go on
while it copies, and what it cannot copy yet (pages a reader still needs) waits for the next.

When the last connection to the file closes, SQLite checkpoints what is left and removes the
WAL, as before.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

log = logging.getLogger(__name__)


class Checkpointer:
    """Passive WAL checkpoints of one SQLite file, after commits, from a thread of its own."""

    def __init__(self, path: str, *, min_interval_s: float = 0.1) -> None:
        self.path = path
        self.min_interval_s = min_interval_s
        self.runs = 0  # checkpoints run (for tests and diagnosis)
        self._due = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def note_commit(self) -> None:
        """A write was committed: checkpoint soon. Starts the thread on first use (and again in
        a forked child, which inherits no thread)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid() and not self._stopping.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="podium-wal-checkpoint", daemon=True
                    )
                    self._thread.start()
                    self._pid = os.getpid()
        self._due.set()

    def stop(self) -> None:
        """Stop the thread (it finishes a checkpoint it is running) and close its connection."""
        with self._lock:
            self._stopping.set()
            thread = self._thread if self._pid == os.getpid() else None
        self._due.set()
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
            try:
                self._loop(connection)
            finally:
                connection.close()
        except Exception:
            # Never a silent end: the WAL would grow with every commit. The next commit after
            # a pause starts another thread.
            log.exception("WAL checkpoints of %s stopped; restarting at the next commit", self.path)
            self._stopping.wait(self.min_interval_s)
            with self._lock:
                self._pid = 0

    def _loop(self, connection: sqlite3.Connection) -> None:
        while True:
            self._due.wait()
            if self._stopping.is_set():
                return
            self._due.clear()
            self._checkpoint(connection)
            # Commits during the pause are copied together by the next checkpoint.
            if self._stopping.wait(self.min_interval_s):
                return

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:  # another process's checkpoint running: the next one
            log.debug("WAL checkpoint of %s skipped: %s", self.path, error)
        self.runs += 1
