"""The employers' widget: its loader `/widget.js`, its configuration and the `/embed` page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.employers import Grant, TokenRefused
from hub.problems import ApiError, invalid_param, reject_unknown_params
from hub.web.i18n import DEFAULT_LANG, Lang, find_lang, texts
from hub.web.pages import API_BASE
from hub.web.render import render
from hub.web.state import WebState, page_origin, web_state

CONFIG_PARAMS = frozenset({"token", "lang"})


def check_token(request: web.Request) -> Grant:
    """The grant of the request's `token` for the page that sends it.

    Raises:
        ApiError: 400 without a token; 403 naming the reason (``code``) when it is refused.
    """
    # `message` is the sentence the widget shows, in its language (it has no texts yet).
    words = texts(find_lang(request.query.get("lang")) or DEFAULT_LANG)
    token = request.query.get("token", "").strip()
    if not token:
        error = invalid_param("token", "the widget needs the token made by /widget/builder")
        error.extra.update(code="missing_token", message=words["widget_missing_token"])
        raise error
    try:
        return web_state(request).tokens.verify(token, page_origin(request))
    except TokenRefused as refused:
        raise ApiError(
            403, refused.detail, param="token", code=refused.code, message=words["widget_refused"]
        ) from None


def widget_lang(request: web.Request, grant: Grant) -> Lang:
    """`?lang=` when supported, else the employer's language."""
    return find_lang(request.query.get("lang")) or grant.employer.language


def widget_config(state: WebState, grant: Grant, lang: Lang) -> dict[str, Any]:
    """What the widget needs to draw itself: employer, site, modes, texts and the clock."""
    employer, site = grant.employer, grant.site
    network = state.hub.reloader.served.network
    logo = employer.branding.logo_url
    return {
        "employer": {
            "id": employer.id,
            "name": employer.name,
            "accent": employer.branding.accent,
            "logo_url": None if logo is None else str(logo),
        },
        "site": {
            "id": site.id,
            "label": site.label,
            "place": site.place,
            "shift_start": site.shift_start.strftime("%H:%M"),
        },
        "modes": list(employer.modes),
        "lang": lang,
        "texts": dict(texts(lang)),
        "api": API_BASE,
        "now": state.local_now().isoformat(timespec="minutes")[:16],
        "timezone": network.timezone,
    }


async def config_handler(request: web.Request) -> web.Response:
    """`GET /widget/config?token=`: the widget's settings, or 403 for a page not allowed."""
    reject_unknown_params(request, CONFIG_PARAMS)
    grant = check_token(request)
    body = widget_config(web_state(request), grant, widget_lang(request, grant))
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def loader_handler(request: web.Request) -> web.FileResponse:
    """`GET /widget.js`: the classic script employers paste; it loads the element's module."""
    path = web_state(request).assets.src / "widget.js"
    return web.FileResponse(path, headers={"Content-Type": "text/javascript; charset=utf-8"})


async def embed_handler(request: web.Request) -> web.Response:
    """`GET /embed?token=`: the widget as a page of its own, for an iframe.

    Browsers enforce the employer's origins through ``frame-ancestors``; a page not allowed
    that still links to it gets the refusal as the page's text.
    """
    reject_unknown_params(request, CONFIG_PARAMS)
    try:
        grant = check_token(request)
    except ApiError as error:
        lang = find_lang(request.query.get("lang")) or "en"
        return _refusal_page(error, lang)
    lang = widget_lang(request, grant)
    values = {
        "lang": lang,
        "token": request.query["token"].strip(),
        "title": texts(lang)["widget_title"].replace("{label}", grant.site.label),
    }
    response = web.Response(
        text=render("embed.html", texts(lang), values), content_type="text/html", charset="utf-8"
    )
    ancestors = " ".join(["'self'", *grant.employer.allowed_origins])
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
        f"img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
        f"frame-ancestors {ancestors}"
    )
    return response


def _refusal_page(error: ApiError, lang: Lang) -> web.Response:
    values = {"lang": lang, "detail": error.detail, "code": str(error.extra.get("code", ""))}
    return web.Response(
        status=error.status,
        text=render("refused.html", texts(lang), values),
        content_type="text/html",
        charset="utf-8",
    )
