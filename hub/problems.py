"""Errors as `application/problem+json` (RFC 9457), for every route and every failure."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("hub.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A request the API refuses; becomes a problem response with this status."""

    def __init__(self, status: int, detail: str, *, param: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.param = param
        self.extra = extra


def problem(status: int, detail: str | None = None, **extra: Any) -> web.Response:
    """A problem+json response: type, title (the status phrase), status, detail, extras."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type=PROBLEM_TYPE,
    )


def invalid_param(name: str, reason: str) -> ApiError:
    """A 400 naming the offending query parameter."""
    return ApiError(
        400,
        f"invalid parameter {name!r}: {reason}",
        param=name,
        invalid_params=[{"name": name, "reason": reason}],
    )


def reject_unknown_params(request: web.Request, allowed: frozenset[str]) -> None:
    """Refuse query parameters the route does not know (typos would otherwise pass silently).

    Raises:
        ApiError: 400 naming the first unknown parameter.
    """
    for name in request.query:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise invalid_param(name, f"unknown parameter (accepted: {known})")


async def json_body(request: web.Request) -> Any:
    """The request's body parsed as JSON.

    Raises:
        ApiError: 400 when the body is not JSON.
    """
    try:
        return await request.json()
    except ValueError:
        raise ApiError(400, "the body must be JSON", param="body") from None


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn `ApiError`, aiohttp's HTTP errors and unexpected failures into problem responses."""
    try:
        return await handler(request)
    except ApiError as error:
        extra = dict(error.extra)
        if error.param is not None and "invalid_params" not in extra:
            extra["invalid_params"] = [{"name": error.param, "reason": error.detail}]
        return problem(error.status, error.detail, **extra)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        detail = None if error.text == f"{error.status}: {error.reason}" else error.text
        response = problem(error.status, detail)
        for header in ("Allow", "Retry-After"):
            if header in error.headers:
                response.headers[header] = error.headers[header]
        return response
    except Exception:
        log.exception("unhandled error", extra={"path": request.path})
        return problem(500, "internal error; it has been logged")
