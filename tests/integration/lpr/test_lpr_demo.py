"""`rtcc dev`'s plate-read demo goes through the real doors (the admin and supervisor routes,
the readers' door with a bearer token) and ends with a hit on the BOLO it entered."""

from __future__ import annotations

import pytest
from rtcc.local.demo_lpr import seed_demo_lpr

pytestmark = pytest.mark.integration


def test_the_demo_source_posts_reads_and_one_hits_the_bolo(local_stack) -> None:
    first, second = seed_demo_lpr(local_stack.base_url)
    assert "posted 2 reads, 1 hit" in first
    assert "Authorization: Bearer rtcc_lpr.src-" in second and "/ingest/lpr/reads" in second
