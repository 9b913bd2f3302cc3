"""`/widget/builder`: an employer picks a site and gets the widget's snippet, with a preview."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from hub.employers import Employer, Site
from hub.problems import ApiError, invalid_param, reject_unknown_params
from hub.web.i18n import Lang, find_lang, texts
from hub.web.pages import lang_of
from hub.web.render import Markup, render, script_json
from hub.web.state import own_origin, web_state

SNIPPET_PARAMS = frozenset({"employer", "site", "lang", "accent"})
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True, slots=True)
class Snippet:
    """The widget of one site as an employer pastes it, and the attributes it carries."""

    token: str
    attributes: dict[str, str]
    script: str
    iframe: str


def make_snippet(
    base: str, token: str, employer: Employer, site: Site, lang: Lang, accent: str
) -> Snippet:
    """The `<script>` + `<hub-planner>` snippet and the iframe alternative for `site`.

    Args:
        base: the hub's origin as the employer's pages will reach it.
        token: the widget token of `employer` and `site`.
        employer: the employer.
        site: one of its sites.
        lang: the widget's language.
        accent: the accent colour (``#rrggbb``).
    """
    attributes = {
        "token": token,
        "destination": site.place,
        "destination-label": site.label,
        "arrive-by": site.shift_start.strftime("%H:%M"),
        "lang": lang,
        "modes": ",".join(employer.modes),
        "accent": accent,
    }
    shown = " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
    script = f'<script src="{base}/widget.js" async></script>\n<hub-planner {shown}></hub-planner>'
    query = urlencode({"token": token, "lang": lang})
    title = html.escape(texts(lang)["widget_title"].replace("{label}", site.label))
    iframe = (
        f'<iframe src="{base}/embed?{html.escape(query)}" title="{title}" '
        'width="100%" height="640" style="border:0" loading="lazy"></iframe>'
    )
    return Snippet(token, attributes, script, iframe)


def _choice(request: web.Request) -> tuple[Employer, Site] | None:
    """The employer and site the query names (the first ones by default).

    Raises:
        ApiError: 400 naming `employer` or `site` when unknown.
    """
    employers = web_state(request).employers
    listed = employers.list_employers()
    if not listed:
        return None
    employer_id = request.query.get("employer") or listed[0].id
    try:
        employer = employers.get_employer(employer_id)
    except KeyError:
        known = ", ".join(e.id for e in listed)
        raise invalid_param("employer", f"unknown employer (known: {known})") from None
    site_id = request.query.get("site") or employer.sites[0].id
    try:
        return employer, employer.get_site(site_id)
    except KeyError:
        known = ", ".join(s.id for s in employer.sites)
        reason = f"{employer.name!r} has no such site (sites: {known})"
        raise invalid_param("site", reason) from None


def _snippet_for(request: web.Request, employer: Employer, site: Site, lang: Lang) -> Snippet:
    accent = request.query.get("accent") or employer.branding.accent
    if not _COLOUR.match(accent):
        raise invalid_param("accent", "expected a colour as #rrggbb")
    token = web_state(request).tokens.sign(employer, site)
    return make_snippet(own_origin(request), token, employer, site, lang, accent)


async def snippet_handler(request: web.Request) -> web.Response:
    """`GET /widget/snippet?employer=&site=&lang=&accent=`: the snippet as JSON."""
    reject_unknown_params(request, SNIPPET_PARAMS)
    choice = _choice(request)
    if choice is None:
        raise ApiError(404, "no employer is configured (config/employers/*.toml)")
    employer, site = choice
    lang = find_lang(request.query.get("lang")) or employer.language
    snippet = _snippet_for(request, employer, site, lang)
    return web.json_response(
        {
            "employer": employer.id,
            "site": site.id,
            "token": snippet.token,
            "attributes": snippet.attributes,
            "script": snippet.script,
            "iframe": snippet.iframe,
        }
    )


def _options(items: list[tuple[str, str]], selected: str) -> Markup:
    return Markup(
        "".join(
            f'<option value="{html.escape(value)}"{" selected" if value == selected else ""}>'
            f"{html.escape(label)}</option>"
            for value, label in items
        )
    )


async def builder_handler(request: web.Request) -> web.Response:
    """`GET /widget/builder`: choose an employer and a site; copy the snippet; see it live."""
    page_lang = lang_of(request)
    choice = _choice(request)
    if choice is None:
        body = render("builder_empty.html", texts(page_lang), {"lang": page_lang})
        return web.Response(text=body, content_type="text/html", charset="utf-8")
    employer, site = choice
    widget_lang = find_lang(request.query.get("widget_lang")) or employer.language
    snippet = _snippet_for(request, employer, site, widget_lang)
    listed = web_state(request).employers.list_employers()
    values = {
        "lang": page_lang,
        "employer_options": _options([(e.id, e.name) for e in listed], employer.id),
        "site_options": _options([(s.id, s.label) for s in employer.sites], site.id),
        "lang_options": _options([("fr", "Français"), ("en", "English")], widget_lang),
        "accent": snippet.attributes["accent"],
        "origins_line": texts(page_lang)["allowed_origins"].replace(
            "{origins}", ", ".join(employer.allowed_origins)
        ),
        "script": snippet.script,
        "iframe": snippet.iframe,
        "data": script_json({"attributes": snippet.attributes, "texts": dict(texts(page_lang))}),
    }
    body = render("builder.html", texts(page_lang), values)
    return web.Response(text=body, content_type="text/html", charset="utf-8")
