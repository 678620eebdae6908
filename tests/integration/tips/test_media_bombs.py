"""Decompression bombs by MMS (issue 8): refused with a reason from their headers, beside a
good photo of the same message that is still stored, and the stack never balloons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rtcc.settings import reload_settings

from tests.integration.tips.conftest import Phone, code_of, new_number
from tests.integration.tips.test_media import settled_media
from tests.unit.tips.test_image_bombs import gif, one_colour_png
from tests.unit.tips.test_media_and_twiml import photo_with_gps

pytestmark = pytest.mark.integration

MB = 1024 * 1024
_STATUS = Path("/proc/self/status")


def _status_bytes(field: str) -> int:
    line = next(x for x in _STATUS.read_text().splitlines() if x.startswith(field + ":"))
    return int(line.split()[1]) * 1024  # kB


def _reset_peak_rss() -> bool:
    """Restart the kernel's peak-RSS mark (VmHWM) at the current RSS; False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.fixture
def image_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The defaults, set explicitly: the consumer reads them on each image."""
    monkeypatch.setenv("RTCC_TIPS_MAX_IMAGE_PIXELS", "50000000")
    monkeypatch.setenv("RTCC_TIPS_MAX_IMAGE_FRAMES", "300")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


@pytest.mark.usefixtures("image_limits")
def test_bombs_are_rejected_beside_a_good_photo_in_bounded_memory(phone: Phone, api) -> None:
    """The local stack runs the media consumer in this process, as `rtcc dev` does: its peak
    RSS while the three items are checked stays under 600 MB."""
    # A first photo warms the stack up (the webhook's and consumer's first imports).
    warm = phone.upload_media(photo_with_gps(), "image/jpeg")
    settled_media(api, code_of(phone.text(new_number(), "a photo", media=[(warm, "image/jpeg")])[1]), 1)
    png = phone.upload_media(one_colour_png(12000, 12000), "image/png")
    frames = phone.upload_media(gif(1000), "image/gif")
    photo = phone.upload_media(photo_with_gps(), "image/jpeg")
    if not _reset_peak_rss():
        pytest.skip("this kernel does not let a process reset its peak RSS")
    before = _status_bytes("VmRSS")
    media = [(png, "image/png"), (frames, "image/gif"), (photo, "image/jpeg")]
    code = code_of(phone.text(new_number(), "look at these", media=media)[1])
    items = {m["media_id"].rsplit("-", 1)[1]: m for m in settled_media(api, code, 3)}
    assert items["0"]["state"] == "rejected" and items["0"]["reason"].startswith("too many pixels")
    assert items["1"]["state"] == "rejected"
    assert items["1"]["reason"] == "too many frames: 1000, the limit is 300"
    assert items["2"]["state"] == "stored" and items["2"]["sha256"]
    peak = _status_bytes("VmHWM")
    # Warm, the stack holds about 300 MB and the three items add nothing measurable; after
    # a long suite it may hold more, so the growth is bounded too (the PNG alone is 432 MB
    # once decoded, over 2 GB with the cleaner's copies before the header check).
    assert peak - before < 100 * MB, (before // MB, peak // MB)
    assert peak < 600 * MB or before > 500 * MB, (before // MB, peak // MB)
