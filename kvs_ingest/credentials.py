"""AWS credentials for PutMedia: the IoT credentials provider, a profile, the environment, static.

On a camera owner's box the agent holds no AWS keys: it holds an X.509 certificate that
AWS IoT knows, and trades it over mutual TLS for temporary credentials of the camera agent
role (GET https://<credentials endpoint>/role-aliases/<alias>/credentials with the thing
name header; the role's policy limits it to the stream named like the thing). The keys are
cached and fetched again five minutes before they expire.

Errors come in two kinds. `CredentialsRefused`: the endpoint or AWS said no (certificate
unknown or revoked, wrong role alias, thing not attached): retrying in a loop cannot help,
the agent logs the reason once and waits long. `CredentialsUnavailable`: the network or the
endpoint failed; the agent backs off and retries. Neither message holds a key or a token.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

#: Refresh this long before the provider's expiry: a PutMedia connection signed with keys
#: about to expire would be refused mid-stream.
REFRESH_MARGIN_S = 300


class CredentialsError(Exception):
    pass


class CredentialsRefused(CredentialsError):
    """Not transient: the certificate, role alias, thing or keys are wrong."""


class CredentialsUnavailable(CredentialsError):
    """Transient: the endpoint could not be reached or answered 5xx."""


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None
    expires_at: float | None = None  # epoch seconds

    def __repr__(self) -> str:  # never print a key
        return f"Credentials(access_key={self.access_key[:4]}…, expires_at={self.expires_at})"


class CredentialsProvider(Protocol):
    def get(self) -> Credentials: ...

    def invalidate(self) -> None: ...


class _Cached:
    """Caches what `_fetch` returns until REFRESH_MARGIN_S before it expires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: Credentials | None = None

    def _fetch(self) -> Credentials:
        raise NotImplementedError

    def get(self) -> Credentials:
        with self._lock:
            cached = self._cached
            if cached is None or (cached.expires_at and cached.expires_at - time.time() < REFRESH_MARGIN_S):
                self._cached = cached = self._fetch()
            return cached

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None


class StaticProvider(_Cached):
    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        super().__init__()
        self._credentials = Credentials(access_key, secret_key, token)

    def _fetch(self) -> Credentials:
        return self._credentials


class BotoProvider(_Cached):
    """A named profile, or boto3's default chain (environment variables first) when name is None."""

    def __init__(self, profile: str | None = None) -> None:
        super().__init__()
        self.profile = profile

    def _fetch(self) -> Credentials:
        import boto3
        import botocore.exceptions

        try:
            found = boto3.Session(profile_name=self.profile).get_credentials()
        except botocore.exceptions.ProfileNotFound:
            raise CredentialsRefused(f"AWS profile {self.profile!r} not found") from None
        if found is None:
            where = (
                f"profile {self.profile!r}" if self.profile else "the environment (AWS_ACCESS_KEY_ID, ...)"
            )
            raise CredentialsRefused(f"no AWS credentials in {where}")
        frozen = found.get_frozen_credentials()
        expiry = getattr(found, "_expiry_time", None)
        return Credentials(
            frozen.access_key, frozen.secret_key, frozen.token, expiry.timestamp() if expiry else None
        )


class IotProvider(_Cached):
    def __init__(
        self,
        endpoint: str,
        role_alias: str,
        thing_name: str,
        cert: Path,
        key: Path,
        ca: Path,
        timeout: float = 10,
    ) -> None:
        super().__init__()
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if parts.scheme != "https" or not parts.hostname:
            raise CredentialsRefused(f"credentials.endpoint {endpoint!r} is not an https host")
        self.host, self.port = parts.hostname, parts.port or 443
        self.role_alias, self.thing_name = role_alias, thing_name
        self.cert, self.key, self.ca, self.timeout = Path(cert), Path(key), Path(ca), timeout

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca))
        try:
            context.load_cert_chain(str(self.cert), str(self.key))
        except (OSError, ssl.SSLError) as exc:
            raise CredentialsRefused(f"cannot load credentials.cert / credentials.key: {exc}") from None
        return context

    def _fetch(self) -> Credentials:
        path = f"/role-aliases/{quote(self.role_alias, safe='')}/credentials"
        connection = http.client.HTTPSConnection(
            self.host, self.port, context=self._context(), timeout=self.timeout
        )
        try:
            connection.request("GET", path, headers={"x-amzn-iot-thingname": self.thing_name})
            response = connection.getresponse()
            status, body = response.status, response.read(64 * 1024)
        except ssl.SSLCertVerificationError as exc:
            raise CredentialsRefused(
                f"the credentials endpoint's certificate is not trusted by credentials.ca: {exc.reason}"
            ) from None
        except ssl.SSLError as exc:
            raise CredentialsRefused(
                f"TLS handshake refused (is the certificate registered and active?): {exc.reason}"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            # A server dropping the connection during the handshake is how a TLS 1.3 server
            # refuses a client certificate too: say both.
            raise CredentialsUnavailable(
                f"credentials endpoint {self.host}:{self.port} unreachable or refused the certificate: {exc}"
            ) from None
        finally:
            connection.close()
        return self._parse(status, body)

    def _parse(self, status: int, body: bytes) -> Credentials:
        if status in (400, 401, 403, 404):
            message = _message(body)
            raise CredentialsRefused(
                f"IoT credentials provider refused (HTTP {status}{': ' + message if message else ''}); "
                f"check credentials.role_alias, credentials.thing_name and that the certificate is attached"
            )
        if status != 200:
            raise CredentialsUnavailable(f"IoT credentials provider answered HTTP {status}")
        try:
            creds = json.loads(body)["credentials"]
            expires = datetime.fromisoformat(creds["expiration"].replace("Z", "+00:00")).timestamp()
            return Credentials(creds["accessKeyId"], creds["secretAccessKey"], creds["sessionToken"], expires)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CredentialsUnavailable(
                "IoT credentials provider answered something that is not credentials"
            ) from None


def _message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("message", ""))[:200]
    except (ValueError, AttributeError):
        return ""


def make_provider(section) -> CredentialsProvider:
    """From a config.CredentialsSection."""
    if section.mode == "iot":
        return IotProvider(
            section.endpoint, section.role_alias, section.thing_name, section.cert, section.key, section.ca
        )
    if section.mode == "profile":
        return BotoProvider(section.profile)
    if section.mode == "env":
        return BotoProvider(None)
    return StaticProvider(section.access_key.get_secret_value(), section.secret_key.get_secret_value())
