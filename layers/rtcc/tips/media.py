"""The media consumer's work: fetch one item, judge it, clean it, file it, delete the source.

Each step records its result on the media item, so a retry (SQS redelivery, or the same
job queued twice) continues where the last attempt stopped and never files a file twice.
A rejected item keeps its reason; a failure to reach Twilio or S3 raises, and the queue
retries it until its dead-letter queue takes it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from rtcc.sms import SmsGateway
from rtcc.store.tips import TipMediaRecord, TipRecord
from rtcc.tips.forget import forget_inbound, media_done
from rtcc.tips.mediapolicy import DOCUMENT_TYPES, IMAGE_TYPES, judge
from rtcc.tips.ports import MediaRefused, MediaSource, MediaStore, MediaTooLarge
from rtcc.tips.records import feed_entry, iso, now_utc, transaction
from rtcc.tips.settings import tips_settings
from rtcc.tips.web_intake import upload_key

logger = logging.getLogger(__name__)

_SETTLE_ATTEMPTS = 5


def stored_key(code: str, media_id: str) -> str:
    return f"tips/{code}/{media_id}"


class _Refused(Exception):
    """A cleaner's refusal (ImageRejected, PdfRejected, MediaMetadataError): its reason."""


def _clean(content_type: str, data: bytes) -> bytes:
    """The cleaned file, or _Refused naming why it is refused.

    Each cleaner is imported with the first item of its kind: Pillow and pypdf make a
    cold start slower than the rest of this module, and most batches hold only photos."""
    if content_type in IMAGE_TYPES:
        from rtcc.tips.imagemeta import ImageRejected, strip_metadata

        try:
            return strip_metadata(data, content_type)
        except ImageRejected as exc:
            raise _Refused(str(exc)) from exc
    if content_type in DOCUMENT_TYPES:
        from rtcc.tips.pdfmeta import PdfRejected, strip_pdf_metadata

        try:
            return strip_pdf_metadata(data)
        except PdfRejected as exc:
            raise _Refused(str(exc)) from exc
    from rtcc.tips.avmeta import MediaMetadataError, strip_av_metadata

    try:
        return strip_av_metadata(data)
    except MediaMetadataError as exc:
        raise _Refused(str(exc)) from exc


class MediaProcessor:
    def __init__(
        self, store: MediaStore, sources: Mapping[str, MediaSource], sms: SmsGateway | None = None
    ) -> None:
        self.store = store
        self.sources = sources
        self.sms = sms  # deletes an MMS at Twilio once its last item is done

    def _location(self, item: TipMediaRecord) -> str:
        return item.source_url if item.source == "twilio" else upload_key(item.code, item.media_id)

    def process(self, code: str, media_id: str) -> str:
        """Handle one job; returns the item's final state."""
        try:
            item = TipMediaRecord.get(code, media_id)
        except DoesNotExist:
            logger.warning("tips.media job for an unknown item", extra={"code": code, "media_id": media_id})
            return "unknown"
        if item.state == "awaiting_upload":
            return item.state  # not confirmed by the browser yet
        if item.state == "pending":
            self._file(item)
        if not item.source_deleted:
            self.sources[item.source].delete(self._location(item))
            # Twilio's media URL names the message (its SID): gone with the media.
            item.update(actions=[TipMediaRecord.source_deleted.set(True), TipMediaRecord.source_url.remove()])
        if item.source == "twilio" and self.sms is not None and media_done(item.code, item.message_key):
            forget_inbound(self.sms, item.code, item.message_key)
        return item.state

    def _file(self, item: TipMediaRecord) -> None:
        limit = tips_settings().max_media_bytes
        source = self.sources[item.source]
        try:
            fetched = source.fetch(self._location(item), limit)
        except MediaTooLarge as exc:
            size = f"{exc.size} bytes" if exc.size is not None else "more bytes"
            return self._reject(item, f"too large: {size}, the limit is {limit}")
        except MediaRefused as exc:
            return self._reject(item, str(exc))
        verdict = judge(item.declared_type or fetched.content_type, fetched.data, limit)
        if not verdict.accepted:
            return self._reject(item, verdict.reason)
        try:
            data = _clean(verdict.content_type, fetched.data)
        except _Refused as exc:
            return self._reject(item, str(exc))
        digest = hashlib.sha256(data).hexdigest()
        key = stored_key(item.code, item.media_id)
        self.store.put(key, data, verdict.content_type, digest)
        self._settle(
            item,
            [
                TipMediaRecord.state.set("stored"),
                TipMediaRecord.s3_key.set(key),
                TipMediaRecord.sha256.set(digest),
                TipMediaRecord.size.set(len(data)),
                TipMediaRecord.content_type.set(verdict.content_type),
                TipMediaRecord.updated_at.set(iso(now_utc())),
            ],
        )
        logger.info(
            "tips.media stored", extra={"code": item.code, "media_id": item.media_id, "bytes": len(data)}
        )

    def _reject(self, item: TipMediaRecord, reason: str) -> None:
        self._settle(
            item,
            [
                TipMediaRecord.state.set("rejected"),
                TipMediaRecord.reason.set(reason[:500]),
                TipMediaRecord.updated_at.set(iso(now_utc())),
            ],
        )
        logger.info(
            "tips.media rejected", extra={"code": item.code, "media_id": item.media_id, "reason": reason}
        )

    def _settle(self, item: TipMediaRecord, actions: list) -> None:
        """Record the item's outcome, count it on the tip and tell the inbox feed, in one
        transaction: an open console learns the item is ready without polling the tip."""
        for attempt in range(_SETTLE_ATTEMPTS):
            tip = TipRecord.get(item.code)
            seen = int(tip.version or 0)
            tip.version = seen + 1
            tip.media_settled = int(tip.media_settled or 0) + 1
            try:
                with transaction() as tx:
                    tx.update(item, actions=actions, condition=TipMediaRecord.state == "pending")
                    tx.save(tip, condition=TipRecord.version == seen)
                    tx.save(feed_entry(item.code, "media", now_utc()))
            except TransactWriteError:
                item.refresh()
                if item.state != "pending":
                    return  # an earlier delivery of this job settled it already
                if attempt == _SETTLE_ATTEMPTS - 1:
                    raise  # the queue retries the job
                continue  # an officer or the webhook saved the tip meanwhile: re-read it
            item.refresh()
            return
