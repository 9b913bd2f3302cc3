"""Employers of the widget: their files in `config/employers/`, and the HMAC widget tokens."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    model_validator,
)

from hub.settings import Settings

Lang = Literal["fr", "en"]
WidgetMode = Literal["walk", "bike", "transit"]
RefusalCode = Literal[
    "malformed_token", "bad_signature", "unknown_employer", "unknown_site", "origin_not_allowed"
]
TOKEN_VERSION = "v1"
MIN_SECRET_BYTES = 16
SECRET_FILE = "widget.secret"


class EmployerError(Exception):
    """An employer file that cannot be used: `path` names it, the message says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def normalize_origin(text: str) -> str:
    """``scheme://host[:port]`` in lower case, the default port dropped (as browsers send it).

    Raises:
        ValueError: for anything else (a path, a query, a missing host, another scheme).
    """
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"an origin is http(s)://host[:port], got {text!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"an origin has no path, query or user, got {text!r}")
    default = 443 if parts.scheme == "https" else 80
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


Origin = Annotated[str, AfterValidator(normalize_origin)]
Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Site(_Strict):
    """A workplace: where the widget plans to, and by when people should arrive."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    label: str = Field(min_length=1, max_length=120)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    stop: str | None = Field(None, pattern=r"^[^:\s]+:\S+$", description="feed:stop_id")
    shift_start: dt.time = Field(description="default arrival time (local), e.g. 07:00")

    @model_validator(mode="after")
    def _one_place(self) -> Site:
        has_point = self.lat is not None and self.lon is not None
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        if has_point == (self.stop is not None):
            raise ValueError("give either lat and lon, or stop (feed:stop_id)")
        return self

    @property
    def place(self) -> str:
        """The site as the plan API takes it: ``LAT,LON`` or ``FEED:STOP``."""
        if self.stop is not None:
            return self.stop
        return f"{self.lat},{self.lon}"


class Branding(_Strict):
    """How the widget looks on the employer's pages."""

    accent: Colour = "#0b6e4f"
    logo_url: HttpUrl | None = None


class Employer(_Strict):
    """One employer: its sites, the web origins allowed to show its widget, its branding."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="the file name without .toml")
    name: str = Field(min_length=1, max_length=120)
    language: Lang = "fr"
    modes: list[WidgetMode] = Field(default=["walk", "transit"], min_length=1)
    allowed_origins: list[Origin] = Field(min_length=1)
    branding: Branding = Branding()
    sites: list[Site] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_sites(self) -> Employer:
        ids = [site.id for site in self.sites]
        if len(set(ids)) != len(ids):
            raise ValueError(f"site ids must be unique, got {ids}")
        return self

    def get_site(self, site_id: str) -> Site:
        """The site with this id.

        Raises:
            KeyError: when the employer has no such site.
        """
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)

    def allows(self, origin: str) -> bool:
        """Whether a page of `origin` may show this employer's widget."""
        try:
            return normalize_origin(origin) in self.allowed_origins
        except ValueError:
            return False


@dataclass(frozen=True, slots=True)
class Employers:
    """Every configured employer, by id."""

    by_id: Mapping[str, Employer]

    def get_employer(self, employer_id: str) -> Employer:
        """The employer with this id.

        Raises:
            KeyError: when there is none.
        """
        return self.by_id[employer_id]

    def list_employers(self) -> list[Employer]:
        """All employers, sorted by id."""
        return [self.by_id[key] for key in sorted(self.by_id)]

    def origins(self) -> frozenset[str]:
        """Every origin some employer allows (the CORS allow-list of the API)."""
        return frozenset(o for e in self.by_id.values() for o in e.allowed_origins)


def load_employer(path: Path) -> Employer:
    """One employer file; its id is the file name without ``.toml``.

    Raises:
        EmployerError: naming the file and the first bad field.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise EmployerError(path, f"cannot read: {error}") from None
    if "id" in data:
        raise EmployerError(path, "'id' is the file name; remove it from the file")
    try:
        return Employer.model_validate({**data, "id": path.stem})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise EmployerError(path, f"{where}: {first['msg']}") from None


def load_employers(directory: Path) -> Employers:
    """Every ``*.toml`` of `directory` (none when it does not exist).

    Raises:
        EmployerError: for the first file that cannot be used.
    """
    if not directory.is_dir():
        return Employers({})
    employers = [load_employer(path) for path in sorted(directory.glob("*.toml"))]
    return Employers({employer.id: employer for employer in employers})


class TokenRefused(Exception):
    """A widget token that does not grant the request; `code` says which check failed."""

    def __init__(self, code: RefusalCode, detail: str) -> None:
        super().__init__(detail)
        self.code: RefusalCode = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid token grants: one employer's widget for one of its sites."""

    employer: Employer
    site: Site


@dataclass(frozen=True, slots=True)
class WidgetTokens:
    """Signs and checks widget tokens: ``v1.<payload>.<HMAC-SHA256>``, base64url.

    The token names the employer and the site; the allowed origins are read from the
    employer's file when checking, so removing an origin there revokes it at once.
    """

    secret: bytes
    employers: Employers

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the widget secret needs at least {MIN_SECRET_BYTES} bytes")

    def sign(self, employer: Employer, site: Site) -> str:
        """The token of `employer`'s widget for `site`."""
        payload = json.dumps({"e": employer.id, "s": site.id}, separators=(",", ":"))
        body = f"{TOKEN_VERSION}.{_b64(payload.encode())}"
        return f"{body}.{_b64(self._mac(body))}"

    def verify(self, token: str, origin: str | None) -> Grant:
        """The grant of `token` for a page of `origin`.

        Args:
            token: a token made by `sign`.
            origin: the requesting page's origin; None for the hub's own pages (browsers
                send no Origin on same-origin GETs).

        Raises:
            TokenRefused: when the token is malformed, forged, names an unknown employer or
                site, or `origin` is not one of the employer's allowed origins.
        """
        employer_id, site_id = self._payload(token)
        employer = self.employers.by_id.get(employer_id)
        if employer is None:
            raise TokenRefused("unknown_employer", f"no employer {employer_id!r} is configured")
        try:
            site = employer.get_site(site_id)
        except KeyError:
            raise TokenRefused(
                "unknown_site", f"employer {employer.name!r} has no site {site_id!r}"
            ) from None
        if origin is not None and not employer.allows(origin):
            raise TokenRefused(
                "origin_not_allowed",
                f"this widget belongs to {employer.name!r}, whose allowed origins "
                f"({', '.join(employer.allowed_origins)}) do not include {origin}",
            )
        return Grant(employer, site)

    def _payload(self, token: str) -> tuple[str, str]:
        version, _, rest = token.strip().partition(".")
        payload_b64, _, mac_b64 = rest.partition(".")
        if version != TOKEN_VERSION or not payload_b64 or not mac_b64:
            raise TokenRefused("malformed_token", "the widget token is not a v1 token")
        try:
            mac = _unb64(mac_b64)
            payload = json.loads(_unb64(payload_b64))
        except ValueError:
            raise TokenRefused("malformed_token", "the widget token cannot be decoded") from None
        if not hmac.compare_digest(mac, self._mac(f"{version}.{payload_b64}")):
            raise TokenRefused("bad_signature", "the widget token was not signed by this hub")
        if not isinstance(payload, dict) or not all(
            isinstance(payload.get(key), str) for key in ("e", "s")
        ):
            raise TokenRefused("malformed_token", "the widget token's payload is incomplete")
        return payload["e"], payload["s"]

    def _mac(self, body: str) -> bytes:
        return hmac.new(self.secret, body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    # validate=True: stray characters are an error, not silently dropped; binascii.Error is a
    # ValueError; the padding tokens leave out is restored.
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def widget_secret(settings: Settings) -> bytes:
    """The key of the widget tokens: `HUB_WIDGET_SECRET`, else one kept in the cache folder.

    The kept key is created once (atomically, mode 0600) so that every worker of `hub serve`
    on this machine, and every restart, signs and checks with the same key.
    """
    if settings.widget_secret is not None:
        return settings.widget_secret.get_secret_value().encode()
    path = settings.cache_dir / SECRET_FILE
    if not path.exists():
        _create_secret(path)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _create_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(temporary, path)  # fails if another worker won the race: use its key
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
