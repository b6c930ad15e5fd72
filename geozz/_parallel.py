"""Work done in a second process while this one goes on: the printed outputs of a
publication (matplotlib figures, which hold the GIL) beside its HTML pages.

:class:`Background` starts a function in a forked process (the libraries already imported
are not imported again, and the arguments are not copied through a pipe) and hands back
its value, or raises its exception, when :meth:`Background.result` is called. The
function reports progress through a ``progress(done, total)`` keyword that the parent
sees while it waits. Where processes are not forked (Windows, macOS) or the machine has
one CPU, the function simply runs in this process when its result is asked
for: the same value, without the overlap.

Examples
--------
>>> job = Background(divmod, 17, 5)
>>> job.result()
(3, 2)
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import time
import traceback
from typing import Any, Callable

from .errors import OutputError

__all__ = ["Background", "cpus", "START_METHOD"]

#: how a second process starts: forked on Linux; elsewhere (macOS, where forking a process
#: that has loaded the system's frameworks is unsafe, and Windows) the work runs here
START_METHOD = "fork" if sys.platform.startswith("linux") else None


def cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Background:
    """``fn(*args, **kwargs)`` started in a second process; :meth:`result` waits for it.

    Parameters
    ----------
    fn : callable
        Called as ``fn(*args, progress=callback, **kwargs)`` when it takes progress
        (``progress=`` given here, even ``None``), else ``fn(*args, **kwargs)``.
    progress : callable, optional
        Called with ``(done, total)`` as the work reports them, while :meth:`result`
        waits.
    parallel : bool, optional
        ``False`` runs ``fn`` in this process, when :meth:`result` is called. Default:
        a second process where one can be forked and there is more than one CPU.

    Notes
    -----
    The second process is not a daemon (it may start processes of its own); it is
    terminated if the wait is interrupted.
    """

    _NO_PROGRESS = object()

    def __init__(self, fn: Callable[..., Any], *args, progress=_NO_PROGRESS,
                 parallel: bool | None = None, **kwargs):
        self._progress = None if progress is self._NO_PROGRESS else progress
        self._call = (fn, args, kwargs, progress is not self._NO_PROGRESS)
        if parallel is None:
            parallel = START_METHOD is not None and cpus() > 1
        self._process = None
        self._seen = (-1, -1)  # the progress last passed on
        if parallel and START_METHOD is not None:
            ctx = multiprocessing.get_context(START_METHOD)
            self._done, self._total = ctx.Value("q", 0), ctx.Value("q", 0)
            self._answer = ctx.SimpleQueue()
            self._process = ctx.Process(target=self._run, name=f"geozz-{fn.__name__}")
            self._process.start()

    @property
    def parallel(self) -> bool:
        """Whether the work runs in a second process."""
        return self._process is not None

    def _run(self) -> None:  # in the second process
        fn, args, kwargs, takes_progress = self._call

        def progress(done, total):
            self._total.value, self._done.value = int(total), int(done)

        try:
            value = fn(*args, **({"progress": progress} if takes_progress else {}),
                       **kwargs)
            self._answer.put(("value", value))
        except BaseException as exc:  # handed to the parent, which raises it
            text = "".join(traceback.format_exception(exc))
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:
                exc = OutputError(f"{type(exc).__name__}: {exc}")
            self._answer.put(("error", (exc, text)))

    def result(self, *, poll: float = 0.1):
        """The value of the work, once done; its exception, raised here, if it failed.

        Raises
        ------
        OutputError
            The second process ended without an answer (killed, out of memory).
        """
        fn, args, kwargs, takes_progress = self._call
        if self._process is None:
            return fn(*args, **({"progress": self._progress} if takes_progress else {}),
                      **kwargs)
        try:
            # the answer is read before the process is joined: a large one fills the pipe
            while self._answer.empty() and self._process.is_alive():
                self.poll()
                time.sleep(poll)
            answer = self._answer.get() if not self._answer.empty() else None
            self._process.join()
        except BaseException:
            self._process.terminate()
            self._process.join()
            raise
        self.poll()
        if answer is None:
            raise OutputError(f"the {fn.__name__} process ended without an answer (exit "
                              f"code {self._process.exitcode}). Fix: look at the memory "
                              "and the disk, and run again.")
        kind, value = answer
        if kind == "error":
            exc, text = value
            exc.add_note("in the second process:\n" + text)
            raise exc
        return value

    def cancel(self) -> None:
        """Stop the work if it still runs (its answer is not wanted any more)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def poll(self) -> None:
        """Pass on the progress reported so far (while this process does other work)."""
        if self._process is not None:
            now = (self._done.value, self._total.value)
            if self._progress is not None and now != self._seen and now[1] > 0:
                self._progress(*now)
            self._seen = now
