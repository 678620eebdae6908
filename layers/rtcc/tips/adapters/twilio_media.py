"""Downloading (and then deleting) MMS media at Twilio, with an SSRF guard.

The URL comes from a signed webhook, but the guard does not rely on that: the URL must
name a host in `tips_media_allowed_hosts` (Twilio's API), and a redirect is followed only
to those hosts or to one of Twilio's media CDN locations in `tips_media_redirect_hosts`,
at most `_MAX_REDIRECTS` times, over HTTPS on the default port. Twilio's API answers a
media GET with a redirect to a short-lived copy: on mms.twiliocdn.com when the account
enforces HTTP auth on media URLs, else a signed URL on s3-external-1.amazonaws.com in
Twilio's `media.twiliocdn.com` bucket (which is why that host is allowed only under that
path). Twilio credentials (an API key's SID and secret, rtcc.sms.twilio_key: never the
auth token, which only the webhook holds) go only to Twilio's REST API, api.twilio.com
over HTTPS, whichever hosts the allow-lists name: never to a CDN, not even as the first
hop, and not to delete.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from rtcc.settings import get_settings
from rtcc.sms.twilio_key import twilio_api_key
from rtcc.tips.ports import FetchedMedia, MediaRefused, MediaTooLarge
from rtcc.tips.settings import tips_settings

_MAX_REDIRECTS = 3
_TIMEOUT_S = 20

#: The one host Twilio's credentials are sent to: its REST API, where MediaUrl points.
TWILIO_API_HOST = "api.twilio.com"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None  # surface 3xx to the caller, who checks the next host first


_OPENER = urllib.request.build_opener(_NoRedirect)


def _matches(rule: str, host: str, path: str) -> bool:
    """`rule` is a host ("mms.twiliocdn.com") or a host and a path prefix
    ("s3-external-1.amazonaws.com/media.twiliocdn.com/")."""
    rule_host, slash, prefix = rule.lower().partition("/")
    return host == rule_host and (not slash or path.startswith("/" + prefix))


class TwilioMediaSource:
    def _check(self, url: str, redirected: bool = False) -> None:
        settings = get_settings()
        deployed = settings.environment == "deployed"
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        allowed = [h.lower() for h in tips_settings().media_allowed_hosts]
        if not deployed:
            # The local stack serves media itself (/dev/twilio-media on its gateway).
            allowed.append((urlsplit(settings.public_base_url).hostname or "").lower())
        if redirected:
            allowed += tips_settings().media_redirect_hosts
        if not any(_matches(rule, host, parts.path) for rule in allowed):
            raise MediaRefused(f"media host not allowed: {host or 'none'}")
        if parts.scheme != "https" and not (parts.scheme == "http" and not deployed):
            raise MediaRefused(f"media URL scheme not allowed: {parts.scheme or 'none'}")
        if not _plain(parts, deployed):
            raise MediaRefused("media URL not allowed: credentials, port or dot segments in it")

    def _sends_credentials(self, url: str) -> bool:
        """Whether `url` may receive Twilio's credentials: Twilio's REST API over HTTPS, or,
        off AWS, the local stack's own stand-in for it (/dev/twilio-media checks them)."""
        settings = get_settings()
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host == TWILIO_API_HOST:
            return parts.scheme == "https"
        local = (urlsplit(settings.public_base_url).hostname or "").lower()
        return settings.environment != "deployed" and bool(local) and host == local

    def _auth(self) -> str:
        return twilio_api_key().basic_auth()

    def _request(self, method: str, url: str, with_auth: bool) -> urllib.request.Request:
        req = urllib.request.Request(url, method=method)
        if with_auth:
            req.add_header("Authorization", self._auth())
        return req

    def fetch(self, location: str, max_bytes: int) -> FetchedMedia:
        url = location
        for hop in range(_MAX_REDIRECTS + 1):
            self._check(url, redirected=hop > 0)
            req = self._request("GET", url, self._sends_credentials(url))
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
        if not self._sends_credentials(location):
            # Only the API can delete Twilio's copy, and only with credentials; anything
            # else is a misconfiguration to surface (the job fails, then the DLQ alarms).
            host = urlsplit(location).hostname or "none"
            raise MediaRefused(f"media can only be deleted through Twilio's API, not at {host}")
        try:
            with _OPENER.open(self._request("DELETE", location, True), timeout=_TIMEOUT_S):
                pass
        except urllib.error.HTTPError as exc:
            if exc.code not in (404, 410):  # already gone is what we wanted
                raise


def _plain(parts: SplitResult, deployed: bool) -> bool:
    """No user:password@ (it would be sent), no other port than HTTPS's in AWS, and no
    `.`/`..` segment that could step out of an allowed path prefix."""
    if parts.username is not None or parts.password is not None:
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    if deployed and port not in (None, 443):
        return False
    return not any(unquote(segment) in (".", "..") for segment in parts.path.split("/"))
