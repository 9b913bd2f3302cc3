"""Reading raw GTFS tables: containers, headers, encodings, row numbers."""

from __future__ import annotations

import zipfile
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest

from feeds.gtfs_files import FeedFiles, open_feed_files, read_table
from feeds.notice import NoticeLog
from feeds.source import FeedRejected, FeedSource


def table(data: bytes) -> tuple[list[dict[Hashable, Any]], NoticeLog]:
    log = NoticeLog("t")
    frame = read_table(FeedFiles("t", {"stops.txt": data}), "stops.txt", log)
    assert frame is not None
    return frame.reset_index(names="row").to_dict("records"), log


def test_bom_spaced_header_and_spaced_values() -> None:
    rows, log = table("\ufeffstop_id , stop_name\r\n S1 ,  Mercado \r\n".encode())
    assert rows == [{"row": 1, "stop_id": "S1", "stop_name": "Mercado"}]
    assert log.notices == []


def test_rows_keep_their_number_across_blank_and_dropped_lines() -> None:
    rows, log = table(b"stop_id,stop_name\nA,a\n\nB,b,extra\nC,c\nD\n")
    assert rows == [
        {"row": 1, "stop_id": "A", "stop_name": "a"},
        {"row": 4, "stop_id": "C", "stop_name": "c"},
        {"row": 5, "stop_id": "D", "stop_name": ""},
    ]
    (notice,) = log.notices
    assert (notice.code, notice.row) == ("invalid_row_length", 3)
    assert "expected 2 fields, saw 3" in notice.message


def test_repeated_and_unnamed_columns() -> None:
    rows, log = table(b"stop_id,stop_name,stop_id,,\nA,a,B,x,\n")
    assert rows == [{"row": 1, "stop_id": "A", "stop_name": "a"}]
    assert [(n.code, n.message) for n in log.notices] == [
        ("duplicated_column", "column 3 repeats 'stop_id'; ignored"),
        ("empty_column_name", "column 4 has no name; ignored"),
    ]


def test_latin1_file_is_read_with_a_warning() -> None:
    rows, log = table("stop_id,stop_name\nA,São Leopoldo\n".encode("latin-1"))
    assert rows[0]["stop_name"] == "São Leopoldo"
    assert [(n.code, n.severity) for n in log.notices] == [("invalid_character", "WARNING")]


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty_file"), (b"\n\n", "empty_file"), (b'stop_id\n"open', "csv_parsing_failed")],
)
def test_unreadable_files(data: bytes, code: str) -> None:
    log = NoticeLog("t")
    assert read_table(FeedFiles("t", {"stops.txt": data}), "stops.txt", log) is None
    assert [n.code for n in log.notices] == [code]


def test_absent_file_is_none_without_notice() -> None:
    log = NoticeLog("t")
    assert read_table(FeedFiles("t", {}), "shapes.txt", log) is None
    assert log.notices == []


def test_zip_files_in_a_sub_folder_beside_junk(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", b"read me")
        archive.writestr("gtfs/stops.txt", b"stop_id\n")
        archive.writestr("gtfs/agency.txt", b"agency_id\n")
        archive.writestr("gtfs/.DS_Store", b"junk")
        archive.writestr("__MACOSX/gtfs/._stops.txt", b"junk")
        archive.writestr("gtfs/stop_attributes.txt", b"stop_id\n")
        archive.writestr("gtfs/notes.txt", b"hello\n")
    log = NoticeLog("f")
    files = open_feed_files(FeedSource("f", path), log)
    assert sorted(files.contents) == ["agency.txt", "notes.txt", "stop_attributes.txt", "stops.txt"]
    assert [(n.code, n.file) for n in log.notices] == [
        ("invalid_input_files_in_subfolder", None),
        ("unknown_file", "notes.txt"),
    ]


def test_folder_and_nested_folder(tmp_path: Path) -> None:
    (tmp_path / "export" / "v1").mkdir(parents=True)
    (tmp_path / "export" / "v1" / "stops.txt").write_bytes(b"stop_id\n")
    log = NoticeLog("f")
    files = open_feed_files(FeedSource("f", tmp_path / "export"), log)
    assert list(files.contents) == ["stops.txt"]
    assert [n.code for n in log.notices] == ["invalid_input_files_in_subfolder"]


@pytest.mark.parametrize("content", [None, b"PK\x03\x04 truncated", b""])
def test_unreadable_containers_are_rejected(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "feed.zip"
    if content is not None:
        path.write_bytes(content)
    log = NoticeLog("f")
    with pytest.raises(FeedRejected):
        open_feed_files(FeedSource("f", path), log)
    assert [n.code for n in log.notices] == ["i_o_error"]


def test_zip_without_txt_files_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "feed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", b"a,b\n")
    log = NoticeLog("f")
    with pytest.raises(FeedRejected, match="no .txt file"):
        open_feed_files(FeedSource("f", path), log)
    assert [n.code for n in log.notices] == ["missing_required_file"]
