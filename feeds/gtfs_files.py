"""The raw tables of a GTFS feed: zip or folder, nested folder, macOS junk, BOM, spaced headers."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from feeds.notice import NoticeLog
from feeds.source import FeedRejected, FeedSource

_KNOWN_NAMES = """
    agency stops routes trips stop_times calendar calendar_dates fare_attributes fare_rules
    timeframes fare_media fare_products fare_leg_rules fare_leg_join_rules fare_transfer_rules
    areas stop_areas networks route_networks shapes frequencies transfers pathways levels
    location_groups location_group_stops booking_rules translations feed_info attributions
    rider_categories
"""
# Non-standard files that well-known producers add (Trillium, 511 SF Bay): not worth a notice.
_VENDOR_NAMES = """
    calendar_attributes directions farezone_attributes route_attributes stop_attributes
    realtime_routes
"""
KNOWN_FILES = frozenset(f"{name}.txt" for name in _KNOWN_NAMES.split())
VENDOR_FILES = frozenset(f"{name}.txt" for name in _VENDOR_NAMES.split())
_FOLDER_DEPTH = 2
_SKIPPED = re.compile(r"Skipping line (\d+): ([^\n]*)")


@dataclass(frozen=True, slots=True)
class FeedFiles:
    """The `.txt` files of one feed by bare name (`stops.txt`), whatever the container."""

    feed: str
    contents: Mapping[str, bytes]

    def has(self, name: str) -> bool:
        """Whether the feed holds the file `name`."""
        return name in self.contents


def open_feed_files(source: FeedSource, log: NoticeLog) -> FeedFiles:
    """Read every `.txt` file of a zip or folder, finding them in a sub-folder if need be.

    Raises:
        FeedRejected: the path is neither a readable zip nor a folder with `.txt` files.
    """
    path = source.path
    if path.is_dir():
        entries = _folder_entries(source)
    elif path.is_file():
        entries = _zip_entries(source, log)
    else:
        raise reject(log, "i_o_error", f"no such file or folder: {path}")
    chosen = _choose_folder(entries, source, log)
    files = {PurePosixPath(name).name: data for name, data in chosen.items()}
    for name in sorted(files.keys() - KNOWN_FILES - VENDOR_FILES):
        log.add("unknown_file", "INFO", f"{name} is not a GTFS file; ignored", file=name)
    return FeedFiles(source.id, files)


def reject(log: NoticeLog, code: str, reason: str, file: str | None = None) -> FeedRejected:
    """Record why the feed is unusable as an ERROR notice and build the exception to raise."""
    log.add(code, "ERROR", reason, file=file)
    return FeedRejected(log.feed, reason)


def _zip_entries(source: FeedSource, log: NoticeLog) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(source.path) as archive:
            return {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir() and _is_table(info.filename)
            }
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise reject(log, "i_o_error", f"{source.path.name} is not a readable zip: {exc}") from exc
    except (RuntimeError, NotImplementedError) as exc:  # encrypted or exotic compression
        raise reject(log, "i_o_error", f"cannot unpack {source.path.name}: {exc}") from exc


def _folder_entries(source: FeedSource) -> dict[str, bytes]:
    entries: dict[str, bytes] = {}
    for depth in range(_FOLDER_DEPTH + 1):
        for path in sorted(source.path.glob("/".join(["*"] * depth + ["*.txt"]))):
            relative = path.relative_to(source.path).as_posix()
            if path.is_file() and _is_table(relative):
                entries[relative] = path.read_bytes()
    return entries


def _is_table(name: str) -> bool:
    """A `.txt` entry that is not macOS resource-fork junk."""
    parts = PurePosixPath(name).parts
    return (
        name.lower().endswith(".txt")
        and "__MACOSX" not in parts
        and not any(part.startswith(".") for part in parts)
    )


def _choose_folder(
    entries: dict[str, bytes], source: FeedSource, log: NoticeLog
) -> dict[str, bytes]:
    """Keep the files of the folder holding most GTFS files (the root when it has any)."""
    by_folder: dict[str, dict[str, bytes]] = {}
    for name, data in entries.items():
        by_folder.setdefault(str(PurePosixPath(name).parent), {})[name] = data
    if not by_folder:
        raise reject(log, "missing_required_file", f"{source.path.name} holds no .txt file")
    if "." in by_folder and by_folder["."].keys() & {"agency.txt", "stops.txt"}:
        return by_folder["."]
    best = max(
        by_folder, key=lambda f: len({PurePosixPath(n).name for n in by_folder[f]} & KNOWN_FILES)
    )
    if best != ".":
        log.add(
            "invalid_input_files_in_subfolder",
            "WARNING",
            f"the GTFS files sit in the sub-folder {best!r} instead of the root; read from there",
        )
    return by_folder[best]


def read_table(files: FeedFiles, name: str, log: NoticeLog) -> pd.DataFrame | None:
    """Parse one file into a DataFrame of stripped strings indexed by 1-based data row.

    Header names lose surrounding spaces and any BOM; blank lines are dropped; rows with too
    many fields are dropped and reported. Returns None when the file is absent or unparseable.
    """
    if not files.has(name):
        return None
    text = _decode(files.contents[name], name, log)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                on_bad_lines="warn",
            )
    except pd.errors.EmptyDataError:
        log.add("empty_file", "ERROR", f"{name} is empty", file=name)
        return None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        log.add("csv_parsing_failed", "ERROR", f"{name} cannot be parsed as CSV: {exc}", file=name)
        return None
    skipped = _report_bad_lines(caught, name, log)
    return _tidy(frame, skipped, name, log)


def _decode(data: bytes, name: str, log: NoticeLog) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.add(
            "invalid_character",
            "WARNING",
            f"{name} is not UTF-8 ({exc.reason} at byte {exc.start}); read as Latin-1",
            file=name,
        )
        return data.decode("latin-1")


def _report_bad_lines(
    caught: list[warnings.WarningMessage], name: str, log: NoticeLog
) -> list[int]:
    """Turn pandas' "Skipping line N" warnings into notices; return the skipped data rows."""
    rows: list[int] = []
    for warning in caught:
        for match in _SKIPPED.finditer(str(warning.message)):
            row = int(match.group(1)) - 1  # pandas counts physical lines, the header is line 1
            rows.append(row)
            log.add(
                "invalid_row_length",
                "ERROR",
                f"row has more fields than the header ({match.group(2)}); dropped",
                file=name,
                row=row,
            )
    return sorted(rows)


def _tidy(frame: pd.DataFrame, skipped: list[int], name: str, log: NoticeLog) -> pd.DataFrame:
    """Clean header names, index rows by their 1-based number, drop blank lines."""
    columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    keep = _kept_columns(frame, columns, name, log)
    # Values lose surrounding spaces once here (`  37.58` in SamTrans), not at each use; short
    # rows leave NaN in their missing fields, read as blank.
    frame = pd.DataFrame(
        {columns[i]: frame.iloc[:, i].fillna("").str.strip().array for i in keep},
        index=pd.Index(_row_numbers(len(frame), skipped), dtype=np.int64),
    )
    if frame.shape[1] == 0:
        return frame
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank]


def _kept_columns(frame: pd.DataFrame, columns: list[str], name: str, log: NoticeLog) -> list[int]:
    """Positions of the named, first-seen columns; unnamed and repeated ones are reported."""
    seen: set[str] = set()
    keep: list[int] = []
    for i, column in enumerate(columns):
        unnamed = not column or column.startswith("Unnamed: ")
        # pandas renames a repeated `x` to `x.1`
        repeated = column in seen or (column.rpartition(".")[0] in seen and column[-1].isdigit())
        if unnamed and (frame.iloc[:, i].fillna("").str.strip() != "").any():
            log.add("empty_column_name", "ERROR", f"column {i + 1} has no name; ignored", file=name)
        elif repeated:
            original = column if column in seen else column.rpartition(".")[0]
            message = f"column {i + 1} repeats {original!r}; ignored"
            log.add("duplicated_column", "ERROR", message, file=name)
        if not unnamed and not repeated:
            seen.add(column)
            keep.append(i)
    return keep


def _row_numbers(count: int, skipped: list[int]) -> np.ndarray:
    """1-based data row of each kept record, skipping the rows pandas dropped."""
    kept = np.arange(1, count + 1, dtype=np.int64)
    if not skipped:
        return kept
    gaps = np.asarray(skipped, dtype=np.int64) - np.arange(len(skipped), dtype=np.int64)
    return kept + np.searchsorted(gaps, kept, side="right")
