"""Downloading (and then deleting) MMS media at Twilio, with an SSRF guard.

The URL comes from a signed webhook, but the guard does not rely on that: only hosts
named in `tips_media_allowed_hosts` are contacted, at every redirect hop, and Twilio
credentials go only to the host the URL first named.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

from rtcc.secrets import secret_value
from rtcc.settings import get_settings
from rtcc.tips.ports import FetchedMedia, MediaRefused, MediaTooLarge

_MAX_REDIRECTS = 3
_TIMEOUT_S = 20


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None  # surface 3xx to the caller, who checks the next host first


_OPENER = urllib.request.build_opener(_NoRedirect)


class TwilioMediaSource:
    def _check(self, url: str) -> None:
        settings = get_settings()
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        allowed = {h.lower() for h in settings.tips_media_allowed_hosts}
        if settings.environment != "deployed":
            # The local stack serves media itself (/dev/twilio-media on its gateway).
            allowed.add((urlsplit(settings.public_base_url).hostname or "").lower())
        if host not in allowed:
            raise MediaRefused(f"media host not allowed: {host or 'none'}")
        if parts.scheme != "https" and not (parts.scheme == "http" and settings.environment != "deployed"):
            raise MediaRefused(f"media URL scheme not allowed: {parts.scheme or 'none'}")

    def _auth(self) -> str:
        settings = get_settings()
        pair = f"{settings.twilio_account_sid}:{secret_value('twilio_auth_token')}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def _request(self, method: str, url: str, with_auth: bool) -> urllib.request.Request:
        req = urllib.request.Request(url, method=method)
        if with_auth:
            req.add_header("Authorization", self._auth())
        return req

    def fetch(self, location: str, max_bytes: int) -> FetchedMedia:
        url = location
        first_host = urlsplit(location).hostname
        for _ in range(_MAX_REDIRECTS + 1):
            self._check(url)
            req = self._request("GET", url, urlsplit(url).hostname == first_host)
            try:
                with _OPENER.open(req, timeout=_TIMEOUT_S) as resp:
                    length = resp.headers.get("Content-Length")
                    if length and length.isdigit() and int(length) > max_bytes:
                        raise MediaTooLarge(int(length))
                    data = resp.read(max_bytes + 1)
                    if len(data) > max_bytes:
                        raise MediaTooLarge(None)
                    return FetchedMedia(data, resp.headers.get("Content-Type", ""))
            except urllib.error.HTTPError as exc:
                if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                    url = urljoin(url, exc.headers["Location"])
                    continue
                if exc.code in (404, 410):
                    raise MediaRefused(f"media is gone at the source (HTTP {exc.code})") from None
                raise  # 401/403/5xx: configuration or an outage; retried, then the DLQ
        raise MediaRefused("too many redirects")

    def delete(self, location: str) -> None:
        self._check(location)
        try:
            with _OPENER.open(self._request("DELETE", location, True), timeout=_TIMEOUT_S):
                pass
        except urllib.error.HTTPError as exc:
            if exc.code not in (404, 410):  # already gone is what we wanted
                raise
