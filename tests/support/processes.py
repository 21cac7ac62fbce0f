"""Python run in a process of its own, from the checkout: what a new ``rekisteri`` process
(with its own imports and its own cache folder) would do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python_output(
    code: str, *arguments: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -c code arguments…`` in the checkout; fails the test when it fails."""
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=None if env is None else dict(env),
        timeout=timeout,
    )
