"""Vectorised parsing of GTFS field values, and per-row notices for the values that fail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from feeds.notice import NoticeLog, Severity

# A broken file can have a problem on every row: list this many per problem, then one notice
# for the rest (as MobilityData's report keeps samples). High enough that real feeds' counts
# by code stay exact; low enough that a million bad rows cannot exhaust memory.
MAX_ROW_NOTICES = 10_000

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# "H:MM:SS" to "HHH:MM:SS": GTFS times may pass 24:00 (trips after midnight).
_TIME_MIN, _TIME_MAX = 7, 9


def text(frame: pd.DataFrame, name: str, default: str = "") -> pd.Series:
    """Column `name` (already stripped by the reader), or `default` everywhere when absent."""
    if name not in frame.columns:
        return pd.Series(default, index=frame.index, dtype="str")
    return frame[name]


@dataclass(frozen=True, slots=True)
class FileNotices:
    """Where the findings about one file go."""

    log: NoticeLog
    file: str

    def report(
        self,
        code: str,
        field: str | None,
        values: pd.Series,
        template: str,
        severity: Severity = "ERROR",
    ) -> None:
        """One notice per row of `values` (index = row); `template` may use {value}.

        Past MAX_ROW_NOTICES rows, one more notice (row None) gives the number not listed.
        """
        for row, value in values.iloc[:MAX_ROW_NOTICES].items():
            message = template.format(value=value)
            self.log.add(code, severity, message, file=self.file, row=int(str(row)), field=field)
        extra = len(values) - MAX_ROW_NOTICES
        if extra > 0:
            message = f"{extra} more rows with the same problem (not listed one by one)"
            self.log.add(code, severity, message, file=self.file, field=field)

    def add(self, code: str, message: str, severity: Severity = "ERROR") -> None:
        """One notice about the whole file."""
        self.log.add(code, severity, message, file=self.file)


def require_columns(frame: pd.DataFrame, notes: FileNotices, names: Iterable[str]) -> bool:
    """Report each required column the header lacks; True when all are there."""
    missing = [n for n in names if n not in frame.columns]
    for name in missing:
        message = f"{notes.file} has no {name} column"
        notes.log.add("missing_required_column", "ERROR", message, file=notes.file, field=name)
    return not missing


def require_values(frame: pd.DataFrame, notes: FileNotices, names: Iterable[str]) -> pd.Series:
    """Mask of rows where every named column is non-blank; blanks are reported."""
    ok = pd.Series(True, index=frame.index)
    for name in names:
        values = text(frame, name)
        blank = values == ""
        notes.report(
            "missing_required_field", name, values[blank], f"{name} is required; row dropped"
        )
        ok &= ~blank
    return ok


def parse_float(values: pd.Series) -> tuple[Floats, Bools]:
    """Numbers with NaN for blank; the second array flags non-blank values that are not numbers."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    numbers[~np.isfinite(numbers)] = np.nan  # "inf" and "1e400" are no coordinates either
    bad = np.isnan(numbers) & (values != "").to_numpy()
    return numbers, bad


def parse_int(values: pd.Series) -> tuple[Floats, Bools]:
    """Integers (as floats, NaN for blank); the second array flags non-blank non-integers."""
    numbers, bad = parse_float(values)
    fractional = ~np.isnan(numbers) & (np.floor(numbers) != numbers)
    numbers[fractional] = np.nan
    return numbers, bad | fractional


def parse_time(values: pd.Series) -> tuple[Floats, Bools]:
    """GTFS times `H:MM:SS` (hours may pass 24) in seconds, NaN for blank; flags bad values.

    Vectorised over the characters' code points, counted from the end of each value, as
    `str.extract` with a regex costs ~10x more on a large stop_times.txt.
    """
    count = len(values)
    length = values.str.len().to_numpy(dtype=np.int64, na_value=0)
    fits = (length >= _TIME_MIN) & (length <= _TIME_MAX)
    chars = np.array(values.where(fits, "").tolist(), dtype=f"U{_TIME_MAX}")
    codes = chars.view(np.uint32).reshape(count, _TIME_MAX).astype(np.int64)
    end = np.clip(length, _TIME_MIN, _TIME_MAX)
    rows = np.arange(count)

    def char(k: int) -> npt.NDArray[np.int64]:  # the k-th character from the end
        return codes[rows, end - k]

    digits = [char(k) - ord("0") for k in range(1, _TIME_MAX + 1)]
    is_digit = [(d >= 0) & (d <= 9) for d in digits]
    hour_digits = end - 6
    ok = fits & (char(3) == ord(":")) & (char(6) == ord(":"))
    ok &= (
        is_digit[0] & is_digit[1] & is_digit[3] & is_digit[4] & (digits[1] <= 5) & (digits[4] <= 5)
    )
    hours = np.zeros(count, dtype=np.int64)
    for place in range(_TIME_MAX - 6):  # units, tens, hundreds of hours
        present = hour_digits > place
        ok &= ~present | is_digit[6 + place]
        hours += np.where(present, digits[6 + place], 0) * 10**place
    seconds = hours * 3600 + (digits[4] * 10 + digits[3]) * 60 + digits[1] * 10 + digits[0]
    bad = ~ok & (length > 0)
    return np.where(ok, seconds, np.nan).astype(np.float64), bad


def parse_date(values: pd.Series) -> tuple[npt.NDArray[np.datetime64], Bools]:
    """GTFS dates `YYYYMMDD` as datetime64[D] (NaT for blank); flags bad values."""
    valid = values.str.fullmatch(r"\d{8}").fillna(False).to_numpy(dtype=bool)
    parsed = pd.to_datetime(values.where(valid, None), format="%Y%m%d", errors="coerce")
    days = parsed.to_numpy(dtype="datetime64[D]")
    bad = np.isnat(days) & (values != "").to_numpy()
    return days, bad


def coded_int(
    frame: pd.DataFrame, notes: FileNotices, name: str, allowed: Iterable[int], default: int
) -> npt.NDArray[np.int64]:
    """An enumerated integer field: blank gives `default`, and so does a reported bad value."""
    values = text(frame, name)
    numbers, bad = parse_int(values)
    outside = ~np.isnan(numbers) & ~np.isin(numbers, np.fromiter(allowed, dtype=np.float64))
    notes.report(
        "invalid_integer", name, values[bad], f"{{value!r}} is not an integer; {default} used"
    )
    notes.report(
        "number_out_of_range",
        name,
        values[outside],
        f"{{value!r}} is not a valid {name}; {default} used",
    )
    numbers[np.isnan(numbers) | outside] = default
    return numbers.astype(np.int64)


def first_of_duplicates(frame: pd.DataFrame, notes: FileNotices, keys: list[str]) -> pd.DataFrame:
    """Drop rows repeating the key of an earlier row; an exact repeat is only a warning."""
    key_frame = pd.DataFrame({k: text(frame, k) for k in keys}, index=frame.index)
    repeated = key_frame.duplicated(keep="first")
    if not repeated.any():
        return frame
    exact = frame.duplicated(keep="first") & repeated
    label = " and ".join(keys)
    first_key = key_frame[keys[0]]
    notes.report(
        "duplicate_key",
        keys[0],
        first_key[exact],
        f"row repeats an earlier row exactly ({label} {{value!r}}); dropped",
        severity="WARNING",
    )
    notes.report(
        "duplicate_key",
        keys[0],
        first_key[repeated & ~exact],
        f"{label} {{value!r}} already defined by an earlier row; this one dropped",
    )
    return frame.loc[~repeated]
