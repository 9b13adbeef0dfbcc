"""Waiting on what a child process prints, for the tests that drive `softran` processes.

A test waits for an event (a line the process prints, the process's exit), never for a fixed
time: a passing run waits exactly as long as the process needs. The timeouts here are only
backstops against a hung process; they are generous because on a loaded 2-core machine a
process that imports torch takes tens of seconds to start, and its exit -- the interpreter and
libtorch tearing down, about 0.5-0.7 s of CPU measured on an idle core -- stretches to many
seconds when ten or more processes share the two cores.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Self

#: Seconds a test waits for a process event before it gives up (a hung process, not a slow one).
BACKSTOP_S = 300.0


class Lines:
    """The lines of one pipe of a process, read by a background thread as they come.

    :meth:`wait_for` returns the first new line that matches (or ``None`` when the pipe closed
    or the backstop expired first); :meth:`text` is everything read, once the pipe closed.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.append(line)
            self._queue.put(line)
        self._queue.put(None)                      # end of the pipe

    def wait_for(self, match: Callable[[str], bool],
                 timeout: float = BACKSTOP_S) -> str | None:
        """The next line for which ``match`` holds; ``None`` at the end of the pipe or after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                self._queue.put(None)              # stays at the end for a later wait
                return None
            if match(line):
                return line
        return None

    def text(self, timeout: float = BACKSTOP_S) -> str:
        """Everything the pipe carried (waits until it closes)."""
        self._thread.join(timeout)
        return "".join(self._lines)


def finish(proc: subprocess.Popen[str], timeout: float = BACKSTOP_S) -> int:
    """Wait for ``proc`` to exit (backstop ``timeout`` s, then kill it); its exit code."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def _default_sigint() -> None:
    """In the child before exec: SIGINT back to its default disposition."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Process:
    """A child process with text pipes whose lines are read as they come (:class:`Lines`):
    ``out`` and ``err``. Use it as a context manager: leaving it kills a process still running.
    """

    def __init__(self, args: list[str], **popen: object) -> None:
        # pytest-xdist workers ignore SIGINT, and a child inherits an ignored signal: Python
        # then installs no KeyboardInterrupt handler and Ctrl-C (interrupt) would do nothing.
        # The child starts with SIGINT at its default, as from a shell.
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=_default_sigint,
                                     **popen)  # type: ignore[call-overload]
        self.out, self.err = Lines(self.proc.stdout), Lines(self.proc.stderr)

    def interrupt(self, timeout: float = BACKSTOP_S) -> tuple[int, str, str]:
        """Ctrl-C (SIGINT), then wait for the exit: (exit code, stdout, stderr)."""
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = finish(self.proc, timeout)
        return code, self.out.text(), self.err.text()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
