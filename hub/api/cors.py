"""CORS preflight of `/api/v1`: answers ``OPTIONS`` for the origins some employer allows.

Simple requests get their ``Access-Control-Allow-Origin`` from the web side's response hook
(`hub.web.setup.cors_headers`), which reads the same allow-list; a page sending
``X-API-Key`` makes the browser ask first, and this answers it.
"""

from __future__ import annotations

from aiohttp import web

from hub.employers import normalize_origin
from hub.problems import ApiError
from hub.web.state import WEB

ALLOWED_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_HEADERS = frozenset({"x-api-key", "accept", "accept-language", "content-type"})
MAX_AGE_S = 600


def allowed_origins(app: web.Application) -> frozenset[str]:
    """The origins some employer allows (none when the web side is not set up)."""
    state = app.get(WEB)
    return frozenset() if state is None else state.employers.origins()


async def preflight(request: web.Request) -> web.Response:
    """Allow a cross-origin GET from an employer's page, or say why not.

    Raises:
        hub.problems.ApiError: 400 when this is no preflight, 403 for a refused origin,
            method or header.
    """
    origin = request.headers.get("Origin")
    method = request.headers.get("Access-Control-Request-Method")
    if origin is None or method is None:
        raise ApiError(400, "OPTIONS is answered as a CORS preflight (Origin and "
                            "Access-Control-Request-Method headers)")  # fmt: skip
    try:
        allowed = normalize_origin(origin) in allowed_origins(request.app)
    except ValueError:
        allowed = False
    if not allowed:
        raise ApiError(403, f"origin {origin!r} is not allowed by any employer of this hub")
    if method.upper() not in ALLOWED_METHODS:
        raise ApiError(403, f"cross-origin {method} is not allowed (only GET)")
    asked = request.headers.get("Access-Control-Request-Headers", "")
    headers = {h.strip().lower() for h in asked.split(",") if h.strip()}
    refused = sorted(headers - ALLOWED_HEADERS)
    if refused:
        raise ApiError(403, f"cross-origin header(s) not allowed: {', '.join(refused)}")
    response = web.Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(ALLOWED_METHODS))
    response.headers["Access-Control-Allow-Headers"] = ", ".join(sorted(ALLOWED_HEADERS))
    response.headers["Access-Control-Max-Age"] = str(MAX_AGE_S)
    response.headers["Vary"] = "Origin"
    return response
