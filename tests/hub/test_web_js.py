from __future__ import annotations

import shutil
import subprocess

import pytest

from hub.web.state import WEB_ROOT


def test_front_end_unit_tests_pass_under_node() -> None:
    """The pure modules of web/src (formats, texts, suggestions) under `node --test`."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (scripts/dev setup needs it for web/node_modules)")
    result = subprocess.run(
        [node, "--test", "tests/"],
        cwd=WEB_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout
