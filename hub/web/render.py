"""HTML from the templates of `hub/web/templates`: texts and values escaped, data as JSON."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"
# {{ t.key }} is a text of the page's language; {{ name }} a value given by the handler.
_PLACEHOLDER = re.compile(r"\{\{\s*(t\.)?([a-z_][a-z0-9_]*)\s*\}\}")


class Markup(str):
    """A value already safe for HTML (built from escaped parts); inserted as it is."""

    __slots__ = ()


def render(name: str, texts: Mapping[str, str], values: Mapping[str, str]) -> str:
    """The template `name` with its placeholders filled.

    Raises:
        KeyError: for a placeholder neither `texts` nor `values` fill (a bug in the page).
    """

    def fill(match: re.Match[str]) -> str:
        is_text, key = match.group(1), match.group(2)
        value = texts[key] if is_text else values[key]
        return value if isinstance(value, Markup) else html.escape(value, quote=True)

    return _PLACEHOLDER.sub(fill, _template(name))


@functools.cache
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def script_json(data: Any) -> Markup:
    """`data` as JSON that is safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</script>" or "<!--" in a value must not end the element early.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
