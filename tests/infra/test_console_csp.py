"""The console's Content-Security-Policy as deployed: its pages may connect to their own
origin, this stack's regional Cognito endpoint and this stack's media bucket, nothing else
(no `*.amazonaws.com`, no 127.0.0.1). The pages are written at deploy time (Source.data:
the bucket's name is a deploy-time value, a marker in the asset)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rtcc.web_security import CONNECT_PLACEHOLDER, IMAGE_PLACEHOLDER

from infra.constructs.console import WEB_PUBLIC

#: Public pages written at deploy time only for their map's tile server: they call our API only.
MAP_PAGES = (
    "signup.html",
    "alerts-manage.html",
    "cameras.html",
    "camera-owner.html",
)


def _deployment(synth) -> dict:
    _, deployment = synth.one("Custom::CDKBucketDeployment")
    return deployment["Properties"]


def _asset(synth, key: str) -> Path:
    return synth.outdir / f"asset.{key.removesuffix('.zip')}"


def _pages(synth) -> dict[str, str]:
    """The pages written at deploy time, by file name, the media bucket's name as MEDIA-BUCKET."""
    props = _deployment(synth)
    names = {
        synth.logical_id(synth.stack.data.buckets["media"]): "MEDIA-BUCKET",
        synth.logical_id(synth.stack.data.buckets["lpr-hotlists"]): "HOTLIST-BUCKET",
        synth.logical_id(synth.stack.data.buckets["camera-evidence"]): "EVIDENCE-BUCKET",
    }
    pages = {}
    for key, markers in zip(props["SourceObjectKeys"], props["SourceMarkers"], strict=True):
        files = [f for f in _asset(synth, key).rglob("*") if f.is_file()]
        if len(files) != 1 or files[0].suffix != ".html":
            continue
        html = files[0].read_text()
        for marker, value in markers.items():
            assert value.get("Ref") in names, value  # the only deploy-time values written in
            html = html.replace(marker, names[value["Ref"]])
        pages[files[0].name] = html
    assert {"index.html", "tip.html", "tip-follow-up.html"} <= set(pages)
    return pages


def _directive(html: str, name: str) -> list[str]:
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', html)
    (values,) = re.findall(rf"(?:^|; ){name} ([^;]+)", csp)
    return values.split()


def test_deployed_pages_connect_only_to_this_stacks_cognito_and_upload_buckets(synth) -> None:
    region = synth.config.region
    for name, html in _pages(synth).items():
        (csp,) = re.findall(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', html)
        (connect,) = re.findall(r"connect-src ([^;]+)", csp)
        expected = [
            "'self'",
            f"https://cognito-idp.{region}.amazonaws.com",
            f"https://MEDIA-BUCKET.s3.{region}.amazonaws.com",
        ]
        if name in MAP_PAGES:  # written for their map; they call our API only
            expected = ["'self'"]
        if name == "index.html":  # the console also posts hotlist files to their bucket's form
            expected.append(f"https://HOTLIST-BUCKET.s3.{region}.amazonaws.com")
            # ...and plays live video (hls.js fetches KVS's playlists): rtcc.web_security says
            # why this one wildcard, KVS's own domain in this region, is the narrowest there is.
            expected.append(f"https://*.kinesisvideo.{region}.amazonaws.com")
            csp = csp.replace(f"https://*.kinesisvideo.{region}.amazonaws.com", "KVS")
        if name == "footage-request.html":  # camera owners PUT clips' parts to the evidence bucket
            expected.append(f"https://EVIDENCE-BUCKET.s3.{region}.amazonaws.com")
        assert connect.split() == expected, name
        assert "*" not in csp and "127.0.0.1" not in csp and "localhost" not in csp, name


def test_only_the_console_plays_live_video_from_kvs_in_its_region(synth) -> None:
    kvs = f"https://*.kinesisvideo.{synth.config.region}.amazonaws.com"
    for name, html in _pages(synth).items():
        assert "rtcc-video-src" not in html, name
        if name == "index.html":
            assert _directive(html, "media-src") == ["'self'", "blob:", kvs]
            assert kvs in _directive(html, "connect-src")
        else:
            assert "kinesisvideo" not in html, name


def test_no_page_is_uploaded_with_the_placeholder(synth) -> None:
    """The web/public files go up as they are, but not the pages written above."""
    (main,) = [k for k in _deployment(synth)["SourceObjectKeys"] if (_asset(synth, k) / "vendor").is_dir()]
    leftover = [
        f.relative_to(_asset(synth, main)).as_posix()
        for f in _asset(synth, main).rglob("*.html")
        if CONNECT_PLACEHOLDER in f.read_text(errors="replace")
    ]
    assert leftover == []
    assert any(CONNECT_PLACEHOLDER in f.read_text() for f in WEB_PUBLIC.glob("*.html"))


def test_tip_page_loads_images_only_from_the_configured_tile_server(synth) -> None:
    """The test config sets map_tiles: the /tip page may load pictures from that host and
    no other; the pages without a map name no tile host at all."""
    assert synth.config.map_tiles == "https://tiles.testville.example/osm/{z}/{x}/{y}.png"
    pages = _pages(synth)
    # The pages with a map (the console's operations map, #/map, among them).
    for name in ("tip.html", "index.html", *MAP_PAGES):
        assert _directive(pages[name], "img-src") == [
            "'self'",
            "data:",
            "blob:",
            "https://tiles.testville.example",
        ], name
    for name in ("tip-follow-up.html",):
        assert "tiles.testville.example" not in pages[name], name
    assert all(IMAGE_PLACEHOLDER not in html for html in pages.values())


def test_without_a_tile_server_no_page_loads_images_from_another_host(sandbox_synth) -> None:
    assert sandbox_synth.config.map_tiles is None
    for name, html in _pages(sandbox_synth).items():
        assert _directive(html, "img-src") == ["'self'", "data:", "blob:"], name
        assert IMAGE_PLACEHOLDER not in html and "openstreetmap" not in html, name


def test_the_tile_server_reaches_config_json_only_when_configured(synth, sandbox_synth) -> None:
    """RTCC_MAP_TILES (served as mapTiles) is set on the API's functions from map_tiles."""
    for fn in synth.stack.api.functions.values():
        env = synth.template["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]
        assert env["RTCC_MAP_TILES"] == synth.config.map_tiles
        assert env["RTCC_MAP_TILES_ATTRIBUTION"] == synth.config.map_tiles_attribution
    for fn in sandbox_synth.stack.api.functions.values():
        env = sandbox_synth.template["Resources"][sandbox_synth.logical_id(fn)]["Properties"]["Environment"]
        assert not {"RTCC_MAP_TILES", "RTCC_MAP_TILES_ATTRIBUTION"} & set(env["Variables"])


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('map_tiles = "http://tiles.city.example/{z}/{x}/{y}.png"', "map_tiles: String should match pattern"),
        ('map_tiles = "https://tiles.city.example/{z}/{x}.png"', "map_tiles: the URL template needs"),
        ('map_tiles = "https://tiles.city.example/{z}/{x}/{y}.png; img-src *"', "map_tiles: String should"),
        ('map_tiles_attribution = "City GIS"', "map_tiles_attribution: set only with map_tiles"),
    ],
)
def test_a_bad_tile_setting_stops_synth_naming_it(tmp_path, line: str, problem: str) -> None:
    from infra.config import DEFAULT_CONFIG, ConfigError, load_config

    path = tmp_path / "city.toml"
    path.write_text(f"{line}\n{DEFAULT_CONFIG.read_text()}")
    with pytest.raises(ConfigError, match=re.escape(f"config error: {problem}")):
        load_config(path)
