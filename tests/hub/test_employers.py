from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hub.employers import (
    EmployerError,
    TokenRefused,
    WidgetTokens,
    load_employer,
    load_employers,
    normalize_origin,
    widget_secret,
)
from hub.settings import REPO_ROOT, Settings
from tests.hub.conftest import build_tiny, tiny_feed

SECRET = b"0123456789abcdef0123456789abcdef"

SHOP = """
name = "Corner Shop"
language = "en"
allowed_origins = ["https://shop.example", "http://localhost:8123/"]

[branding]
accent = "#112233"

[[sites]]
id = "front"
label = "Front door"
lat = -30.03
lon = -51.22
shift_start = 07:30:00

[[sites]]
id = "depot"
label = "Depot"
stop = "eptc:1234"
shift_start = "13:00"
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tokens(tmp_path: Path) -> WidgetTokens:
    write(tmp_path / "emp", "shop", SHOP)
    return WidgetTokens(SECRET, load_employers(tmp_path / "emp"))


def test_employer_file_is_read_with_its_id_from_the_file_name(tmp_path: Path) -> None:
    employer = load_employer(write(tmp_path, "shop", SHOP))
    assert employer.id == "shop" and employer.name == "Corner Shop"
    assert employer.modes == ["walk", "transit"]  # the default
    assert employer.allowed_origins == ["https://shop.example", "http://localhost:8123"]
    front, depot = employer.sites
    assert (front.place, front.shift_start) == ("-30.03,-51.22", dt.time(7, 30))
    assert (depot.place, depot.shift_start) == ("eptc:1234", dt.time(13, 0))
    assert employer.branding.accent == "#112233" and employer.branding.logo_url is None
    assert employer.get_site("depot") is depot
    with pytest.raises(KeyError):
        employer.get_site("roof")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("Corner Shop", 'Corner Shop"\ncolour = "red'), "colour: Extra inputs are not permitted"),
        (('"#112233"', '"blue"'), "branding.accent"),
        (('"https://shop.example", ', '"https://shop.example/page", '), "allowed_origins.0"),
        (('"https://shop.example", ', '"ftp://shop.example", '), "allowed_origins.0"),
        (("lon = -51.22\n", ""), "give both lat and lon"),
        (('stop = "eptc:1234"', 'stop = "eptc:1234"\nlat = 1.0\nlon = 2.0'), "either lat and lon"),
        (('stop = "eptc:1234"', 'stop = "1234"'), "sites.1.stop"),
        (('id = "depot"', 'id = "front"'), "site ids must be unique"),
        (("07:30:00", '"half past seven"'), "sites.0.shift_start"),
        (('language = "en"', 'language = "de"'), "language"),
        (('name = "Corner Shop"', 'id = "x"\nname = "Corner Shop"'), "'id' is the file name"),
        (('label = "Depot"', "label = "), "cannot read"),
    ],
)
def test_bad_employer_files_name_the_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = SHOP.replace(*change)
    assert text != SHOP
    path = write(tmp_path, "shop", text)
    with pytest.raises(EmployerError, match="shop.toml") as caught:
        load_employer(path)
    assert message in str(caught.value)


def test_missing_employers_folder_is_no_employer(tmp_path: Path) -> None:
    assert load_employers(tmp_path / "none").list_employers() == []


def test_shipped_employers_load_and_sit_in_the_default_region() -> None:
    employers = load_employers(REPO_ROOT / "config" / "employers")
    assert len(employers.list_employers()) >= 2
    for employer in employers.list_employers():
        for site in employer.sites:
            if site.stop is None:
                # Inside the Porto Alegre OSM extract, so door-to-door planning reaches them.
                assert site.lat is not None and -30.1133 <= site.lat <= -29.9876
                assert site.lon is not None and -51.2664 <= site.lon <= -51.1322
            else:
                assert site.stop.split(":")[0] in {"eptc", "trensurb"}


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example:443/", "https://shop.example"),
        ("http://localhost:80", "http://localhost"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_origins_are_normalized_as_browsers_send_them(text: str, origin: str) -> None:
    assert normalize_origin(text) == origin


def test_token_round_trip_grants_the_employer_and_site(tokens: WidgetTokens) -> None:
    shop = tokens.employers.get_employer("shop")
    token = tokens.sign(shop, shop.get_site("depot"))
    grant = tokens.verify(token, "https://shop.example")
    assert (grant.employer.id, grant.site.id) == ("shop", "depot")
    assert tokens.verify(token, "http://localhost:8123").site.id == "depot"
    assert tokens.verify(token, None).employer is shop  # the hub's own pages


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://shop.example", "https://shop.example:8443", "null"]
)
def test_token_is_refused_on_another_origin(tokens: WidgetTokens, origin: str) -> None:
    shop = tokens.employers.get_employer("shop")
    token = tokens.sign(shop, shop.sites[0])
    with pytest.raises(TokenRefused) as caught:
        tokens.verify(token, origin)
    assert caught.value.code == "origin_not_allowed"
    assert "Corner Shop" in caught.value.detail and origin in caught.value.detail


def test_forged_and_broken_tokens_are_refused(tokens: WidgetTokens) -> None:
    shop = tokens.employers.get_employer("shop")
    token = tokens.sign(shop, shop.sites[0])
    version, payload, mac = token.split(".")
    other_key = WidgetTokens(b"another secret of 32 bytes......", tokens.employers)
    cases = {
        "": "malformed_token",
        "v2." + payload + "." + mac: "malformed_token",
        f"{version}.{payload}": "malformed_token",
        f"{version}.{payload}.{mac[:-4]}": "bad_signature",
        f"{version}.{payload}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}": "bad_signature",
        f"{version}.{payload}.!!!": "malformed_token",
        other_key.sign(shop, shop.sites[0]): "bad_signature",
    }
    for bad, code in cases.items():
        with pytest.raises(TokenRefused) as caught:
            tokens.verify(bad, "https://shop.example")
        assert caught.value.code == code, bad


def test_token_for_a_removed_site_or_employer_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a", "shop", SHOP)
    before = WidgetTokens(SECRET, load_employers(tmp_path / "a"))
    shop = before.employers.get_employer("shop")
    token = before.sign(shop, shop.get_site("depot"))
    write(tmp_path / "b", "shop", SHOP.split('[[sites]]\nid = "depot"')[0])
    with pytest.raises(TokenRefused, match="no site 'depot'"):
        WidgetTokens(SECRET, load_employers(tmp_path / "b")).verify(token, None)
    with pytest.raises(TokenRefused, match="no employer 'shop'") as caught:
        WidgetTokens(SECRET, load_employers(tmp_path / "c")).verify(token, None)
    assert caught.value.code == "unknown_employer"


def test_short_secret_is_refused(tokens: WidgetTokens) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        WidgetTokens(b"short", tokens.employers)


def test_secret_from_settings_or_kept_in_the_cache(tmp_path: Path) -> None:
    given = Settings(cache_dir=tmp_path / "c1", widget_secret="s" * 20)
    assert widget_secret(given) == b"s" * 20
    kept = Settings(cache_dir=tmp_path / "c2", widget_secret="")
    first = widget_secret(kept)
    assert len(first) == 32 and widget_secret(kept) == first  # stable across calls/workers
    path = tmp_path / "c2" / "widget.secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path / "c2") == ["widget.secret"]  # no temporary left behind
    assert widget_secret(Settings(cache_dir=tmp_path / "c3")) != first


def test_hub_serve_stops_on_a_bad_employer_file(tmp_path: Path, closed_port: int) -> None:
    network = tmp_path / "net"
    build_tiny({"tiny": tiny_feed(tmp_path / "tiny")}, network)
    write(tmp_path / "emp", "shop", SHOP.replace("lon = -51.22\n", ""))
    env = {
        **os.environ,
        "HUB_EMPLOYERS_DIR": str(tmp_path / "emp"),
        "HUB_CACHE_DIR": str(tmp_path / "cache"),
    }
    command = [sys.executable, "-m", "hub", "serve", "--network", str(network)]
    result = subprocess.run(
        [*command, "--port", str(closed_port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "shop.toml: sites.0: Value error, give both lat and lon" in result.stderr
    assert "Traceback" not in result.stderr
