"""The security headers of everything rtcc serves to a browser, in one place.

The console's pages carry their Content-Security-Policy in a <meta> tag whose
`connect-src` names a placeholder (`CONNECT_PLACEHOLDER`): the few origins a page may
talk to besides its own differ by environment, and are written in when the page is
served. Deployed (infra/constructs/console.py, at deploy time): the region's Cognito
endpoint and the media bucket's regional endpoint (presigned previews and upload forms,
see rtcc.aws_clients), nothing else. Locally (`rtcc dev`): the emulator's origin.
No wildcard either way: `https://*.amazonaws.com` would let an injected script post
to any bucket in any account.

The /tip page's `img-src` names `IMAGE_PLACEHOLDER` the same way: it becomes the origin of
the configured map tile server (`RTCC_MAP_TILES`, the deploy config's `map_tiles`), or
nothing when none is set. A tile server sees the tipster's internet address and the area
they look at, so the page may load pictures from exactly the server the city chose.

The console (index.html) names `VIDEO_PLACEHOLDER` in `media-src` and `connect-src`: the
origin live video plays from (rtcc.video: HLS playlists and fragments, fetched by hls.js
or played natively by Safari). Deployed, that is Kinesis Video Streams' data endpoints in
the stack's region, `https://*.kinesisvideo.<region>.amazonaws.com`: each stream's endpoint
host is KVS's to choose (GetDataEndpoint answers it per stream, at run time), so no
narrower name exists at deploy time; the wildcard stays under KVS's own domain in one
region, and only the console page gets it. Locally: the KVS stand-in's origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

#: Written in web/public pages' CSP where the environment's origins go.
CONNECT_PLACEHOLDER = "rtcc-connect-src"
#: Written in the /tip page's CSP where the map tile server's origin goes (if any).
IMAGE_PLACEHOLDER = "rtcc-img-src"
#: Written in the console's CSP (media-src, connect-src) where live video's origin goes.
VIDEO_PLACEHOLDER = "rtcc-video-src"

#: What API Gateway adds to every console file and the API adds to /api/docs.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def deployed_connect_sources(region: str, media_bucket: str) -> list[str]:
    """Cognito's regional endpoint (sign-in, refresh) and the media bucket's regional
    virtual-hosted endpoint, the one boto3 presigns for (rtcc.aws_clients._s3_config)."""
    return [f"https://cognito-idp.{region}.amazonaws.com", bucket_endpoint(region, media_bucket)]


def bucket_endpoint(region: str, bucket: str) -> str:
    """A bucket's regional virtual-hosted endpoint, the one boto3 presigns for."""
    return f"https://{bucket}.s3.{region}.amazonaws.com"


def local_connect_sources(aws_endpoint_url: str | None) -> list[str]:
    """The local emulator's origin: Cognito and presigned S3 URLs both point there."""
    if not aws_endpoint_url:
        return []
    parts = urlsplit(aws_endpoint_url)
    return [f"{parts.scheme}://{parts.netloc}"]


def with_connect_sources(page: str, sources: list[str]) -> str:
    """`page` with the placeholder replaced by `sources` (may hold deploy-time tokens)."""
    return page.replace(CONNECT_PLACEHOLDER, " ".join(sources) or "'self'")


def tile_image_sources(map_tiles: str | None) -> list[str]:
    """The origin of a tile URL template (`https://tiles.city.example/{z}/{x}/{y}.png`
    -> `https://tiles.city.example`); none without a template."""
    if not map_tiles:
        return []
    parts = urlsplit(map_tiles)
    return [f"{parts.scheme}://{parts.netloc}"]


def with_image_sources(page: str, sources: list[str]) -> str:
    """`page` with the image placeholder replaced by `sources`, or dropped when there are
    none (the directive keeps its other values: `img-src 'self' data: blob:`)."""
    return page.replace(f" {IMAGE_PLACEHOLDER}", "".join(f" {s}" for s in sources))


def deployed_video_sources(region: str) -> list[str]:
    """Kinesis Video Streams' data endpoints of the region (HLS sessions: rtcc.video)."""
    return [f"https://*.kinesisvideo.{region}.amazonaws.com"]


def local_video_sources(media_url: str | None) -> list[str]:
    """The local KVS stand-in's origin (rtcc.local.kvs_media), if it runs."""
    if not media_url:
        return []
    parts = urlsplit(media_url)
    return [f"{parts.scheme}://{parts.netloc}"]


def with_video_sources(page: str, sources: list[str]) -> str:
    """`page` with the video placeholder replaced by `sources` wherever it stands, or dropped
    (the directives keep their other values)."""
    return page.replace(f" {VIDEO_PLACEHOLDER}", "".join(f" {s}" for s in sources))


def docs_headers(html: str) -> dict[str, str]:
    """Headers of the Swagger UI page (/api/docs): the console's, and a CSP that allows
    our origin plus exactly the page's own inline scripts (by hash; Powertools writes the
    UI's start-up script, holding the spec URL, inline)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    csp = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    return {**SECURITY_HEADERS, "Content-Security-Policy": csp}
