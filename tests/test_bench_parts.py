"""The benchmark's waiting for the app: it gives up at its deadline even when the app prints
nothing (a hung start used to block `make bench` for ever), and notices an app that stopped."""

import subprocess
import sys
import time

import pytest

from app import ALL_READY
from bench.__main__ import wait_all_ready


def _app(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_returns_once_the_app_is_ready_and_keeps_reading_its_output():
    app = _app(f"import time; print('loading', flush=True); print({ALL_READY!r}, flush=True); "
               "[print('x' * 1000, flush=True) for _ in range(2000)]; time.sleep(0.2)")
    try:
        wait_all_ready(app, timeout_s=30)
        # 2 MB after the ready line: a pipe nobody read would have stopped the app
        assert app.wait(timeout=30) == 0
    finally:
        app.kill()
        app.wait()


def test_gives_up_at_the_deadline_when_the_app_prints_nothing():
    app = _app("import time; time.sleep(60)")
    try:
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="did not all start in time"):
            wait_all_ready(app, timeout_s=0.5)
        assert time.monotonic() - started < 30
    finally:
        app.kill()
        app.wait()


def test_an_app_that_stopped_is_reported():
    app = _app("print('starting', flush=True)")
    try:
        with pytest.raises(RuntimeError, match="stopped before"):
            wait_all_ready(app, timeout_s=30)
    finally:
        app.kill()
        app.wait()


def test_an_app_that_died_while_something_holds_its_output_open_is_reported():
    """Its answering processes inherit its output: EOF never comes when only it dies."""
    app = subprocess.Popen([sys.executable, "-c",
                            "import subprocess, sys; subprocess.Popen([sys.executable, '-c', "
                            "'import time; time.sleep(60)'])"],
                           stdout=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="stopped before"):
            wait_all_ready(app, timeout_s=120)
        assert time.monotonic() - started < 60
    finally:
        app.kill()
        app.wait()
