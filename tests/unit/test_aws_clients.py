"""S3 presigned URLs and POST policies as a deployed function signs them (no emulator)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def deployed_s3(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """What a Lambda sees: a region, credentials, and no endpoint override anywhere."""
    from rtcc.settings import reload_settings

    for name in (
        "RTCC_AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_PROFILE",
        "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNITTESTEXAMPLE0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit-test-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "unit-test-session")
    monkeypatch.setenv("RTCC_ENVIRONMENT", "deployed")
    monkeypatch.setenv("RTCC_REGION", "us-east-1")
    monkeypatch.setenv("RTCC_MEDIA_BUCKET", "city-rtcc-media")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def _assert_regional_host(url: str, region: str) -> None:
    host = urlsplit(url).hostname
    assert host in (f"city-rtcc-media.s3.{region}.amazonaws.com", f"s3.{region}.amazonaws.com"), url


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_presigned_get_is_sigv4_on_the_regional_endpoint(deployed_s3, monkeypatch, region) -> None:
    from rtcc.settings import reload_settings
    from rtcc.tips.adapters.aws import S3MediaStore

    monkeypatch.setenv("RTCC_REGION", region)
    reload_settings()
    url = S3MediaStore().presigned_get("media/T-ABCD/1.jpg", 300)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].endswith(f"/{region}/s3/aws4_request")
    assert "AWSAccessKeyId" not in query and "Signature" not in query
    _assert_regional_host(url, region)


def test_presigned_post_is_sigv4_on_the_regional_endpoint(deployed_s3) -> None:
    from rtcc.tips.adapters.aws import S3MediaStore

    post = S3MediaStore().presigned_post("uploads/abc", "image/jpeg", 1024, 300)
    fields = {k.lower(): v for k, v in post["fields"].items()}
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert fields["x-amz-credential"].endswith("/us-east-1/s3/aws4_request")
    assert "x-amz-signature" in fields
    assert "awsaccesskeyid" not in fields and "signature" not in fields
    _assert_regional_host(post["url"], "us-east-1")


def test_local_endpoint_stays_path_style_and_sigv4(deployed_s3, monkeypatch) -> None:
    # `rtcc dev` and tests point S3 at moto on 127.0.0.1: no bucket subdomain there.
    from rtcc.settings import reload_settings
    from rtcc.tips.adapters.aws import S3MediaStore

    monkeypatch.setenv("RTCC_ENVIRONMENT", "local")
    monkeypatch.setenv("RTCC_AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    reload_settings()
    url = S3MediaStore().presigned_get("media/x", 60)
    assert url.startswith("http://127.0.0.1:4566/city-rtcc-media/media/x?")
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
