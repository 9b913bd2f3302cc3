"""`hub fetch`: download a region's files from their public URLs, only when asked.

Each download has a total deadline and a size cap, is written to a temporary file renamed
into place (so a failed download never leaves a half file where a feed is expected), and its
SHA-256 is reported. Being offline gives a one-line reason per file, not a traceback.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from hub.regions import Region

CHUNK = 1 << 16
USER_AGENT = "regional-transit-hub/0.1 (hub fetch)"
Status = Literal["downloaded", "present", "failed", "no-url"]


class DownloadError(Exception):
    """A download failed; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Target:
    """One file of a region to download."""

    what: str
    url: str | None
    path: Path
    page: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What happened to one target."""

    target: Target
    status: Status
    size: int = 0
    sha256: str = ""
    reason: str = ""


def targets_of(region: Region) -> tuple[Target, ...]:
    """Every downloadable file of a region: feeds, OSM extract and realtime captures."""
    spec = region.spec
    out = [Target(f"feed {f.id}", f.url, region.resolve(f.path), f.page) for f in spec.feeds]
    if (osm := spec.osm) is not None:
        out.append(Target("OSM extract", osm.url, region.resolve(osm.path), osm.page))
    for feed_id, rt, path in region.realtime_files():
        out.append(Target(f"realtime {feed_id} {rt.kind}", rt.url, path, rt.page))
    return tuple(out)


def download(url: str, target: Path, timeout_s: float, max_bytes: int) -> tuple[int, str]:
    """Download `url` to `target` atomically.

    Args:
        url: http(s) URL.
        target: destination file; its folder is created.
        timeout_s: deadline for the whole download (also each socket operation).
        max_bytes: size cap; larger bodies are abandoned.

    Returns:
        (size in bytes, hex SHA-256).

    Raises:
        DownloadError: on any network, HTTP, deadline or size failure.
    """
    if not url.startswith(("http://", "https://")):
        raise DownloadError(f"not an http(s) URL: {url}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            size, digest = _copy(_chunks(url, timeout_s, max_bytes), out)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return size, digest


def _copy(chunks: Iterator[bytes], out: BinaryIO) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    for chunk in chunks:
        sha.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return size, sha.hexdigest()


def _chunks(url: str, timeout_s: float, max_bytes: int) -> Iterator[bytes]:
    deadline = time.monotonic() + timeout_s
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise DownloadError(f"too large: {int(declared)} bytes > cap of {max_bytes}")
            received = 0
            while chunk := response.read(CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise DownloadError(f"too large: more than the cap of {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise DownloadError(f"timed out after {timeout_s:g} s")
                yield chunk
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(f"cannot reach the server ({exc.reason}); are we offline?") from exc
    except TimeoutError as exc:
        raise DownloadError(f"timed out after {timeout_s:g} s") from exc
    except OSError as exc:
        raise DownloadError(f"network error: {exc}") from exc


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file (of every file, in name order, for a folder)."""
    sha = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with file.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
    return sha.hexdigest()


def size_of(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def fetch_target(target: Target, timeout_s: float, max_bytes: int, force: bool) -> FetchResult:
    """Download one target unless it is already there (or `force`)."""
    if target.path.exists() and not force:
        return FetchResult(target, "present", size_of(target.path), sha256_of(target.path))
    if target.url is None:
        where = f"get it from {target.page}" if target.page else "no URL known"
        return FetchResult(target, "no-url", reason=f"no download URL; {where}")
    try:
        size, digest = download(target.url, target.path, timeout_s, max_bytes)
    except DownloadError as exc:
        return FetchResult(target, "failed", reason=str(exc))
    return FetchResult(target, "downloaded", size, digest)


def format_result(result: FetchResult) -> str:
    """One line for the terminal."""
    t = result.target
    if result.status in ("downloaded", "present"):
        return f"{result.status:10} {t.what}: {t.path} {result.size} bytes sha256={result.sha256}"
    return f"{result.status:10} {t.what}: {t.path} <- {t.url or '-'}: {result.reason}"
