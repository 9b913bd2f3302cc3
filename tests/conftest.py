"""Shared fixtures: where the real data lives, and inline tiny feeds."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HUB_DATA_DIR", REPO.parent / "shared" / "data")).resolve()


def write_feed(folder: Path, text: str, *, zip_name: str | None = None) -> Path:
    """Write a tiny GTFS feed given inline as `# file.txt` headers followed by CSV lines.

    Returns the folder, or the zip written next to it when `zip_name` is given.
    """
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}
    current: str | None = None
    for line in textwrap.dedent(text).strip().splitlines():
        if line.startswith("# "):
            current = line[2:].strip()
            files[current] = []
        elif current is not None and line.strip():
            files[current].append(line.strip())
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if zip_name is None:
        return folder
    target = folder.parent / zip_name
    with zipfile.ZipFile(target, "w") as zf:
        for name in files:
            zf.write(folder / name, name)
    return target


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real data (../shared/data, or HUB_DATA_DIR)."""
    if not DATA_DIR.is_dir():
        pytest.fail(f"real data not found at {DATA_DIR}; set HUB_DATA_DIR")
    return DATA_DIR
