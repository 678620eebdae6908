"""Web tips: submitted from the public /tip page, followed up with code + passphrase.

No login and no IP address: the tip code and a passphrase (kept only as an scrypt hash)
are the tipster's only key. Attachments go straight from the browser to S3 through
presigned POST forms; the browser then confirms each upload and the media consumer checks,
cleans and files it like an MMS item.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from rtcc.errors import Unavailable
from rtcc.store.tips import TipMediaRecord, TipMessageRecord, TipRecord
from rtcc.tips.codes import COLLISIONS_BEFORE_LONGER, new_alias, new_passphrase, new_tip_code
from rtcc.tips.jobs import MediaJob
from rtcc.tips.mediapolicy import ALLOWED_TYPES, base_type
from rtcc.tips.passphrase import hash_passphrase, spend_like_a_check, verify_passphrase
from rtcc.tips.ports import MediaStore, TipQueues
from rtcc.tips.records import (
    TipConflict,
    TipError,
    TipInputError,
    TipUnlockFailed,
    activity_key,
    condition_failed,
    feed_entry,
    iso,
    message_key,
    new_id,
    now_utc,
    transaction,
)
from rtcc.tips.settings import tips_settings
from rtcc.tips.sms_intake import notify_supervisors
from rtcc.tips.text import find_keywords, preview, search_words

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 5
UPLOAD_FORM_SECONDS = 15 * 60
#: The one answer to every follow-up that does not open (unknown code, SMS tip, wrong
#: passphrase), so it never tells which codes exist.
UNLOCK_FAILED = "tip code or passphrase is wrong"


@dataclass(frozen=True)
class AttachmentRequest:
    content_type: str
    size: int


@dataclass(frozen=True)
class UploadForm:
    media_id: str
    url: str
    fields: dict[str, str]
    expires_at: str


@dataclass(frozen=True)
class WebTipCreated:
    code: str
    passphrase: str
    uploads: list[UploadForm]


class TipUnavailable(TipError, Unavailable):
    """Stored what could be stored, but a queue refused the rest: the same request may be
    sent again."""


def upload_key(code: str, media_id: str) -> str:
    return f"uploads/tips/{code}/{media_id}"


class WebIntake:
    def __init__(self, store: MediaStore, queues: TipQueues) -> None:
        self.store = store
        self.queues = queues

    def _check_attachments(self, attachments: list[AttachmentRequest]) -> None:
        limit = tips_settings().max_media_bytes
        if len(attachments) > MAX_ATTACHMENTS:
            raise TipInputError(f"attachments: at most {MAX_ATTACHMENTS} files")
        for i, item in enumerate(attachments):
            if base_type(item.content_type) not in ALLOWED_TYPES:
                raise TipInputError(
                    f"attachments.{i}.content_type: {item.content_type!r} is not an allowed "
                    "type (images, video, audio, PDF)"
                )
            if not 0 < item.size <= limit:
                raise TipInputError(f"attachments.{i}.size: must be between 1 and {limit} bytes")

    def _media(
        self, code: str, mkey: str, attachments: list[AttachmentRequest], at: str
    ) -> list[TipMediaRecord]:
        return [
            TipMediaRecord(
                code,
                f"W{new_id()}",
                message_key=mkey,
                source="upload",
                declared_type=base_type(a.content_type),
                size=a.size,
                state="awaiting_upload",
                created_at=at,
                updated_at=at,
            )
            for a in attachments
        ]

    def _forms(self, code: str, media: list[TipMediaRecord]) -> list[UploadForm]:
        limit = tips_settings().max_media_bytes
        expires = iso(now_utc() + timedelta(seconds=UPLOAD_FORM_SECONDS))
        forms = []
        for m in media:
            post = self.store.presigned_post(
                upload_key(code, m.media_id), m.declared_type, limit, UPLOAD_FORM_SECONDS
            )
            forms.append(UploadForm(m.media_id, post["url"], dict(post["fields"]), expires))
        return forms

    # --- create ----------------------------------------------------------------------------
    def create(
        self, text: str, latitude: float | None, longitude: float | None, attachments: list[AttachmentRequest]
    ) -> WebTipCreated:
        if not text.strip() and not attachments:
            raise TipInputError("text: write what you know, or attach a file")
        if (latitude is None) != (longitude is None):
            raise TipInputError("location: give both latitude and longitude, or neither")
        self._check_attachments(attachments)
        keywords = find_keywords(text, tips_settings().priority_keywords)
        passphrase = new_passphrase()
        secret_hash = hash_passphrase(passphrase)
        for attempt in range(6):
            moment = now_utc()
            at = iso(moment)
            code = new_tip_code(tips_settings().code_length + attempt // COLLISIONS_BEFORE_LONGER)
            message_id = new_id()
            mkey = message_key(at, message_id)
            media = self._media(code, mkey, attachments, at)
            # Signed before the commit: once the tip exists, nothing may stand between the
            # tipster and the code + passphrase they need to follow it up.
            forms = self._forms(code, media)
            tip = TipRecord(
                code,
                channel="web",
                alias=new_alias(),
                status="new",
                priority="high" if keywords else "normal",
                created_at=at,
                last_activity_at=at,
                activity_key=activity_key(at, code),
                preview=preview(text),
                message_count=1,
                media_count=len(media),
                unread=True,
                keywords=keywords or None,
                search_words=search_words(text) or None,
                latitude=latitude,
                longitude=longitude,
                passphrase_hash=secret_hash,
                version=1,
            )
            try:
                with transaction() as tx:
                    tx.save(tip, condition=TipRecord.code.does_not_exist())
                    _save_inbound(tx, code, mkey, message_id, at, text, media)
                    tx.save(feed_entry(code, "tip", moment))
                break
            except TransactWriteError:
                if attempt == 5:
                    raise
        logger.info("tips.web created", extra={"code": code, "attachments": len(media)})
        if keywords:
            self._alert(code, keywords)
        return WebTipCreated(code, passphrase, forms)

    def _alert(self, code: str, keywords: set[str]) -> None:
        """The supervisor alert is queued work after the tip is stored: its failure must
        not turn a stored tip into an error page (the tipster would never see the code)."""
        try:
            notify_supervisors(self.queues, code, keywords)
        except Exception as exc:  # noqa: BLE001
            logger.warning(
                "tips.web supervisor alert not queued", extra={"code": code, "error": type(exc).__name__}
            )

    # --- follow-up -------------------------------------------------------------------------
    def unlock(self, code: str, passphrase: str) -> TipRecord:
        """The tip, if `passphrase` opens it. Unknown code, SMS tip and wrong passphrase
        get the same answer after the same scrypt work, so neither the message nor the
        time taken tells which codes exist.

        No lock and no per-code throttle: either would have to refuse the right passphrase
        too (only the scrypt check tells it apart), so anyone who knows a code could keep
        its tipster out. A guess changes nothing stored; what bounds guessing is its cost
        (one full scrypt check each), the WAF's per-client rate limit and the passphrase's
        79 bits (far beyond any online guessing)."""
        try:
            tip: TipRecord | None = TipRecord.get(code)
        except DoesNotExist:
            tip = None
        if tip is None or tip.channel != "web" or not tip.passphrase_hash:
            spend_like_a_check(passphrase)
            raise TipUnlockFailed(UNLOCK_FAILED)
        if not verify_passphrase(passphrase, tip.passphrase_hash):
            raise TipUnlockFailed(UNLOCK_FAILED)
        return tip

    def thread(
        self, code: str, passphrase: str
    ) -> tuple[TipRecord, list[TipMessageRecord], list[TipMediaRecord]]:
        """What the tipster may see: their messages, officers' replies, their files' state
        (never notes, assignments or dispositions)."""
        tip = self.unlock(code, passphrase)
        return tip, list(TipMessageRecord.query(code)), list(TipMediaRecord.query(code))

    def add_information(
        self, code: str, passphrase: str, text: str, attachments: list[AttachmentRequest]
    ) -> list[UploadForm]:
        tip = self.unlock(code, passphrase)
        if tip.status == "closed":
            raise TipConflict("this tip is closed; please submit a new tip")
        if not text.strip() and not attachments:
            raise TipInputError("text: write what you want to add, or attach a file")
        self._check_attachments(attachments)
        keywords = find_keywords(text, tips_settings().priority_keywords)
        for attempt in range(4):
            moment = now_utc()
            at = iso(moment)
            message_id = new_id()
            mkey = message_key(at, message_id)
            media = self._media(code, mkey, attachments, at)
            forms = self._forms(code, media)  # before the commit, as in `create`
            seen = int(tip.version or 0)
            newly = bool(keywords - set(tip.keywords or ()))
            if keywords and tip.priority in ("low", "normal"):
                tip.priority = "high"
            tip.keywords = set(tip.keywords or ()) | keywords or None
            tip.search_words = set(tip.search_words or ()) | search_words(text) or None
            tip.message_count = int(tip.message_count or 0) + 1
            tip.media_count = int(tip.media_count or 0) + len(media)
            tip.last_activity_at = at
            tip.activity_key = activity_key(at, code)
            tip.unread = True
            tip.version = seen + 1
            try:
                with transaction() as tx:
                    tx.save(tip, condition=TipRecord.version == seen)
                    _save_inbound(tx, code, mkey, message_id, at, text, media)
                    tx.save(feed_entry(code, "message", moment))
                break
            except TransactWriteError:
                if attempt == 3:
                    raise
                try:
                    tip = TipRecord.get(code)
                except DoesNotExist:  # deleted under the retention policy meanwhile
                    raise TipUnlockFailed(UNLOCK_FAILED) from None
                if tip.status == "closed":
                    raise TipConflict("this tip is closed; please submit a new tip") from None
        if newly:
            self._alert(code, keywords)
        return forms

    def confirm_upload(self, code: str, passphrase: str, media_id: str) -> TipMediaRecord:
        """The browser says an upload finished: queue the file for checking and cleaning."""
        self.unlock(code, passphrase)
        try:
            media = TipMediaRecord.get(code, media_id)
        except DoesNotExist:
            raise TipInputError(f"media_id: no attachment {media_id!r} on this tip") from None
        if media.state == "awaiting_upload":
            try:
                media.update(
                    actions=[
                        TipMediaRecord.state.set("pending"),
                        TipMediaRecord.updated_at.set(iso(now_utc())),
                    ],
                    condition=TipMediaRecord.state == "awaiting_upload",
                )
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                media.refresh()  # confirmed in parallel
        if media.state != "pending":
            return media  # checked already (stored or rejected): confirming again is harmless
        # Queued on every confirm while pending: if an earlier confirm marked the item but
        # could not queue it, the browser's retry does. The consumer is idempotent.
        try:
            self.queues.send_media_jobs([MediaJob(code=code, media_id=media_id)])
        except Exception as exc:  # noqa: BLE001 - any queue error: the caller may simply retry
            logger.warning("tips.web upload not queued", extra={"code": code, "error": type(exc).__name__})
            raise TipUnavailable("upload: could not be queued for checking; confirm it again") from None
        return media


def public_thread(messages: list[TipMessageRecord], media: list[TipMediaRecord]) -> list[dict[str, Any]]:
    by_id = {m.media_id: m for m in media}
    out = []
    for msg in messages:
        out.append(
            {
                "at": msg.at,
                "sender": "you" if msg.direction == "in" else "investigator",
                "text": msg.body,
                "attachments": [
                    {
                        "media_id": mid,
                        "state": by_id[mid].state if mid in by_id else "unknown",
                        "reason": by_id[mid].reason if mid in by_id else None,
                    }
                    for mid in msg.media_ids or []
                ],
            }
        )
    return out


def _save_inbound(
    tx: TransactWrite, code: str, mkey: str, message_id: str, at: str, text: str, media: list[TipMediaRecord]
) -> None:
    """The tipster's web message and its pending media items, into the caller's transaction."""
    tx.save(
        TipMessageRecord(
            code,
            mkey,
            message_id=message_id,
            at=at,
            direction="in",
            channel="web",
            body=text,
            media_ids=[m.media_id for m in media],
        )
    )
    for m in media:
        tx.save(m)
