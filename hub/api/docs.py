"""`/docs`: the OpenAPI document rendered as one plain HTML page (no script, no CDN)."""

from __future__ import annotations

import functools
import html
import json
from typing import Any

from aiohttp import web

from hub.api.openapi import openapi_spec
from hub.problems import reject_unknown_params

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace;background:#f4f4f4;padding:.1rem .3rem}
pre{padding:.6rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
h2{border-top:2px solid #333;padding-top:.8rem;margin-top:2rem}
.method{background:#0b6e4f;color:#fff;padding:.1rem .4rem;border-radius:3px;font-weight:bold}
"""


@functools.cache
def docs_html() -> str:
    """The page (built once from the spec)."""
    spec = openapi_spec()
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{_e(spec['info']['title'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(spec['info']['title'])}</h1><p>{_e(spec['info']['description'])}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a>.</p>",
        "<nav><ul>",
    ]
    operations = [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
    ]
    for path, method, op in operations:
        parts.append(
            f"<li><a href='#{op['operationId']}'>{method.upper()} {_e(path)}</a>: "
            f"{_e(op['summary'])}</li>"
        )
    parts.append("</ul></nav>")
    for path, method, op in operations:
        parts += _operation(path, method, op)
    parts.append("<h2 id='security'>Tokens</h2><table>")
    for name, scheme in spec["components"]["securitySchemes"].items():
        where = f"{scheme['in']} {scheme['name']}" if "name" in scheme else "Authorization: Bearer"
        parts.append(
            f"<tr><td><code>{_e(name)}</code></td><td><code>{_e(where)}</code></td>"
            f"<td>{_e(scheme['description'])}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2 id='schemas'>Schemas</h2>")
    for name, schema in spec["components"]["schemas"].items():
        parts += _schema(name, schema)
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(path: str, method: str, op: dict[str, Any]) -> list[str]:
    out = [
        f"<h2 id='{op['operationId']}'><span class='method'>{method.upper()}</span> "
        f"<code>{_e(path)}</code></h2>",
        f"<p>{_e(op['summary'])}</p>",
    ]
    if "security" in op:
        names = (name for alternative in op["security"] for name in alternative)
        links = " or ".join(f"<a href='#security'><code>{_e(n)}</code></a>" for n in names)
        out.append(f"<p>Token: {links}</p>")
    if op["parameters"]:
        out.append("<table><tr><th>parameter</th><th>in</th><th>schema</th><th>about</th></tr>")
        for p in op["parameters"]:
            required = " (required)" if p["required"] else ""
            out.append(
                f"<tr><td><code>{_e(p['name'])}</code>{required}</td><td>{p['in']}</td>"
                f"<td><code>{_e(_brief(p['schema']))}</code></td><td>{_e(p['description'])}</td></tr>"
            )
        out.append("</table>")
    if "requestBody" in op:
        ((media, body),) = op["requestBody"]["content"].items()
        out.append(f"<p>Body: <code>{_e(media)}</code> {_link(body['schema'])}</p>")
    out.append("<table><tr><th>status</th><th>answer</th></tr>")
    for status, response in op["responses"].items():
        answer = _e(response["description"])
        for media, content in response.get("content", {}).items():
            answer += f" <code>{_e(media)}</code> {_link(content['schema'])}"
        out.append(f"<tr><td>{status}</td><td>{answer}</td></tr>")
    out.append("</table>")
    return out


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    out = [f"<h3 id='schema-{_e(name)}'>{_e(name)}</h3>"]
    if "description" in schema:
        out.append(f"<p>{_e(schema['description'])}</p>")
    properties = schema.get("properties")
    if not properties:
        return [*out, f"<pre>{_e(json.dumps(schema, indent=1))}</pre>"]
    required = set(schema.get("required", ()))
    out.append("<table><tr><th>field</th><th>type</th><th>about</th></tr>")
    for field, prop in properties.items():
        mark = "" if field in required else " (optional)"
        out.append(
            f"<tr><td><code>{_e(field)}</code>{mark}</td><td>{_type(prop)}</td>"
            f"<td>{_e(prop.get('description', ''))}</td></tr>"
        )
    out.append("</table>")
    return out


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return _link(schema)
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return f"<code>{_e(_brief(schema))}</code>"


def _link(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref")
    if ref is None:
        return f"<code>{_e(_brief(schema))}</code>"
    name = ref.rsplit("/", 1)[-1]
    return f"<a href='#schema-{_e(name)}'>{_e(name)}</a>"


def _brief(schema: dict[str, Any]) -> str:
    """A short text of a simple schema: type, enum, bounds, pattern."""
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    text = str(schema.get("type", "any"))
    if "format" in schema:
        text += f" ({schema['format']})"
    bounds = [
        f"{k}={schema[k]}" for k in ("minimum", "maximum", "default", "pattern") if k in schema
    ]
    return text + (f" [{', '.join(bounds)}]" if bounds else "")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


async def docs_handler(request: web.Request) -> web.Response:
    """The API documentation page."""
    reject_unknown_params(request, frozenset())
    return web.Response(text=docs_html(), content_type="text/html")
