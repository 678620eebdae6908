"""Administering plate-read sources: create, rotate, disable / enable / revoke, readers.

The rules are rtcc.lpr.sources; the store and the KMS sealer are ports (DynamoDB and KMS
deployed: rtcc.lpr.sources_dynamodb). Each change calls `intend(detail)` right before its
write, so the route's audit entry goes in first (rtcc.api.security.AuditedWrite). No detail
ever holds a secret, a digest or a sealed key: the secret is returned once, to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from rtcc.errors import DomainError, NotFound
from rtcc.lpr import sources as rules
from rtcc.lpr.sources import AuthKind, Reader, ReaderKind, Secret, Source, Status, Vendor

Intend = Callable[[dict], None]


class SourceStore(Protocol):
    def list_sources(self) -> list[Source]: ...
    def get(self, source_id: str) -> Source | None: ...
    def create(self, source: Source) -> None: ...
    def save(self, source: Source) -> None: ...
    def readers(self, source_id: str) -> list[Reader]: ...
    def add_reader(self, reader: Reader) -> None: ...
    def remove_reader(self, source_id: str, camera_id: str) -> None: ...
    def readers_by_id(self, source_id: str, camera_ids: Iterable[str]) -> dict[str, Reader]: ...
    def touch(self, source_id: str, camera_id: str, attribute: str, at: datetime) -> None: ...


class SecretSealer(Protocol):
    def seal(self, secret: str, source_id: str) -> str: ...
    def unseal(self, sealed: str, source_id: str) -> str: ...


@dataclass(frozen=True)
class Issued:
    """A source and its new secret, which the caller shows once and which is kept nowhere."""

    source: Source
    secret: str


def _choice(kind: type, value: str, field: str):  # noqa: ANN202 - one of the StrEnums above
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(v) for v in kind)
        raise DomainError(f"one of {allowed}", field=field) from None


def _summary(source: Source) -> dict:
    # What the audit says of a source: never its secret, digest or sealed key.
    return {
        "source_id": source.source_id,
        "name": source.name,
        "auth": str(source.auth),
        "status": str(source.status),
    }


class SourceAdmin:
    def __init__(self, store: SourceStore, sealer: SecretSealer, overlap: timedelta) -> None:
        self.store, self.sealer, self.overlap = store, sealer, overlap

    def _stored(self, source_id: str, secret: str, auth: AuthKind) -> Secret:
        if auth is AuthKind.BEARER:
            return Secret(digest=rules.digest(rules.bearer_token(source_id, secret)))
        return Secret(sealed=self.sealer.seal(secret, source_id))

    def _shown(self, source: Source, secret: str) -> str:
        # A bearer source is given the whole token; an HMAC source its key.
        return rules.bearer_token(source.source_id, secret) if source.auth is AuthKind.BEARER else secret

    def get(self, source_id: str) -> Source:
        source = self.store.get(source_id)
        if source is None:
            raise NotFound("no such source", field="source_id")
        return source

    def create(self, name: str, vendor: str, auth: str, by: str, now: datetime, intend: Intend) -> Issued:
        kind = _choice(AuthKind, auth, "auth")
        source_id, secret = rules.new_source_id(), rules.new_secret()
        source = Source(
            source_id=source_id,
            name=rules.check_name(name),
            vendor=_choice(Vendor, vendor, "vendor"),
            auth=kind,
            status=Status.ACTIVE,
            current=self._stored(source_id, secret, kind),
            previous=None,
            previous_valid_until=None,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        intend(_summary(source) | {"vendor": str(source.vendor)})
        self.store.create(source)
        return Issued(source, self._shown(source, secret))

    def rotate(self, source_id: str, now: datetime, intend: Intend) -> Issued:
        source = self.get(source_id)
        secret = rules.new_secret()
        rotated = rules.rotate(source, self._stored(source_id, secret, source.auth), now, self.overlap)
        until = rotated.previous_valid_until
        intend(_summary(rotated) | {"previous_valid_until": until.isoformat() if until else None})
        self.store.save(rotated)
        return Issued(rotated, self._shown(rotated, secret))

    def change_status(self, source_id: str, action: str, now: datetime, intend: Intend) -> Source:
        changed = rules.change_status(self.get(source_id), action, now)
        intend(_summary(changed))
        self.store.save(changed)
        return changed

    def add_reader(self, source_id: str, fields: dict, by: str, now: datetime, intend: Intend) -> Reader:
        source = self.get(source_id)
        if source.status is Status.REVOKED:
            raise DomainError("a revoked source takes no readers", field="source_id")
        kind = _choice(ReaderKind, fields.get("kind", ""), "kind")
        lat, lon = fields.get("lat"), fields.get("lon")
        rules.check_position(kind, lat, lon)
        reader = Reader(
            source_id=source_id,
            camera_id=rules.check_camera_id(fields.get("camera_id", "")),
            name=rules.check_name(fields.get("name", "")),
            kind=kind,
            lat=lat,
            lon=lon,
            registered_by=by,
            registered_at=now,
        )
        intend(
            {"source_id": source_id, "camera_id": reader.camera_id, "kind": str(kind), "name": reader.name}
        )
        self.store.add_reader(reader)
        return reader

    def remove_reader(self, source_id: str, camera_id: str, intend: Intend) -> None:
        self.get(source_id)
        intend({"source_id": source_id, "camera_id": camera_id})
        self.store.remove_reader(source_id, camera_id)
