"""MMS downloads follow Twilio's redirect to its media CDN (s3-external-1.amazonaws.com when
the account does not enforce HTTP auth on media, mms.twiliocdn.com when it does), never send
Twilio credentials anywhere but Twilio's API, and refuse every other redirect."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rtcc.settings import reload_settings
from rtcc.tips.adapters.twilio_media import TwilioMediaSource
from rtcc.tips.ports import MediaRefused

ACCOUNT = "AC" + "1" * 32
MEDIA_PATH = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'2' * 32}/Media/ME{'3' * 32}"
CDN_PATH = f"/media.twiliocdn.com/{ACCOUNT}/{'4' * 40}"
JPEG = b"\xff\xd8\xff\xe0 a photo"


class FakeTwilio(BaseHTTPRequestHandler):
    """Twilio's API on 127.0.0.1 and, as "localhost", its S3 media bucket."""

    redirect_to = ""  # set per test
    seen: list[tuple[str, str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        host = self.headers["Host"].split(":")[0]
        self.seen.append((host, self.path, self.headers.get("Authorization")))
        if self.path.startswith("/2010-04-01/"):
            self.send_response(307)
            self.send_header("Location", self.redirect_to.replace("PORT", str(self.server.server_port)))
            self.end_headers()
        elif self.path.startswith(CDN_PATH) or self.path.startswith("/other-bucket/"):
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(JPEG)))
            self.end_headers()
            self.wfile.write(JPEG)
        else:
            self.send_response(404)
            self.end_headers()

    def do_DELETE(self) -> None:  # noqa: N802
        self.seen.append((self.headers["Host"].split(":")[0], self.path, self.headers.get("Authorization")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeTwilio.seen = []
    monkeypatch.setenv("RTCC_ENVIRONMENT", "test")  # plain http to the stand-ins
    # 127.0.0.1 plays Twilio's API as the local stack's gateway does (/dev/twilio-media): the
    # one host, off AWS, that gets Twilio's credentials.
    monkeypatch.setenv("RTCC_PUBLIC_BASE_URL", "http://127.0.0.1")
    monkeypatch.setenv("RTCC_TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("RTCC_TWILIO_AUTH_TOKEN", "unit-token")
    monkeypatch.delenv("RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN", raising=False)
    monkeypatch.setenv("RTCC_TWILIO_API_KEY", "SK" + "0" * 32 + ":unit-key-secret")
    monkeypatch.delenv("RTCC_TWILIO_API_KEY_SECRET_ARN", raising=False)
    monkeypatch.setenv("RTCC_TIPS_MEDIA_ALLOWED_HOSTS", json.dumps(["127.0.0.1"]))
    # "localhost" plays s3-external-1.amazonaws.com: allowed only inside Twilio's bucket.
    monkeypatch.setenv("RTCC_TIPS_MEDIA_REDIRECT_HOSTS", json.dumps(["localhost/media.twiliocdn.com/"]))
    reload_settings()
    yield server
    server.shutdown()
    server.server_close()
    monkeypatch.undo()
    reload_settings()


def test_a_redirect_to_twilios_cdn_is_followed_without_credentials(twilio) -> None:
    FakeTwilio.redirect_to = f"http://localhost:PORT{CDN_PATH}?Signature=abc&Expires=1"
    port = twilio.server_port
    media = TwilioMediaSource().fetch(f"http://127.0.0.1:{port}{MEDIA_PATH}", 1024)
    assert media.data == JPEG and media.content_type == "image/jpeg"
    (api_host, _, api_auth), (cdn_host, cdn_path, cdn_auth) = FakeTwilio.seen
    assert api_host == "127.0.0.1" and api_auth and api_auth.startswith("Basic ")
    assert cdn_host == "localhost" and cdn_path.startswith(CDN_PATH) and cdn_auth is None


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:PORT/other-bucket/x.jpg",  # the CDN host, outside Twilio's bucket
        "http://localhost:PORT/media.twiliocdn.com/../other-bucket/x.jpg",
        "http://localhost:PORT/media.twiliocdn.com/%2e%2e/other-bucket/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://user:pw@localhost:PORT/media.twiliocdn.com/x",
    ],
)
def test_other_redirects_are_refused(twilio, target: str) -> None:
    FakeTwilio.redirect_to = target
    with pytest.raises(MediaRefused):
        TwilioMediaSource().fetch(f"http://127.0.0.1:{twilio.server_port}{MEDIA_PATH}", 1024)
    assert [host for host, _, _ in FakeTwilio.seen] == ["127.0.0.1"]


def test_redirects_are_followed_a_few_times_only(twilio) -> None:
    FakeTwilio.redirect_to = f"http://127.0.0.1:PORT{MEDIA_PATH}"  # Twilio's API, again and again
    with pytest.raises(MediaRefused, match="too many redirects"):
        TwilioMediaSource().fetch(f"http://127.0.0.1:{twilio.server_port}{MEDIA_PATH}", 1024)
    assert len(FakeTwilio.seen) == 4


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The deployed defaults: only the allow-lists' own values, HTTPS only."""
    for name in ("RTCC_TIPS_MEDIA_ALLOWED_HOSTS", "RTCC_TIPS_MEDIA_REDIRECT_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RTCC_ENVIRONMENT", "deployed")
    monkeypatch.setenv("RTCC_PUBLIC_BASE_URL", "https://tips.city.example")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


@pytest.mark.parametrize(
    "url",
    [
        f"https://s3-external-1.amazonaws.com{CDN_PATH}?X-Amz-Signature=abc",  # HTTP auth off
        f"https://mms.twiliocdn.com/{ACCOUNT}/{'5' * 32}",  # HTTP auth enforced
        f"https://media.twiliocdn.com/{ACCOUNT}/{'5' * 32}",
        f"https://api.twilio.com{MEDIA_PATH}",
    ],
)
def test_twilios_media_locations_are_allowed_after_a_redirect(deployed, url: str) -> None:
    TwilioMediaSource()._check(url, redirected=True)


@pytest.mark.parametrize(
    ("url", "redirected"),
    [
        (f"https://s3-external-1.amazonaws.com{CDN_PATH}", False),  # never as the webhook's URL
        ("https://s3-external-1.amazonaws.com/attacker-bucket/x.jpg", True),
        (f"http://s3-external-1.amazonaws.com{CDN_PATH}", True),
        (f"https://s3-external-1.amazonaws.com:8443{CDN_PATH}", True),
        ("https://tips.city.example/dev/twilio-media/ME1", False),  # the local stand-in only locally
        ("https://twiliocdn.com.evil.example/x", True),
    ],
)
def test_everything_else_is_refused_when_deployed(deployed, url: str, redirected: bool) -> None:
    with pytest.raises(MediaRefused):
        TwilioMediaSource()._check(url, redirected=redirected)


def test_twilio_credentials_never_go_to_a_cdn_host_even_first(twilio, monkeypatch) -> None:
    """A host on the first-hop allow-list (as media.twiliocdn.com and mms.twiliocdn.com are by
    default) is still not Twilio's API: it gets no credentials, to read or to delete."""
    port = twilio.server_port
    # "localhost" plays mms.twiliocdn.com: allowed as a webhook's media URL.
    monkeypatch.setenv("RTCC_TIPS_MEDIA_ALLOWED_HOSTS", json.dumps(["127.0.0.1", "localhost"]))
    reload_settings()
    media = TwilioMediaSource().fetch(f"http://localhost:{port}{CDN_PATH}", 1024)
    assert media.data == JPEG
    assert FakeTwilio.seen == [("localhost", CDN_PATH, None)]
    with pytest.raises(MediaRefused, match="only be deleted through Twilio's API"):
        TwilioMediaSource().delete(f"http://localhost:{port}{CDN_PATH}")
    assert len(FakeTwilio.seen) == 1  # nothing sent
    # Twilio's API (here: its local stand-in) gets them, to delete too.
    TwilioMediaSource().delete(f"http://127.0.0.1:{port}{MEDIA_PATH}")
    host, path, auth = FakeTwilio.seen[-1]
    assert (host, path) == ("127.0.0.1", MEDIA_PATH) and auth and auth.startswith("Basic ")


@pytest.mark.parametrize(
    ("url", "sends"),
    [
        (f"https://api.twilio.com{MEDIA_PATH}", True),
        (f"https://API.Twilio.com{MEDIA_PATH}", True),
        (f"http://api.twilio.com{MEDIA_PATH}", False),  # never in clear text
        (f"https://mms.twiliocdn.com/{ACCOUNT}/{'5' * 32}", False),
        (f"https://media.twiliocdn.com/{ACCOUNT}/{'5' * 32}", False),
        (f"https://s3-external-1.amazonaws.com{CDN_PATH}", False),
        ("https://tips.city.example/dev/twilio-media/ME1", False),  # the local stand-in only locally
        ("https://api.twilio.com.evil.example/x", False),
    ],
)
def test_deployed_only_twilios_api_gets_credentials(deployed, url: str, sends: bool) -> None:
    assert TwilioMediaSource()._sends_credentials(url) is sends
