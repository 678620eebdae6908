"""DynamoDB and KMS adapters of the plate-read sources (tables lpr-sources and lpr-readers,
rtcc.store.lpr_sources), and the KMS sealer of HMAC keys.

Every write is conditional: a source is created once, saved only over the revision it was
read at (two admins rotating at once: one wins, the other gets 409), a reader registered
once and deleted only while it exists. Reader times move forward only, so a late batch
cannot make a reader look older than it is.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from rtcc.aws_clients import client
from rtcc.errors import Conflict, NotFound
from rtcc.lpr.sources import AuthKind, Reader, ReaderKind, Secret, Source, Status, Vendor
from rtcc.store.lpr_sources import SOURCES_PARTITION, LprReaderRecord, LprSourceRecord

#: The encryption context key binding a sealed HMAC key to its source id: a ciphertext
#: copied onto another source does not open (infra/constructs/lpr.py requires it).
SEAL_CONTEXT_KEY = "lpr-source"


def _iso(moment: datetime | None) -> str | None:
    # One fixed format, so stored times also compare as strings (the forward-only updates).
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _failed_condition(error: PutError | UpdateError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def _source(record: LprSourceRecord) -> Source:
    previous = None
    if record.previous_hash or record.previous_sealed:
        previous = Secret(record.previous_hash, record.previous_sealed)
    return Source(
        source_id=record.source_id,
        name=record.name,
        vendor=Vendor(record.vendor),
        auth=AuthKind(record.auth),
        status=Status(record.status),
        current=Secret(record.secret_hash, record.secret_sealed),
        previous=previous,
        previous_valid_until=_time(record.previous_valid_until),
        created_by=record.created_by,
        created_at=_time(record.created_at),  # type: ignore[arg-type]
        updated_at=_time(record.updated_at),  # type: ignore[arg-type]
        revision=int(record.revision),
    )


def _record(source: Source) -> LprSourceRecord:
    previous = source.previous or Secret()
    return LprSourceRecord(
        SOURCES_PARTITION,
        source.source_id,
        name=source.name,
        vendor=str(source.vendor),
        auth=str(source.auth),
        status=str(source.status),
        secret_hash=source.current.digest,
        secret_sealed=source.current.sealed,
        previous_hash=previous.digest,
        previous_sealed=previous.sealed,
        previous_valid_until=_iso(source.previous_valid_until),
        created_by=source.created_by,
        created_at=_iso(source.created_at),
        updated_at=_iso(source.updated_at),
        revision=source.revision,
    )


def _reader(record: LprReaderRecord) -> Reader:
    return Reader(
        source_id=record.source_id,
        camera_id=record.camera_id,
        name=record.name,
        kind=ReaderKind(record.kind),
        lat=None if record.lat is None else float(record.lat),
        lon=None if record.lon is None else float(record.lon),
        registered_by=record.registered_by,
        registered_at=_time(record.registered_at),  # type: ignore[arg-type]
        last_heartbeat_at=_time(record.last_heartbeat_at),
        last_read_at=_time(record.last_read_at),
    )


class DynamoDbSources:
    """The sources and readers store (lpr-sources, lpr-readers)."""

    def list_sources(self) -> list[Source]:
        return [_source(r) for r in LprSourceRecord.query(SOURCES_PARTITION)]

    def get(self, source_id: str) -> Source | None:
        try:
            return _source(LprSourceRecord.get(SOURCES_PARTITION, source_id))
        except LprSourceRecord.DoesNotExist:
            return None

    def create(self, source: Source) -> None:
        try:
            _record(source).save(condition=LprSourceRecord.source_id.does_not_exist())
        except PutError as error:
            if _failed_condition(error):
                raise Conflict("a source with this id exists", field="source_id") from None
            raise

    def save(self, source: Source) -> None:
        """`source` as changed from the revision before its own (else 409: changed meanwhile)."""
        try:
            _record(source).save(condition=LprSourceRecord.revision == source.revision - 1)
        except PutError as error:
            if _failed_condition(error):
                raise Conflict("the source changed meanwhile: read it again", field="revision") from None
            raise

    def readers(self, source_id: str) -> list[Reader]:
        return [_reader(r) for r in LprReaderRecord.query(source_id)]

    def add_reader(self, reader: Reader) -> None:
        record = LprReaderRecord(
            reader.source_id,
            reader.camera_id,
            name=reader.name,
            kind=str(reader.kind),
            lat=reader.lat,
            lon=reader.lon,
            registered_by=reader.registered_by,
            registered_at=_iso(reader.registered_at),
        )
        try:
            record.save(condition=LprReaderRecord.camera_id.does_not_exist())
        except PutError as error:
            if _failed_condition(error):
                raise Conflict("this source already has a reader with this id", field="camera_id") from None
            raise

    def remove_reader(self, source_id: str, camera_id: str) -> None:
        try:
            LprReaderRecord(source_id, camera_id).delete(condition=LprReaderRecord.camera_id.exists())
        except DeleteError as error:
            if _failed_condition(error):
                raise NotFound("no such reader for this source", field="camera_id") from None
            raise

    def readers_by_id(self, source_id: str, camera_ids: Iterable[str]) -> dict[str, Reader]:
        """The registered readers among `camera_ids` (BatchGetItem: no query, no scan)."""
        keys = [(source_id, camera_id) for camera_id in dict.fromkeys(camera_ids)]
        return {r.camera_id: _reader(r) for r in LprReaderRecord.batch_get(keys)}

    def touch(self, source_id: str, camera_id: str, attribute: str, at: datetime) -> None:
        """Sets `last_heartbeat_at` or `last_read_at` to `at` unless it is already later, on
        a reader that still exists (one removed meanwhile is not written back)."""
        field = getattr(LprReaderRecord, attribute)
        stamp = _iso(at)
        try:
            LprReaderRecord(source_id, camera_id).update(
                actions=[field.set(stamp)],
                condition=LprReaderRecord.camera_id.exists() & (field.does_not_exist() | (field < stamp)),
            )
        except UpdateError as error:
            if not _failed_condition(error):
                raise


class KmsSecretSealer:
    """An HMAC key sealed with KMS Encrypt under the sources key, bound to its source id by
    the encryption context; only lpr-ingest may Decrypt (the key policy says so)."""

    def __init__(self, key_id: str) -> None:
        self._kms = client("kms")
        self._key_id = key_id

    def seal(self, secret: str, source_id: str) -> str:
        out = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=secret.encode(), EncryptionContext={SEAL_CONTEXT_KEY: source_id}
        )
        return base64.b64encode(out["CiphertextBlob"]).decode()

    def unseal(self, sealed: str, source_id: str) -> str:
        out = self._kms.decrypt(
            CiphertextBlob=base64.b64decode(sealed),
            EncryptionContext={SEAL_CONTEXT_KEY: source_id},
            KeyId=self._key_id,
        )
        return bytes(out["Plaintext"]).decode()
