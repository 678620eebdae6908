"""DynamoDB and S3 adapter of the hotlist import (rtcc.lpr.hotlist_import.HotlistImportStore).

- List heads (`LprHotlistRecord`): created once (conditional put); an import holds the
  head's lease (`importing`, a conditional UpdateItem: one import per list at a time, a
  lease older than LEASE_S taken over: a timed-out function never finishes) and switches
  the list with one conditional UpdateItem of version, shapes and entry count.
- Key items (`LprHotlistKeyRecord`): only the keys the diff touches, plus the keys the
  previous import left dead records in, are read (BatchGetItem) and written whole
  (BatchWriteItem puts, deletes for an emptied key), as rtcc.lpr.keyed_index rewrites them.
- S3 (the `lpr-hotlists` bucket): `uploads/<import_id>` the file as uploaded;
  `versions/<list>/<version>.jsonl.gz` each version's entries (the next import diffs
  against it); `versions/<list>/<version>.keys.json.gz` the keys that import touched (the
  next import cleans them; a retry after an abandoned attempt undoes them). A version's
  files are deleted once the next one is switched to.
- Imports (`LprImportRecord`): progress and outcome.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from pynamodb.exceptions import PutError, UpdateError

from rtcc.aws_clients import client
from rtcc.lpr.hotlists import HotlistFormatError
from rtcc.lpr.hotlists.diff import ImportDiff
from rtcc.lpr.keyed_index import clean, entry_from_dict, entry_to_dict, key_changes, rewrite, shapes_of
from rtcc.lpr.model import HotlistEntry
from rtcc.resources import bucket_name
from rtcc.settings import get_settings
from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistKeyRecord, LprHotlistRecord, LprImportRecord
from rtcc.tips.adapters.aws import delete_every_version  # the platform's delete-for-good

BUCKET = "lpr-hotlists"
#: Longer than lpr-import's 900 s timeout: a lease this old belongs to a dead import.
LEASE_S = 1000
#: Imports are kept for the console's history, then expire.
IMPORT_DAYS = 90


class ImportBusy(RuntimeError):
    """Another import of the list holds its lease."""


class UnknownList(LookupError):
    pass


class ListExists(RuntimeError):
    pass


def hotlist_bucket() -> str:
    """CDK passes the bucket's name (RTCC_LPR_HOTLISTS_BUCKET, rtcc.resources.bucket_env_var);
    locally the bucket has the deployment prefix's name."""
    from rtcc.lpr.settings import lpr_settings

    return lpr_settings().hotlists_bucket or bucket_name(BUCKET, get_settings())


def upload_key(import_id: str) -> str:
    return f"uploads/{import_id}"


def version_key(list_id: str, version: int, what: str = "jsonl") -> str:
    return f"versions/{list_id}/{version}.{what}.gz"


class DynamoHotlistStore:
    def __init__(self, bucket: str | None = None) -> None:
        self._s3 = client("s3")
        self.bucket = bucket or hotlist_bucket()

    # --- heads ----------------------------------------------------------------------------
    def create_list(
        self, list_id: str, name: str, priority: int, notify: str, now: datetime
    ) -> LprHotlistRecord:
        record = LprHotlistRecord(
            LISTS_PARTITION, list_id, name=name, priority=priority, notify=notify, updated_at=now.isoformat()
        )
        try:
            record.save(condition=LprHotlistRecord.list_id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ListExists(list_id) from None
            raise
        return record

    def head(self, list_id: str) -> LprHotlistRecord:
        try:
            return LprHotlistRecord.get(LISTS_PARTITION, list_id, consistent_read=True)
        except LprHotlistRecord.DoesNotExist:
            raise UnknownList(list_id) from None

    def lease(self, list_id: str, import_id: str, now: datetime) -> int:
        """Take the list's import lease; the head's current version."""
        head = self.head(list_id)
        stale = (now - timedelta(seconds=LEASE_S)).isoformat()
        free = LprHotlistRecord.importing.does_not_exist() | (LprHotlistRecord.importing == import_id)
        try:
            head.update(
                actions=[
                    LprHotlistRecord.importing.set(import_id),
                    LprHotlistRecord.importing_since.set(now.isoformat()),
                ],
                condition=free | (LprHotlistRecord.importing_since < stale),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ImportBusy(list_id) from None
            raise
        return int(head.version)

    def release(self, list_id: str, import_id: str) -> None:
        """Give the lease back after a failure (the keys written stay for the retry to undo)."""
        try:
            LprHotlistRecord(LISTS_PARTITION, list_id).update(
                actions=[LprHotlistRecord.importing.remove(), LprHotlistRecord.importing_since.remove()],
                condition=LprHotlistRecord.importing == import_id,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def hold(self, list_id: str, import_id: str) -> None:
        """Renew the lease before each write, or stop (ImportBusy) when it was lost: an import
        slower than LEASE_S (`rtcc lpr import` has no timeout; a long parse) has been taken
        over, and writing on would put its keys and version file over the new holder's."""
        R = LprHotlistRecord
        try:
            R(LISTS_PARTITION, list_id).update(
                actions=[R.importing_since.set(datetime.now(UTC).isoformat())],
                condition=R.importing == import_id,
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise ImportBusy(list_id) from None
            raise

    # --- versions ---------------------------------------------------------------------------
    def entries(self, list_id: str, version: int) -> Iterator[HotlistEntry]:
        """A version's entries, streamed from S3 (nothing for version 0)."""
        if version == 0:
            return
        key = version_key(list_id, version)
        if not self._exists(key):
            # Deleted at the switch to a later version: another import took this one's lease
            # over (rtcc.lpr.hotlist_import leases before it reads); retried, it diffs anew.
            raise ImportBusy(list_id)
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        with gzip.GzipFile(fileobj=body) as lines:
            for line in lines:
                yield entry_from_dict(json.loads(line))

    def _manifest(self, list_id: str, version: int) -> dict[str, list[str]]:
        """The keys the import that made (or tried to make) `version` touched, and those
        it closed records in; empty when no such import wrote one."""
        key = version_key(list_id, version, "keys")
        if not self._exists(key):
            return {"touched": [], "closed": []}
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        return json.loads(gzip.decompress(body.read()))

    def _exists(self, key: str) -> bool:
        # A listing: a GetObject of a missing object is a 403 to a role without ListBucket.
        listed = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1).get("Contents", [])
        return any(item["Key"] == key for item in listed)

    def _put_gz(self, key: str, payload: bytes) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=gzip.compress(payload, compresslevel=5))

    def apply(
        self,
        list_id: str,
        change: ImportDiff,
        previous: dict[str, HotlistEntry],
        current: int,
        import_id: str,
        now: datetime,
    ) -> int:
        """Write the touched keys and the new version's file, then switch the head over
        (conditional on the version it diffed against and the lease); the new version."""
        new = current + 1
        touched = key_changes(change, previous)
        # Keys that may hold what readers of `current` never see: records the import that
        # made `current` closed, and whatever an abandoned attempt at `new` wrote.
        abandoned = set(self._manifest(list_id, new)["touched"])
        dirty = set(self._manifest(list_id, current)["closed"]) | abandoned
        manifest = {
            "touched": sorted(abandoned | set(touched)),
            "closed": sorted(key for key, change in touched.items() if change.close),
        }
        # Written first: if this attempt dies, the next one knows which keys to undo.
        self.hold(list_id, import_id)
        self._put_gz(version_key(list_id, new, "keys"), json.dumps(manifest).encode())
        # A list's first version with no abandoned attempt before it has no key items yet:
        # nothing to read back (the first import of 100,000 rows skips 1,000 BatchGetItems).
        fresh = current == 0 and not abandoned
        self._write_keys(touched, dirty - set(touched), current, fresh=fresh, lease=(list_id, import_id))
        entries = change.entries
        self.hold(list_id, import_id)
        self._put_gz(version_key(list_id, new), b"".join(_jsonl(entries)))
        LprHotlistRecord(LISTS_PARTITION, list_id).update(
            actions=[
                LprHotlistRecord.version.set(new),
                LprHotlistRecord.shapes.set(json.dumps(shapes_of(entries))),
                LprHotlistRecord.entries.set(len(entries)),
                LprHotlistRecord.last_import.set(import_id),
                LprHotlistRecord.updated_at.set(now.isoformat()),
                LprHotlistRecord.importing.remove(),
                LprHotlistRecord.importing_since.remove(),
            ],
            condition=(LprHotlistRecord.version == current) & (LprHotlistRecord.importing == import_id),
        )
        self._drop_version(list_id, current)
        return new

    def _drop_version(self, list_id: str, version: int) -> None:
        """The version just replaced: no import reads it again (the next diffs against the
        new one, and reads its manifest), and its file keeps every plate it held, withdrawn
        BOLOs and expired entries included, for ever. Deleted version by version: the bucket
        is versioned, and a plain delete would keep the plates 30 days behind a delete marker."""
        if version == 0:
            return
        for what in ("jsonl", "keys"):
            try:
                delete_every_version(self._s3, self.bucket, version_key(list_id, version, what))
            except (self._s3.exceptions.ClientError, RuntimeError):
                # The list is switched: failing the import now would have the queue run it
                # again as a version of its own. The file stays; nothing reads it.
                continue

    def _write_keys(
        self, touched: dict, cleanup: set[str], current: int, *, fresh: bool, lease: tuple[str, str]
    ) -> None:
        keys = list(touched) + sorted(cleanup)
        for start in range(0, len(keys), 1000):
            self.hold(*lease)  # renewed per chunk: stops before writing over a new holder
            chunk = keys[start : start + 1000]
            found = () if fresh else LprHotlistKeyRecord.batch_get(chunk, consistent_read=True)
            held = {r.key: r.entries for r in found}
            with LprHotlistKeyRecord.batch_write() as batch:
                for key in chunk:
                    change, before = touched.get(key), held.get(key)
                    records = rewrite(before, change, current) if change else clean(before, current)
                    if not records:
                        if key in held:
                            batch.delete(LprHotlistKeyRecord(key))
                    elif before is None or records != json.loads(before):  # unchanged: not rewritten
                        batch.save(LprHotlistKeyRecord(key, entries=item_json(records)))

    # --- uploads ----------------------------------------------------------------------------
    def upload_form(self, import_id: str, max_bytes: int, expires_s: int = 900) -> dict[str, Any]:
        return self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=upload_key(import_id),
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_s,
        )

    def upload_size(self, import_id: str) -> int | None:
        """The uploaded file's size, None when it was never uploaded. A listing, not
        HeadObject: to a role without an unconditional ListBucket a missing object is a 403,
        which the queue would retry for an hour before the import is recorded failed."""
        key = upload_key(import_id)
        listed = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1).get("Contents", [])
        return next((int(item["Size"]) for item in listed if item["Key"] == key), None)

    def open_upload(self, import_id: str) -> BinaryIO:
        return self._s3.get_object(Bucket=self.bucket, Key=upload_key(import_id))["Body"]

    def drop_upload(self, import_id: str) -> None:
        """An imported file (or BOLO edit) is in the version it made: its plates need not wait
        out the uploads' 7-day expiry. Best effort: the import is done, and the rule still
        deletes a file left behind."""
        try:
            delete_every_version(self._s3, self.bucket, upload_key(import_id))
        except (self._s3.exceptions.ClientError, RuntimeError):
            pass

    def put_upload(self, import_id: str, data: bytes | BinaryIO) -> None:
        body = io.BytesIO(data) if isinstance(data, bytes) else data
        self._s3.upload_fileobj(body, self.bucket, upload_key(import_id))


#: DynamoDB's item limit is 400 KB; the key and attribute names take the rest.
MAX_ITEM_JSON = 390_000


def item_json(records: list[dict[str, Any]]) -> str:
    """A key item's records as JSON; HotlistFormatError (the import fails, nothing switches)
    when more entries share one probe key than an item holds, rather than DynamoDB's
    ValidationException on every retry."""
    text = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_ITEM_JSON:
        raise HotlistFormatError(
            f"{len(records):,} entries share one probe key (partial plates with the same first or last "
            "characters?): more than one index item holds; make them longer"
        )
    return text


def _jsonl(entries: tuple[HotlistEntry, ...]) -> Iterator[bytes]:
    for entry in entries:
        yield json.dumps(entry_to_dict(entry), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class DynamoImportLog:
    """`LprImportRecord`s: an import's state, progress and outcome."""

    def create(
        self, import_id: str, list_id: str, fmt: str, created_by: str, now: datetime
    ) -> LprImportRecord:
        record = LprImportRecord(
            import_id,
            list_id=list_id,
            format=fmt,
            state="waiting",
            created_by=created_by,
            created_at=now.isoformat(),
            updated_at=now.isoformat(),
            expires=now + timedelta(days=IMPORT_DAYS),
        )
        record.save(condition=LprImportRecord.import_id.does_not_exist())
        return record

    def get(self, import_id: str) -> LprImportRecord | None:
        try:
            return LprImportRecord.get(import_id, consistent_read=True)
        except LprImportRecord.DoesNotExist:
            return None

    def _set(self, import_id: str, now: datetime, **values: Any) -> None:
        R = LprImportRecord
        actions = [getattr(R, name).set(value) for name, value in values.items()]
        R(import_id).update(
            actions=[*actions, R.updated_at.set(now.isoformat())], condition=R.import_id.exists()
        )

    def running(self, import_id: str, bytes_total: int, now: datetime) -> None:
        self._set(import_id, now, state="running", bytes_total=bytes_total, bytes_read=0)

    def progress(self, import_id: str, bytes_read: int, now: datetime) -> None:
        self._set(import_id, now, bytes_read=bytes_read)

    def finish(self, import_id: str, summary: dict[str, Any], bytes_read: int, now: datetime) -> None:
        self._set(import_id, now, state="done", bytes_read=bytes_read, summary=json.dumps(summary))

    def fail(self, import_id: str, error: str, now: datetime) -> None:
        self._set(import_id, now, state="failed", error=error)

    def claim(self, import_id: str, now: datetime) -> bool:
        """waiting -> queued, once: False when it was already started."""
        R = LprImportRecord
        try:
            R(import_id).update(
                actions=[R.state.set("queued"), R.updated_at.set(now.isoformat())],
                condition=R.state == "waiting",
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
