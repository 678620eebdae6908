"""Privacy masks: validated polygons, the pixels they cover blacked out at any frame size."""

from __future__ import annotations

import av
import numpy as np
import pytest

from kvs_ingest.masks import PrivacyMask

TRIANGLE = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize("size", [(320, 240), (321, 241)])  # even: YUV path; odd: RGB path
def test_masked_pixels_are_black_and_the_rest_untouched(size) -> None:
    width, height = size
    rgb = np.full((height, width, 3), 200, np.uint8)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts = 7
    out = PrivacyMask([TRIANGLE]).apply(frame)
    pixels = out.to_ndarray(format="rgb24")
    assert out.pts == 7
    assert pixels[: height // 4, : width // 4].max() <= 2  # well inside the triangle
    assert pixels[-height // 4 :, -width // 4 :].min() >= 190  # well outside it
    covered = PrivacyMask([TRIANGLE]).bitmap(width, height).mean()
    assert 0.45 < covered < 0.55


def test_no_mask_leaves_the_frame_as_it_is() -> None:
    frame = av.VideoFrame(64, 48, "yuv420p")
    assert PrivacyMask().apply(frame) is frame and not PrivacyMask()


@pytest.mark.parametrize(
    ("polygons", "message"),
    [
        ([[[0, 0], [1, 1]]], r"privacy_masks\[0\]: a polygon needs at least 3 points"),
        ([TRIANGLE, [[0, 0], [1.5, 0], [0, 1]]], r"privacy_masks\[1\]\[1\]: x and y are fractions"),
        ([[[0, 0], [1, 0, 3], [0, 1]]], r"privacy_masks\[0\]\[1\]: a point is \[x, y\]"),
    ],
)
def test_a_bad_polygon_is_refused_naming_it(polygons, message) -> None:
    with pytest.raises(ValueError, match=message):
        PrivacyMask(polygons)
