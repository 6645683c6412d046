"""The benchmark's waiting for the app: it gives up at its deadline even when the app prints
nothing (a hung start used to block `make bench` for ever), and notices an app that stopped."""

import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from app import ALL_READY
from bench.__main__ import wait_all_ready


@contextmanager
def _app(code: str):
    """A stand-in app running `code`, killed whatever the test does."""
    app = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        yield app
    finally:
        app.kill()
        app.wait()


def _gives_up(app, match: str, timeout_s: float, within_s: float = 60) -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=match):
        wait_all_ready(app, timeout_s=timeout_s)
    assert time.monotonic() - started < within_s


def test_returns_once_the_app_is_ready_and_keeps_reading_its_output():
    with _app(f"import time; print('loading', flush=True); print({ALL_READY!r}, flush=True); "
              "[print('x' * 1000, flush=True) for _ in range(2000)]; time.sleep(0.2)") as app:
        wait_all_ready(app, timeout_s=30)
        # 2 MB after the ready line: a pipe nobody read would have stopped the app
        assert app.wait(timeout=30) == 0


def test_gives_up_at_the_deadline_when_the_app_prints_nothing():
    with _app("import time; time.sleep(60)") as app:
        _gives_up(app, "did not all start in time", timeout_s=0.5, within_s=30)


def test_an_app_that_stopped_is_reported():
    with _app("print('starting', flush=True)") as app:
        _gives_up(app, "stopped before", timeout_s=30)


def test_an_app_that_died_while_something_holds_its_output_open_is_reported():
    """Its answering processes inherit its output: EOF never comes when only it dies."""
    with _app("import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
              "'import time; time.sleep(60)'])") as app:
        _gives_up(app, "stopped before", timeout_s=120)
