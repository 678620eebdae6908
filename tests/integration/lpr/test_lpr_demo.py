"""`rtcc dev`'s plate-read demo goes through the real doors (the admin and supervisor routes,
the readers' door with a bearer token) and ends with a hit on the BOLO it entered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rtcc.local.demo_lpr import seed_demo_lpr

pytestmark = pytest.mark.integration


def test_the_demo_source_posts_reads_and_one_hits_the_bolo(local_stack, api) -> None:
    first, second = seed_demo_lpr(local_stack.base_url)
    assert "posted 2 reads" in first
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    hits = api.as_role("officer").get("/api/lpr/hits", params={"day": today}).json()["hits"]
    assert any(h["plate"] == "7KX1O4B" and h["list_id"] == "bolo" for h in hits)
    assert "Authorization: Bearer rtcc_lpr.src-" in second and "/ingest/lpr/reads" in second
