"""Helpers for tests that run the ``atelier`` command as real processes."""

from __future__ import annotations

import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ATELIER = [sys.executable, "-m", "atelier.cli.main"]
ROOT = Path(__file__).parents[1]


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` until true or ``seconds`` passed: real processes, not simulated time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def healthy(port: int) -> bool:
    """The web process on ``port`` answers 200 at /sante."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sante", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
