from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feeds.source import BuildOptions, FeedSource
from hub.regions import MissingInputs, RegionError, list_regions, load_region
from hub.settings import REPO_ROOT

REGIONS_DIR = REPO_ROOT / "config" / "regions"
SHIPPED = list_regions(REGIONS_DIR)
OFFLINE = "hauts-de-france"


def test_the_expected_regions_are_shipped() -> None:
    assert set(SHIPPED) == {
        "porto-alegre",
        "bay-area",
        "caltrain-2023",
        "sao-paulo",
        "seattle",
        "hauts-de-france",
    }


@pytest.mark.parametrize("name", SHIPPED)
def test_every_region_file_parses(name: str, data_dir: Path) -> None:
    region = load_region(name, REGIONS_DIR, data_dir)
    assert region.name == name
    assert region.spec.title
    ids = [s.id for s in region.sources()]
    assert len(ids) == len(set(ids)) >= 1
    for feed in region.spec.feeds:
        assert feed.url or feed.page, f"{name}:{feed.id} has neither url nor page"


@pytest.mark.parametrize("name", [n for n in SHIPPED if n != OFFLINE])
def test_local_files_exist_under_the_data_dir(name: str, data_dir: Path) -> None:
    region = load_region(name, REGIONS_DIR, data_dir)
    assert region.missing_inputs() == ()
    region.require_inputs()
    for _feed, _rt, path in region.realtime_files():
        assert path.is_file(), path


def test_porto_alegre_maps_onto_build_inputs(data_dir: Path) -> None:
    region = load_region("porto-alegre", REGIONS_DIR, data_dir)
    eptc, trensurb = region.sources()
    assert isinstance(eptc, FeedSource)
    assert (eptc.id, trensurb.id) == ("eptc", "trensurb")
    assert eptc.path == (data_dir / "porto_alegre" / "eptc_bus.gtfs.zip").resolve()
    assert eptc.url is not None and eptc.url.endswith("/poa/poa_eptc.zip")
    assert region.osm_path() == (data_dir / "porto_alegre/porto_alegre_center.osm.pbf").resolve()
    options = region.build_options()
    assert isinstance(options, BuildOptions)
    assert (options.walk_speed_mps, options.transfer_radius_m) == (1.3, 300.0)
    assert region.spec.defaults.max_walk_min == 15
    brt = dt.timezone(dt.timedelta(hours=-3))
    assert region.spec.defaults.demo_now == dt.datetime(2019, 5, 14, 14, 0, tzinfo=brt)


def test_bay_area_realtime_sources(data_dir: Path) -> None:
    region = load_region("bay-area", REGIONS_DIR, data_dir)
    kinds = {(feed, rt.kind) for feed, rt, _ in region.realtime_files()}
    assert kinds == {("bart", "trip_updates"), ("bart", "alerts")}
    assert region.osm_path() is None


def test_hauts_de_france_offline_names_each_missing_file(data_dir: Path) -> None:
    region = load_region(OFFLINE, REGIONS_DIR, data_dir)
    assert {"ilevia", "ter_hdf"} <= {f.id for f in region.spec.feeds}
    with pytest.raises(MissingInputs) as err:
        region.require_inputs()
    message = str(err.value)
    for feed in region.spec.feeds:
        assert f"feed {feed.id}: " in message
        assert str(region.resolve(feed.path)) in message
        assert str(feed.url) in message
    assert "hub fetch --region hauts-de-france" in message


def _write_region(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(body, encoding="utf-8")
    return path


MINIMAL = """
title = "T"
[[feeds]]
id = "a"
authority = "A"
path = "a.zip"
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (MINIMAL + "colour = 'red'\n", "colour"),
        (MINIMAL.replace('id = "a"', 'id = "a:b"'), "feeds.0.id"),
        (MINIMAL + '[[feeds]]\nid = "a"\nauthority = "B"\npath = "b.zip"\n', "repeated: a"),
        (MINIMAL.replace('path = "a.zip"', 'path = "a.zip"\ntimezone = "Mars/Olympus"'), "Mars"),
        (MINIMAL + "[defaults]\ndemo_now = 2019-05-14T14:00:00\n", "defaults.demo_now"),
        (MINIMAL + "[[feeds.realtime]]\nkind = 'alerts'\n", "url or a file"),
        ('title = "T"\nfeeds = []\n', "feeds"),
        ("title = \n", "cannot read"),
    ],
)
def test_invalid_region_files_are_explained(tmp_path: Path, body: str, expected: str) -> None:
    _write_region(tmp_path, "bad", body)
    with pytest.raises(RegionError) as err:
        load_region("bad", tmp_path, tmp_path)
    assert expected in str(err.value)


def test_unknown_region_lists_the_known_ones(tmp_path: Path) -> None:
    _write_region(tmp_path, "one", MINIMAL)
    with pytest.raises(RegionError, match=r"no region 'two'.*known: one"):
        load_region("two", tmp_path, tmp_path)


def test_region_given_by_path(tmp_path: Path) -> None:
    path = _write_region(tmp_path / "elsewhere", "adhoc", MINIMAL)
    region = load_region(str(path), REGIONS_DIR, tmp_path)
    assert region.name == "adhoc"
    assert region.sources()[0].path == (tmp_path / "a.zip").resolve()
