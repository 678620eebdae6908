"""The IoT credentials provider against a local mutual-TLS server with a throwaway CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kvs_ingest.config import CredentialsSection
from kvs_ingest.credentials import CredentialsRefused, CredentialsUnavailable, IotProvider, make_provider

ALIAS, THING = "rtcc-camera-agent", "rtcc-cam-42"


def _cert(
    name: str, key, issuer_key=None, issuer_name: str | None = None, ca: bool = False, ip: bool = False
):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name or name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def _write(path, cert, key=None):
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_path = path.with_suffix(".key")
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return path, key_path
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, the endpoint's server certificate, a device certificate it signed and a stranger's."""
    d = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("rtcc test CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    device_key = ec.generate_private_key(ec.SECP256R1())
    other_key = ec.generate_private_key(ec.SECP256R1())
    return {
        "ca": _write(d / "ca.pem", ca),
        "server": _write(
            d / "server.pem", _cert("127.0.0.1", server_key, ca_key, "rtcc test CA", ip=True), server_key
        ),
        "device": _write(d / "device.pem", _cert(THING, device_key, ca_key, "rtcc test CA"), device_key),
        "stranger": _write(d / "stranger.pem", _cert(THING, other_key), other_key),
    }


@pytest.fixture(scope="module")
def endpoint(pki):
    """GET /role-aliases/<alias>/credentials answering only a device certificate the CA signed."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append({"path": self.path, "thing": self.headers.get("x-amzn-iot-thingname")})
            if (
                self.path != f"/role-aliases/{ALIAS}/credentials"
                or self.headers.get("x-amzn-iot-thingname") != THING
            ):
                body, status = json.dumps({"message": "Access Denied"}).encode(), 403
            else:
                expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                creds = {"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "s3cr3t", "sessionToken": "t0k3n"}
                body, status = json.dumps({"credentials": {**creds, "expiration": expires}}).encode(), 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, pki["server"]))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(str(pki["ca"]))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def _provider(pki, endpoint, cert="device", alias=ALIAS, thing=THING) -> IotProvider:
    cert_path, key_path = pki[cert]
    return IotProvider(endpoint[0], alias, thing, cert_path, key_path, pki["ca"], timeout=5)


def test_a_registered_certificate_gets_temporary_credentials_cached_until_near_expiry(pki, endpoint):
    provider = _provider(pki, endpoint)
    first = provider.get()
    assert (first.access_key, first.secret_key, first.token) == ("ASIAEXAMPLE", "s3cr3t", "t0k3n")
    assert 3000 < first.expires_at - time.time() <= 3600
    calls = len(endpoint[1])
    assert provider.get() is first and len(endpoint[1]) == calls  # cached
    provider.invalidate()
    provider.get()
    assert len(endpoint[1]) == calls + 1 and endpoint[1][-1]["thing"] == THING
    assert "s3cr3t" not in repr(first) and "t0k3n" not in repr(first)


def test_a_wrong_role_alias_or_thing_is_refused_with_the_fields_to_check(pki, endpoint):
    for provider in (_provider(pki, endpoint, alias="nope"), _provider(pki, endpoint, thing="rtcc-cam-9")):
        with pytest.raises(CredentialsRefused) as caught:
            provider.get()
        assert "HTTP 403" in str(caught.value) and "credentials.role_alias" in str(caught.value)


def test_a_certificate_the_endpoint_does_not_know_is_refused_not_retried_in_a_loop(pki, endpoint):
    with pytest.raises((CredentialsRefused, CredentialsUnavailable)) as caught:
        _provider(pki, endpoint, cert="stranger").get()
    assert "certificate" in str(caught.value)


def test_an_endpoint_not_signed_by_the_configured_ca_is_refused(pki, endpoint, tmp_path):
    other = ec.generate_private_key(ec.SECP256R1())
    wrong_ca = _write(tmp_path / "wrong-ca.pem", _cert("someone else", other, ca=True))
    cert_path, key_path = pki["device"]
    provider = IotProvider(endpoint[0], ALIAS, THING, cert_path, key_path, wrong_ca, timeout=5)
    with pytest.raises(CredentialsRefused, match="not trusted by credentials.ca"):
        provider.get()


def test_an_unreadable_key_and_an_unreachable_endpoint(pki, tmp_path):
    (tmp_path / "bad.pem").write_text("not a certificate")
    provider = IotProvider("127.0.0.1:9", ALIAS, THING, tmp_path / "bad.pem", tmp_path / "bad.pem", pki["ca"])
    with pytest.raises(CredentialsRefused, match="credentials.cert"):
        provider.get()
    cert_path, key_path = pki["device"]
    closed = IotProvider("127.0.0.1:9", ALIAS, THING, cert_path, key_path, pki["ca"], timeout=2)
    with pytest.raises(CredentialsUnavailable, match="unreachable"):
        closed.get()


def test_make_provider_builds_each_mode(pki, endpoint):
    cert_path, key_path = pki["device"]
    iot = CredentialsSection(
        mode="iot",
        endpoint=endpoint[0],
        role_alias=ALIAS,
        thing_name=THING,
        cert=cert_path,
        key=key_path,
        ca=pki["ca"],
    )
    assert make_provider(iot).get().access_key == "ASIAEXAMPLE"
    static = CredentialsSection(mode="static", access_key="AKIALOCAL", secret_key="x")
    assert make_provider(static).get().access_key == "AKIALOCAL"
    with pytest.raises(CredentialsRefused, match="not found"):
        make_provider(CredentialsSection(mode="profile", profile="rtcc-no-such-profile")).get()
