"""Validation notices: what is wrong with a feed, where, and how bad."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["ERROR", "WARNING", "INFO"]


@dataclass(frozen=True, slots=True)
class Notice:
    """One finding, named like MobilityData's validator notices where they overlap.

    `row` is the 1-based data row of `file` (the header is row 0), or None for file-level
    findings.
    """

    feed: str
    code: str
    severity: Severity
    file: str | None
    row: int | None
    field: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        """The notice as the `hub validate --json` record."""
        return asdict(self)


@dataclass(slots=True)
class NoticeLog:
    """Notices collected while loading one feed."""

    feed: str
    notices: list[Notice] = field(default_factory=list)

    def add(
        self,
        code: str,
        severity: Severity,
        message: str,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        """Record one finding."""
        self.notices.append(Notice(self.feed, code, severity, file, row, field, message))

    @property
    def errors(self) -> int:
        """Number of ERROR notices."""
        return sum(1 for n in self.notices if n.severity == "ERROR")

    @property
    def warnings(self) -> int:
        """Number of WARNING notices."""
        return sum(1 for n in self.notices if n.severity == "WARNING")

    def counts(self) -> Counter[str]:
        """Notices counted by code."""
        return Counter(n.code for n in self.notices)
