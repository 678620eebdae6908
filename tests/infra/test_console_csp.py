"""The console's Content-Security-Policy as deployed: its pages may connect to their own
origin, this stack's regional Cognito endpoint and this stack's media bucket, nothing else
(no `*.amazonaws.com`, no 127.0.0.1). The pages are written at deploy time (Source.data:
the bucket's name is a deploy-time value, a marker in the asset)."""

from __future__ import annotations

import re
from pathlib import Path

from rtcc.web_security import CONNECT_PLACEHOLDER

from infra.constructs.console import WEB_PUBLIC


def _deployment(synth) -> dict:
    _, deployment = synth.one("Custom::CDKBucketDeployment")
    return deployment["Properties"]


def _asset(synth, key: str) -> Path:
    return synth.outdir / f"asset.{key.removesuffix('.zip')}"


def test_deployed_pages_connect_only_to_this_stacks_cognito_and_media_bucket(synth) -> None:
    props = _deployment(synth)
    region = synth.config.region
    bucket = synth.logical_id(synth.stack.data.buckets["media"])
    pages = {}
    for key, markers in zip(props["SourceObjectKeys"], props["SourceMarkers"], strict=True):
        files = [f for f in _asset(synth, key).rglob("*") if f.is_file()]
        if len(files) != 1 or files[0].suffix != ".html":
            continue
        html = files[0].read_text()
        for marker, value in markers.items():
            assert value == {"Ref": bucket}, value  # the only deploy-time value written in
            html = html.replace(marker, "MEDIA-BUCKET")
        pages[files[0].name] = html
    assert {"index.html", "tip.html", "tip-follow-up.html"} <= set(pages)
    for name, html in pages.items():
        (csp,) = re.findall(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', html)
        (connect,) = re.findall(r"connect-src ([^;]+)", csp)
        assert connect.split() == [
            "'self'",
            f"https://cognito-idp.{region}.amazonaws.com",
            f"https://MEDIA-BUCKET.s3.{region}.amazonaws.com",
        ], name
        assert "*" not in csp and "127.0.0.1" not in csp and "localhost" not in csp, name


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
