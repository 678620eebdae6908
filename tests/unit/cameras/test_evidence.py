"""Evidence (rtcc.cameras.evidence): the upload's parts, sniffing what a file really is, the
export's manifest and `rtcc evidence verify` (mismatch, missing and extra files named)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from rtcc.cameras.evidence import (
    MIB,
    check_parts,
    is_accepted_video,
    plan_upload,
    safe_name,
    sniff,
    verify_zip,
)
from rtcc.cli import main
from rtcc.errors import DomainError

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 64
MKV = b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 64


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (MP4, "video/mp4"),
        (MOV, "video/quicktime"),
        (WEBM, "video/webm"),
        (MKV, "video/x-matroska"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo"),
        (b"\xff\xd8\xff\xe0JFIF", "image/jpeg"),
        (b"%PDF-1.7", "application/pdf"),
        (b"hello", "application/octet-stream"),
    ],
)
def test_sniffing_names_the_container(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


def test_only_the_four_video_containers_are_accepted() -> None:
    assert all(is_accepted_video(sniff(h)) for h in (MP4, MOV, WEBM, MKV))
    assert not is_accepted_video(sniff(b"RIFF\x00\x00\x00\x00AVI LIST"))
    assert not is_accepted_video(sniff(b"\xff\xd8\xff"))


def test_an_upload_is_split_into_parts_s3_accepts() -> None:
    plan = plan_upload(
        {"content_type": "video/mp4", "size": 12 * MIB + 1, "file_name": "../door cam.mp4"}, 2048
    )
    assert (plan.parts, plan.part_size, plan.file_name) == (3, 5 * MIB, "door_cam.mp4")
    big = plan_upload({"content_type": "video/webm", "size": 51_200 * MIB, "file_name": "x.webm"}, 51_200)
    assert big.parts <= 10_000 and big.part_size % MIB == 0 and big.part_size * big.parts >= big.size


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content_type": "image/jpeg", "size": 10, "file_name": "a.jpg"}, "content_type"),
        ({"content_type": "video/mp4", "size": 2 * MIB + 1, "file_name": "a.mp4"}, "size"),
        ({"content_type": "video/mp4", "size": 0, "file_name": "a.mp4"}, "size"),
        ({"content_type": "video/mp4", "size": 10, "file_name": ""}, "file_name"),
    ],
)
def test_a_bad_upload_is_a_400_naming_its_field(body: dict, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        plan_upload(body, 2)
    assert caught.value.field == field


def test_parts_must_all_be_there_in_order() -> None:
    assert check_parts([{"part_number": 1, "etag": "abc"}], 1) == [{"PartNumber": 1, "ETag": '"abc"'}]
    for parts in ([], [{"part_number": 2, "etag": "a"}], [{"part_number": 1}], "x"):
        with pytest.raises(DomainError):
            check_parts(parts, 1)


def test_safe_names() -> None:
    assert safe_name("C:\\Users\\me\\clip 1.mov") == "clip_1.mov"
    assert safe_name("...") == "clip"


def export(path: Path, files: dict[str, bytes], listed: dict[str, bytes] | None = None) -> Path:
    listed = files if listed is None else listed
    manifest = {
        "files": [
            {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in listed.items()
        ]
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_verify_accepts_an_untouched_export(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = export(tmp_path / "good.zip", {"evidence/a.mp4": MP4, "evidence/b.webm": WEBM})
    assert verify_zip(str(good)) == []
    assert main(["evidence", "verify", str(good)]) == 0
    assert "OK" in capsys.readouterr().out


def test_verify_names_a_tampered_a_missing_and_an_extra_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    listed = {"evidence/a.mp4": MP4, "evidence/b.webm": WEBM}
    bad = export(tmp_path / "bad.zip", {"evidence/a.mp4": MP4 + b"x", "evidence/c.mp4": MP4}, listed)
    problems = verify_zip(str(bad))
    assert any(p.startswith("evidence/a.mp4: SHA-256 mismatch") for p in problems)
    assert "evidence/b.webm: missing" in problems
    assert "evidence/c.mp4: extra file not in the manifest" in problems
    assert main(["evidence", "verify", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "evidence/a.mp4" in err and "evidence/b.webm" in err and "evidence/c.mp4" in err


def test_verify_refuses_what_is_not_an_export(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    assert verify_zip(str(tmp_path / "x.zip"))[0].startswith("not a readable zip")
    assert main(["evidence", "verify", str(tmp_path / "nope.zip")]) == 2
    with zipfile.ZipFile(tmp_path / "m.zip", "w") as archive:
        archive.writestr("a.mp4", MP4)
    assert verify_zip(str(tmp_path / "m.zip")) == ["manifest.json: missing"]
