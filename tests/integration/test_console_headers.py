"""What the local gateway serves a browser carries the headers API Gateway adds when
deployed, and a page's connect-src names the local emulator's origin and nothing more."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/", "/tip", "/tip/follow-up"])
def test_pages_connect_only_to_the_local_emulator(local_stack, path: str) -> None:
    r = requests.get(local_stack.base_url + path, timeout=30)
    assert r.status_code == 200
    (csp,) = re.findall(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', r.text)
    (connect,) = re.findall(r"connect-src ([^;]+)", csp)
    if path == "/":  # the console also plays live video from the KVS stand-in (rtcc.web_security)
        (media,) = re.findall(r"media-src ([^;]+)", csp)
        video = local_stack.kvs_media.url.rstrip("/")
        assert connect.split() == ["'self'", local_stack.aws_endpoint_url, video]
        assert media.split() == ["'self'", "blob:", video]
    else:
        assert connect.split() == ["'self'", local_stack.aws_endpoint_url]
    assert "*" not in csp and "rtcc-video-src" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def test_the_api_docs_carry_the_same_headers(local_stack) -> None:
    r = requests.get(local_stack.base_url + "/api/docs", timeout=30)
    assert r.status_code == 200 and "swagger" in r.text.lower()
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp and "*" not in csp
