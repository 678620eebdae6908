"""rtcc.lpr.sources and rtcc.lpr.source_admin: tokens and their digests, constant-time
checks, HMAC signatures within the skew, rotation with its overlap, status changes, readers;
nothing audited ever holds a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from rtcc.errors import Conflict, DomainError, Forbidden, NotFound
from rtcc.lpr import sources as rules
from rtcc.lpr.source_admin import SourceAdmin
from rtcc.lpr.sources import AuthKind, SignedClaim, Status, Unauthenticated

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class MemoryStore:
    def __init__(self) -> None:
        self.sources: dict = {}
        self.reader_rows: dict = {}

    def list_sources(self):
        return list(self.sources.values())

    def get(self, source_id):
        return self.sources.get(source_id)

    def create(self, source):
        assert source.source_id not in self.sources
        self.sources[source.source_id] = source

    def save(self, source):
        if self.sources[source.source_id].revision != source.revision - 1:
            raise Conflict("changed", field="revision")
        self.sources[source.source_id] = source

    def readers(self, source_id):
        return [r for (s, _), r in self.reader_rows.items() if s == source_id]

    def add_reader(self, reader):
        key = (reader.source_id, reader.camera_id)
        if key in self.reader_rows:
            raise Conflict("exists", field="camera_id")
        self.reader_rows[key] = reader

    def remove_reader(self, source_id, camera_id):
        if self.reader_rows.pop((source_id, camera_id), None) is None:
            raise NotFound("no such reader", field="camera_id")

    def readers_by_id(self, source_id, camera_ids):
        return {c: self.reader_rows[(source_id, c)] for c in camera_ids if (source_id, c) in self.reader_rows}

    def touch(self, source_id, camera_id, attribute, at):
        from dataclasses import replace

        reader = self.reader_rows.get((source_id, camera_id))
        if reader is not None and (getattr(reader, attribute) is None or getattr(reader, attribute) < at):
            self.reader_rows[(source_id, camera_id)] = replace(reader, **{attribute: at})


class FakeSealer:
    """Seals by reversing and tagging with the source id: opening under another id fails."""

    def __init__(self) -> None:
        self.opened = 0

    def seal(self, secret, source_id):
        return f"{source_id}:{secret[::-1]}"

    def unseal(self, sealed, source_id):
        self.opened += 1
        owner, _, text = sealed.partition(":")
        assert owner == source_id, "encryption context mismatch"
        return text[::-1]


class Audit(list):
    def __call__(self, detail: dict) -> None:
        self.append(detail)


def admin(overlap=HOUR) -> SourceAdmin:
    return SourceAdmin(MemoryStore(), FakeSealer(), overlap)


def test_a_bearer_token_has_the_contract_format_and_only_its_digest_is_stored() -> None:
    a, audit = admin(), Audit()
    issued = a.create("Main St", "openalpr", "bearer", "root", NOW, audit)
    prefix, source_id, secret = issued.secret.split(".")
    assert (prefix, source_id) == ("rtcc_lpr", issued.source.source_id)
    assert len(secret) == 43 and rules._SECRET.fullmatch(secret)
    assert issued.source.current.digest == rules.digest(issued.secret)
    assert issued.secret not in repr(a.store.sources) and secret not in json.dumps(audit)
    assert audit == [
        {
            "source_id": source_id,
            "name": "Main St",
            "auth": "bearer",
            "status": "active",
            "vendor": "openalpr",
        }
    ]


def test_an_hmac_key_is_sealed_bound_to_its_source() -> None:
    a = admin()
    issued = a.create("Flock", "flock", "hmac", "root", NOW, Audit())
    assert issued.source.current.digest is None
    assert issued.secret not in issued.source.current.sealed
    assert a.sealer.unseal(issued.source.current.sealed, issued.source.source_id) == issued.secret
    with pytest.raises(AssertionError):
        a.sealer.unseal(issued.source.current.sealed, "src-000000000000")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("auth", {"auth": "basic"}),
        ("vendor", {"vendor": "acme"}),
        ("name", {"name": "  "}),
        ("name", {"name": "a\nb"}),
    ],
)
def test_create_refuses_bad_fields_naming_them(field: str, kwargs: dict) -> None:
    args = {"name": "x", "vendor": "generic", "auth": "bearer"} | kwargs
    with pytest.raises(DomainError) as caught:
        admin().create(args["name"], args["vendor"], args["auth"], "root", NOW, Audit())
    assert caught.value.field == field


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def test_the_bearer_check_accepts_the_token_and_nothing_else() -> None:
    a = admin()
    issued = a.create("s", "generic", "bearer", "root", NOW, Audit())
    claim = rules.claim(bearer(issued.secret))
    assert rules.bearer_matches(issued.source, claim.token, NOW)
    wrong = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    assert not rules.bearer_matches(issued.source, rules.claim(bearer(wrong)).token, NOW)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Basic abc"},
        {"authorization": "Bearer rtcc_lpr.src-0123456789ab"},
        {"authorization": "Bearer other.src-0123456789ab." + "a" * 43},
        {"authorization": "Bearer rtcc_lpr.src-XYZ." + "a" * 43},
        {"authorization": "Bearer rtcc_lpr.src-0123456789ab." + "a" * 42},
        {
            "x-rtcc-source": "src-0123456789ab",
            "x-rtcc-timestamp": "17e8",
            "x-rtcc-signature": "v1=" + "0" * 64,
        },
        {
            "x-rtcc-source": "src-0123456789ab",
            "x-rtcc-timestamp": "1700000000",
            "x-rtcc-signature": "v2=" + "0" * 64,
        },
        {"x-rtcc-source": "src-0123456789ab", "x-rtcc-timestamp": "1700000000"},
        # Digits to str.isdigit but not ASCII (a header is Latin-1: "²" gets through): int()
        # raised ValueError on "²", answered 503 'send again' before any authentication.
        *(
            {
                "x-rtcc-source": "src-0123456789ab",
                "x-rtcc-timestamp": stamp,
                "x-rtcc-signature": "v1=" + "0" * 64,
            }
            for stamp in ("\u00b2", "\u0661\u0667\u0660\u0660")
        ),
    ],
)
def test_malformed_credentials_are_the_one_401(headers: dict) -> None:
    with pytest.raises(Unauthenticated) as caught:
        rules.claim(headers)
    assert caught.value.status == 401


def test_a_signature_is_checked_within_the_skew_only() -> None:
    body, key, skew = b'{"x":1}', "k" * 43, timedelta(minutes=5)
    stamp = int(NOW.timestamp())
    headers = {
        "x-rtcc-source": "src-0123456789ab",
        "x-rtcc-timestamp": str(stamp),
        "x-rtcc-signature": rules.signature(key, stamp, body),
    }
    claim = rules.claim(headers)
    assert isinstance(claim, SignedClaim)
    assert rules.signature_matches([key], claim, body, NOW, skew)
    assert not rules.signature_matches([key], claim, body + b" ", NOW, skew)
    assert not rules.signature_matches(["other" * 9], claim, body, NOW, skew)
    assert not rules.signature_matches([key], claim, body, NOW + skew + timedelta(seconds=1), skew)
    assert not rules.signature_matches([key], claim, body, NOW - skew - timedelta(seconds=1), skew)
    assert rules.signature_matches(["other" * 9, key], claim, body, NOW + skew, skew)


def test_rotation_keeps_the_previous_secret_until_the_overlap_ends() -> None:
    a, audit = admin(overlap=HOUR), Audit()
    first = a.create("s", "generic", "bearer", "root", NOW, Audit())
    second = a.rotate(first.source.source_id, NOW, audit)
    stored = a.store.get(first.source.source_id)
    assert stored.previous_valid_until == NOW + HOUR and stored.revision == 1
    old, new = rules.claim(bearer(first.secret)).token, rules.claim(bearer(second.secret)).token
    assert rules.bearer_matches(stored, old, NOW + HOUR - timedelta(seconds=1))
    assert not rules.bearer_matches(stored, old, NOW + HOUR)
    assert rules.bearer_matches(stored, new, NOW + HOUR * 100)
    assert second.secret.split(".")[2] not in json.dumps(audit) and audit[0]["previous_valid_until"]


def test_rotation_without_overlap_drops_the_old_secret_at_once() -> None:
    a = admin(overlap=timedelta(0))
    first = a.create("s", "generic", "bearer", "root", NOW, Audit())
    a.rotate(first.source.source_id, NOW, Audit())
    stored = a.store.get(first.source.source_id)
    assert stored.previous is None and not rules.bearer_matches(stored, first.secret, NOW)


def test_status_changes_and_revoke_is_final() -> None:
    a = admin()
    source_id = a.create("s", "generic", "bearer", "root", NOW, Audit()).source.source_id
    assert a.change_status(source_id, "disable", NOW, Audit()).status is Status.DISABLED
    with pytest.raises(Forbidden):
        rules.admit(a.store.get(source_id), True)
    with pytest.raises(Conflict):
        a.change_status(source_id, "disable", NOW, Audit())
    assert a.change_status(source_id, "enable", NOW, Audit()).status is Status.ACTIVE
    assert rules.admit(a.store.get(source_id), True).status is Status.ACTIVE
    revoked = a.change_status(source_id, "revoke", NOW, Audit())
    assert revoked.status is Status.REVOKED and revoked.current.digest  # kept: its sender is told 403
    for action in ("enable", "disable", "revoke"):
        with pytest.raises(Conflict):
            a.change_status(source_id, action, NOW, Audit())
    with pytest.raises(Conflict):
        a.rotate(source_id, NOW, Audit())


def test_unknown_or_unproven_is_401_and_never_says_which() -> None:
    a = admin()
    source = a.create("s", "generic", "bearer", "root", NOW, Audit()).source
    with pytest.raises(Unauthenticated) as unknown:
        rules.admit(None, False)
    with pytest.raises(Unauthenticated) as wrong:
        rules.admit(source, False)
    assert str(unknown.value) == str(wrong.value)


def test_readers_are_checked_added_once_and_removed() -> None:
    a, audit = admin(), Audit()
    source_id = a.create("s", "generic", "bearer", "root", NOW, Audit()).source.source_id
    reader = a.add_reader(
        source_id,
        {"camera_id": "cam-1", "name": "Gate", "kind": "fixed", "lat": 44.0, "lon": -123.0},
        "root",
        NOW,
        audit,
    )
    assert reader.lat == 44.0 and audit[-1]["camera_id"] == "cam-1"
    with pytest.raises(Conflict):
        a.add_reader(source_id, {"camera_id": "cam-1", "name": "Gate", "kind": "fixed"}, "root", NOW, Audit())
    for fields, field in [
        ({"camera_id": "bad id", "name": "x", "kind": "fixed"}, "camera_id"),
        ({"camera_id": "c2", "name": "x", "kind": "tripod"}, "kind"),
        ({"camera_id": "c2", "name": "x", "kind": "fixed", "lat": 1.0}, "lon"),
        ({"camera_id": "c2", "name": "x", "kind": "mobile", "lat": 1.0, "lon": 2.0}, "lat"),
    ]:
        with pytest.raises(DomainError) as caught:
            a.add_reader(source_id, fields, "root", NOW, Audit())
        assert caught.value.field == field
    a.remove_reader(source_id, "cam-1", audit)
    with pytest.raises(NotFound):
        a.remove_reader(source_id, "cam-1", Audit())
    with pytest.raises(NotFound):
        a.add_reader(
            "src-000000000000", {"camera_id": "c", "name": "x", "kind": "mobile"}, "root", NOW, Audit()
        )
    assert AuthKind.HMAC.value == "hmac"
