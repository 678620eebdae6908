"""Evidence (rtcc.cameras.evidence): the upload's parts, sniffing what a file really is, the
export's manifest and `rtcc evidence verify` (mismatch, missing and extra files named)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from rtcc.cameras.evidence import (
    MIB,
    check_parts,
    is_accepted_video,
    plan_upload,
    safe_name,
    sniff,
    verify_zip,
)
from rtcc.cameras.evidence_signature import statement
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


CITY_KEY = ec.generate_private_key(ec.SECP256R1())
FORGER_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_zip(
    path: Path, manifest: object, members: list[tuple[str, bytes]], key: ec.EllipticCurvePrivateKey = CITY_KEY
) -> Path:
    """An export as evidence-export writes it: manifest.json, its ECDSA signature, the key (PEM)."""
    raw = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", raw)
        archive.writestr("manifest.sig", key.sign(statement(raw), ec.ECDSA(hashes.SHA256())))
        archive.writestr("signing-key.pem", pem(key))
        for name, data in members:
            archive.writestr(name, data)
    return path


def entry(name: str, data: bytes, intake: bytes | None = None) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    at_intake = digest if intake is None else hashlib.sha256(intake).hexdigest()
    return {"file": name, "sha256": digest, "size": len(data), "sha256_at_intake": at_intake}


def export(path: Path, files: dict[str, bytes], listed: dict[str, bytes] | None = None) -> Path:
    listed = files if listed is None else listed
    manifest = {"files": [entry(name, data) for name, data in listed.items()]}
    return write_zip(path, manifest, list(files.items()))


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


def test_a_rewritten_manifest_fails_its_signature(tmp_path: Path) -> None:
    """Swap a clip and rewrite its manifest line: the manifest no longer bears the city's
    signature (re-signed with the forger's key, it fails against the city's key)."""
    forged = {"files": [entry("evidence/a.mp4", MP4 + b"x")]}
    unsigned = tmp_path / "unsigned.zip"
    with zipfile.ZipFile(unsigned, "w") as archive:
        archive.writestr("manifest.json", json.dumps(forged))
        archive.writestr("evidence/a.mp4", MP4 + b"x")
    assert verify_zip(str(unsigned))[0].startswith("manifest.sig: missing")
    resigned = write_zip(tmp_path / "resigned.zip", forged, [("evidence/a.mp4", MP4 + b"x")], FORGER_KEY)
    assert verify_zip(str(resigned)) == []  # self-consistent: only the city's key tells
    assert verify_zip(str(resigned), pem(CITY_KEY)) == [
        "manifest.sig: the manifest is not signed by this key"
    ]
    (tmp_path / "city.pem").write_bytes(pem(CITY_KEY))
    assert main(["evidence", "verify", str(resigned), "--public-key", str(tmp_path / "city.pem")]) == 1
    good = export(tmp_path / "good.zip", {"evidence/a.mp4": MP4})
    assert main(["evidence", "verify", str(good), "--public-key", str(tmp_path / "city.pem")]) == 0
    raw = zipfile.ZipFile(good).read("manifest.json")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        archive.writestr("manifest.json", raw.replace(b'"size": ', b'"size":  '))
        archive.writestr("manifest.sig", zipfile.ZipFile(good).read("manifest.sig"))
        archive.writestr("signing-key.pem", pem(CITY_KEY))
        archive.writestr("evidence/a.mp4", MP4)
    assert "manifest.sig: the manifest is not signed by this key" in verify_zip(str(tampered))


def test_a_file_other_than_the_one_taken_in_fails(tmp_path: Path) -> None:
    swapped = write_zip(
        tmp_path / "s.zip",
        {"files": [entry("evidence/a.mp4", MP4 + b"x", intake=MP4)]},
        [("evidence/a.mp4", MP4 + b"x")],
    )
    assert verify_zip(str(swapped)) == [
        f"evidence/a.mp4: not the file taken in (SHA-256 at intake {hashlib.sha256(MP4).hexdigest()})"
    ]
    missing = write_zip(
        tmp_path / "m.zip",
        {"files": [{**entry("evidence/a.mp4", MP4), "sha256_at_intake": None}]},
        [("evidence/a.mp4", MP4)],
    )
    assert verify_zip(str(missing)) == ["evidence/a.mp4: not the file taken in (SHA-256 at intake None)"]


@pytest.mark.parametrize(
    ("members", "manifest", "problem"),
    [
        (
            [("evidence/a.mp4", MP4), ("evidence/a.mp4", MP4 + b"x")],
            None,
            "evidence/a.mp4: appears 2 times in the zip",
        ),
        ([("manifest.json", b"{}")], None, "manifest.json: appears 2 times in the zip"),
        ([("/etc/a.mp4", MP4)], None, "/etc/a.mp4: an absolute or Windows path"),
        ([("evidence/../a.mp4", MP4)], None, "evidence/../a.mp4: a path with an empty, . or .. segment"),
        ([("evidence\\a.mp4", MP4)], None, "evidence\\a.mp4: an absolute or Windows path"),
        ([], {"files": []}, "manifest.json: lists no files"),
        ([], {"files": "x"}, "manifest.json: lists no files"),
        (
            [("evidence/a.mp4", MP4)],
            {"files": [7, entry("evidence/a.mp4", MP4)]},
            "manifest.json: entry 1 is not an object",
        ),
        (
            [],
            {"files": [entry("../a.mp4", MP4)]},
            "manifest.json: entry 1 names no evidence file ('../a.mp4')",
        ),
        (
            [("evidence/a.mp4", MP4)],
            {"files": [entry("evidence/a.mp4", MP4), entry("evidence/a.mp4", MP4)]},
            "evidence/a.mp4: listed 2 times",
        ),
    ],
)
def test_verify_refuses_ambiguous_or_unsafe_exports(
    tmp_path: Path, members: list, manifest: object, problem: str
) -> None:
    manifest = manifest if manifest is not None else {"files": [entry("evidence/a.mp4", MP4)]}
    with (
        pytest.warns(UserWarning)
        if len({n for n, _ in members} | {"manifest.json"}) < len(members) + 1
        else _nothing()
    ):
        path = write_zip(tmp_path / "x.zip", manifest, members)
    assert problem in verify_zip(str(path))
    assert main(["evidence", "verify", str(path)]) == 1


def _nothing():  # noqa: ANN202 - a no-op context manager for the parametrized warns
    import contextlib

    return contextlib.nullcontext()
