"""SMS segments: GSM-7 vs UCS-2, split segment sizes, two-unit characters never split; the JS
counter the composer shows agrees with the server on every string."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rtcc.alerts.segments import MAX_SEGMENTS, SegmentCount, TooManySegments, check_segments, segments

JS = Path(__file__).resolve().parents[3] / "web" / "public" / "assets" / "sms-segments.js"

CASES = [
    ("", SegmentCount("GSM-7", 0, 0, 160)),
    ("Water main break on Elm St. Avoid the area.", SegmentCount("GSM-7", 43, 1, 160)),
    ("a" * 160, SegmentCount("GSM-7", 160, 1, 160)),
    ("a" * 161, SegmentCount("GSM-7", 161, 2, 153)),
    ("a" * 306, SegmentCount("GSM-7", 306, 2, 153)),
    ("a" * 307, SegmentCount("GSM-7", 307, 3, 153)),
    ("€" * 80, SegmentCount("GSM-7", 160, 1, 160)),  # extension characters are 2 septets
    ("€" * 81, SegmentCount("GSM-7", 162, 2, 153)),
    ("{[~]}|^\\\f", SegmentCount("GSM-7", 18, 1, 160)),
    # 306 septets fit two segments only if the escape pair were split: it is not.
    ("a" * 152 + "€" + "a" * 152, SegmentCount("GSM-7", 306, 3, 153)),
    ("¿Dónde? Ñandú", SegmentCount("UCS-2", 13, 1, 70)),  # "ó", "ú": not GSM-7 (only ò, ù)
    ("¿Dòndè? Ñandù", SegmentCount("GSM-7", 13, 1, 160)),
    ("ő" * 70, SegmentCount("UCS-2", 70, 1, 70)),
    ("ő" * 71, SegmentCount("UCS-2", 71, 2, 67)),
    ("a" * 159 + "“", SegmentCount("UCS-2", 160, 3, 67)),  # one curly quote: the whole text is UCS-2
    ("😀" * 35, SegmentCount("UCS-2", 70, 1, 70)),  # an emoji is a surrogate pair: 2 units
    ("😀" * 36, SegmentCount("UCS-2", 72, 2, 67)),
    ("ő" * 66 + "😀" + "ő" * 66, SegmentCount("UCS-2", 134, 3, 67)),  # the pair is not split
    ("line one\r\nline two", SegmentCount("GSM-7", 18, 1, 160)),
    ("a" * 1530, SegmentCount("GSM-7", 1530, 10, 153)),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=range(len(CASES)))
def test_segment_counts(text, expected):
    assert segments(text) == expected


def test_over_ten_segments_is_refused():
    assert MAX_SEGMENTS == 10
    assert check_segments("a" * 1530).segments == 10
    with pytest.raises(TooManySegments, match="11 SMS segments .* at most 10"):
        check_segments("a" * 1531)
    with pytest.raises(TooManySegments, match="outside GSM-7"):
        check_segments("😀" * 400)


def test_the_composer_counter_agrees_with_the_server():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed: the JS twin cannot run here")
    texts = [text for text, _ in CASES] + ["Alerta: evacúe la zona 🚨 " * 9, "€[x]" * 60, "a\u0301" * 90]
    script = (
        "const m = await import(process.argv[1]);"
        "const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(texts.map((t) => m.segments(t))));"
    )
    result = subprocess.run(
        [node, "--input-type=commonjs", "-e", f"(async () => {{ {script} }})()", JS.as_uri()],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    from_js = json.loads(result.stdout)
    for text, js in zip(texts, from_js, strict=True):
        py = segments(text)
        assert (js["encoding"], js["units"], js["segments"], js["perSegment"]) == (
            py.encoding,
            py.units,
            py.segments,
            py.per_segment,
        ), text
