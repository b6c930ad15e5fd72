"""Tests for geozz._parallel: work in a second process, its value, errors and progress."""

from __future__ import annotations

import os
import signal
import time

import pytest

from geozz._parallel import Background
from geozz.errors import InputError, OutputError


def _work(n, *, progress):
    for k in range(n):
        progress(k + 1, n)
        time.sleep(0.01)
    return {"pid": os.getpid(), "n": n, "big": "x" * 200_000}


def _fails(kind):
    if kind == "input":
        raise InputError("a bad value")
    raise RuntimeError("boom")


def _dies():
    os._exit(3)


def test_the_value_comes_back_from_another_process_with_its_progress():
    seen = []
    job = Background(_work, 30, progress=lambda d, t: seen.append((d, t)))
    got = job.result()
    assert job.parallel and got["pid"] != os.getpid()
    assert got["n"] == 30 and len(got["big"]) == 200_000  # larger than a pipe's buffer
    assert seen and seen[-1] == (30, 30) and seen == sorted(seen)


def test_in_one_process_the_same_value():
    job = Background(_work, 3, progress=lambda d, t: None, parallel=False)
    got = job.result()
    assert not job.parallel and got["pid"] == os.getpid() and got["n"] == 3


@pytest.mark.parametrize("parallel", [True, False])
def test_an_error_there_is_raised_here_as_itself(parallel):
    with pytest.raises(InputError, match="a bad value"):
        Background(_fails, "input", parallel=parallel).result()
    with pytest.raises(RuntimeError, match="boom") as err:
        Background(_fails, "other", parallel=parallel).result()
    if parallel:
        assert "second process" in "".join(err.value.__notes__)


def test_a_process_that_dies_without_an_answer_is_an_output_error():
    with pytest.raises(OutputError, match="exit code 3"):
        Background(_dies).result()


def _sleeps():
    time.sleep(60)


def test_cancel_stops_the_work():
    job = Background(_sleeps)
    assert job.parallel
    job.cancel()
    assert job._process.exitcode == -signal.SIGTERM  # stopped, not waited for
