"""The queue consumers' work: notifying an owner (footage-notify), taking a clip in as evidence
(evidence-intake) and exporting a case (evidence-export).

Chain of custody: each step that touches a clip appends an audit entry naming the clip, its
S3 version and SHA-256 (received, refused, exported), so the log alone says which exact bytes
arrived when and left in which export. Every step is safe to run twice (SQS delivers at least
once): a notice claimed once, an evidence item moved on only from the state it expects, an
export written only while queued.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from datetime import datetime, timedelta
from typing import Any

from rtcc.audit import AuditEvent, AuditLog
from rtcc.cameras import evidence, evidence_s3, footage
from rtcc.cameras import footage_dynamodb as db
from rtcc.cameras.settings import cameras_settings
from rtcc.errors import Conflict
from rtcc.sms.errors import classify

CUSTODY = "chain of custody"
#: An export's record lives as long as its zip (the bucket's `Exports` lifecycle rule: 7 days).
EXPORT_KEPT = timedelta(days=7)
#: The most clip bytes one export zips: the zip is written to the function's /tmp (10 GiB,
#: evidence-export's ephemeral storage), with room left for the zip's own headers.
EXPORT_MAX_BYTES = 9 * 1024 * evidence.MIB


def custody(actor: str, action: str, target: str, case_number: str, detail: dict[str, Any]) -> None:
    AuditLog().append(AuditEvent(actor, "system", action, target, CUSTODY, case_number, detail=detail))


def parse(body: str, *names: str) -> dict[str, str]:
    """A queue message naming records by id; ValueError for anything else."""
    try:
        data = json.loads(body)
        values = {name: data[name] for name in names}
    except (ValueError, KeyError, TypeError):
        raise ValueError("not a message of this queue") from None
    if not all(isinstance(v, str) and 0 < len(v) <= 200 for v in values.values()):
        raise ValueError("not a message of this queue")
    return values


# --- footage-notify ------------------------------------------------------------------------
def request_text(case_number: str, agency: str, link: str, language: str) -> str:
    """The text an owner gets: who asks, the case, the link. No place, no reason (a lock screen
    shows texts to anyone holding the phone); the page behind the link says the rest."""
    if language == "es":
        return f"{agency} solicita video de su cámara para el caso {case_number}. Ver y responder: {link}"
    return f"{agency} asks for footage from your camera for case {case_number}. See and answer: {link}"


def notify_owner(request_id: str, owner_id: str, sms: Any, from_: str, base_url: str, now: datetime) -> str:
    """The outcome counted: "sms", "email", "unreachable", "already", "gone", "expired"."""
    from rtcc.cameras import owner_links
    from rtcc.cameras.owners_dynamodb import owner_contact

    try:
        record, notice = db.get_request(request_id), db.get_notice(request_id, owner_id)
    except Exception:  # noqa: BLE001 - a NotFound: nothing to notify
        return "gone"
    if footage.notice_state(notice.status, notice.expires_at, now) != "pending":
        return "expired" if notice.status == "pending" else "already"
    if not db.claim_notification(notice, now):
        return "already"
    contact = owner_contact(owner_id)
    hours = max(1, int((datetime.fromisoformat(record.expires_at) - now) / timedelta(hours=1)) + 1)
    token = owner_links.issue(owner_id, f"request:{request_id}", hours)
    link = f"{base_url.rstrip('/')}/cameras/request#t={token}&r={request_id}"
    text = request_text(record.case_number, record.agency, link, getattr(contact, "language", "en") or "en")
    try:
        channel = _deliver(contact, text, sms, from_, record.case_number)
    except Exception as error:
        if getattr(error, "permanent", False) or classify(error).permanent:
            db.notified(notice, "refused")
            return "refused"
        db.release_notification(notice)
        raise RuntimeError("footage notice not sent: retried") from None
    db.notified(notice, channel)
    return channel


def _deliver(contact: Any, text: str, sms: Any, from_: str, case_number: str) -> str:
    """A verified phone first (a text is read soonest), else a verified email; else nobody."""
    if contact is not None and contact.phone and contact.phone_verified:
        sms.send(contact.phone, from_, text)
        return "sms"
    sender = cameras_settings().email_from
    if contact is not None and contact.email and contact.email_verified and sender:
        from rtcc.email.gateway import email_gateway

        language = contact.language if contact.language in ("en", "es") else "en"
        subject = (
            f"Solicitud de video, caso {case_number}"
            if language == "es"
            else f"Footage request, case {case_number}"
        )
        email_gateway(sender).send(contact.email, subject, text, language=language)
        return "email"
    return "unreachable"


# --- evidence-intake -----------------------------------------------------------------------
def take_in(case_number: str, evidence_id: str, actor: str, now: datetime) -> str:
    """Hash and sniff an arrived clip; "received", "refused" or "already"."""
    item = db.get_evidence(case_number, evidence_id)
    if item.status != "arrived":
        return "already"
    reader = evidence.HashingReader()
    for chunk in evidence_s3.read_version(item.s3_key, str(item.version_id)):
        reader.update(chunk)
    kind = evidence.sniff(reader.head)
    refused = None
    if not evidence.is_accepted_video(kind):
        refused = f"not a video this program takes ({kind})"
    elif reader.size > cameras_settings().max_clip_mb * evidence.MIB:
        refused = f"larger than {cameras_settings().max_clip_mb} MiB"
    detail = {
        "evidence": evidence_id,
        "key": item.s3_key,
        "version_id": item.version_id,
        "sha256": reader.hexdigest(),
        "size": reader.size,
        "content_type": kind,
        "request": item.request_id,
    }
    action = "evidence.refused" if refused else "evidence.received"
    custody(actor, action, evidence_id, case_number, {**detail, **({"refused": refused} if refused else {})})
    try:
        db.step_evidence(
            item,
            "arrived",
            version=str(item.version_id),  # never record this hash on another version's item
            status="refused" if refused else "received",
            sha256=reader.hexdigest(),
            size=reader.size,
            content_type=kind,
            refused=refused,
            received_at=now.isoformat(),
            received_by=actor,
        )
    except Conflict:
        return "already"
    if not refused:
        _uploaded_receipt(item)
    return "refused" if refused else "received"


def _uploaded_receipt(item: Any) -> None:
    from rtcc.cameras.footage_service import record_receipts

    record_receipts(db.get_request(item.request_id), [item.owner_id], "uploaded", item.camera_id)


# --- evidence-export -----------------------------------------------------------------------
class NotTakenIn(Exception):
    """A clip whose bytes now differ from the SHA-256 intake recorded: the export stops."""

    def __init__(self, item: Any, digest: str) -> None:
        super().__init__(item.evidence_id)
        self.item, self.digest = item, digest


def _refuse_export(export: Any, error: NotTakenIn, actor: str, now: datetime) -> str:
    """Nothing leaves: the export fails, and the custody log says which clip and both hashes."""
    item = error.item
    detail = {
        "evidence": item.evidence_id,
        "key": item.s3_key,
        "version_id": item.version_id,
        "sha256_at_intake": item.sha256,
        "sha256_read": error.digest,
    }
    return _fail_export(export, detail, actor, now)


def _fail_export(export: Any, detail: dict, actor: str, now: datetime) -> str:
    custody(actor, "evidence.export.refused", export.export_id, export.case_number, detail)
    export.update(
        actions=[
            type(export).status.set("failed"),
            type(export).done_at.set(now.isoformat()),
            type(export).expires.set(now + EXPORT_KEPT),
        ],
        condition=type(export).status == "queued",
    )
    return "refused"


def _zip_case(items: list[Any], path: str, case_number: str, export_id: str, now: datetime) -> dict:
    """The zip at `path`: each clip as stored, manifest.json, its KMS signature and public key.
    Returns the manifest's files, its SHA-256 and the signing key's fingerprint (custody)."""
    from rtcc.cameras.evidence_signature import KmsManifestSigner, fingerprint, signed_parts

    files = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for item in items:
            # Ids, not the owner's file name (it may name them): the zip and its custody entry.
            member = f"evidence/{item.evidence_id.replace('#', '_')}.{evidence.extension(item.content_type)}"
            reader = evidence.HashingReader()
            with archive.open(member, "w", force_zip64=True) as out:
                for chunk in evidence_s3.read_version(item.s3_key, str(item.version_id)):
                    reader.update(chunk)
                    out.write(chunk)
            if reader.hexdigest() != item.sha256:
                raise NotTakenIn(item, reader.hexdigest())
            files.append(
                evidence.manifest_entry(member, item.attribute_values, reader.hexdigest(), reader.size)
            )
        manifest = {
            "case_number": case_number,
            "export_id": export_id,
            "created_at": now.isoformat(),
            "files": files,
        }
        raw = json.dumps(manifest, indent=2).encode()
        archive.writestr(evidence.MANIFEST, raw)
        parts = signed_parts(KmsManifestSigner(), raw)
        for name, data in parts.items():
            archive.writestr(name, data)
    return {
        "files": files,
        "manifest_sha256": hashlib.sha256(raw).hexdigest(),
        "key_fingerprint": fingerprint(parts[evidence.PUBLIC_KEY]),
    }


def export_case(case_number: str, export_id: str, actor: str, now: datetime) -> str:
    """Zip the case's received clips with their signed manifest to exports/ (ready to download)."""
    export = db.get_export(case_number, export_id)
    if export.status != "queued":
        return "already"
    items = [e for e in db.evidence_of(case_number) if e.status == "received"]
    total = sum(int(e.size or 0) for e in items)
    if total > EXPORT_MAX_BYTES:  # the zip would not fit in the function's /tmp: say so, write nothing
        detail = {"reason": "too large", "bytes": total, "max_bytes": EXPORT_MAX_BYTES}
        return _fail_export(export, detail, actor, now)
    handle, path = tempfile.mkstemp(suffix=".zip", dir=tempfile.gettempdir())
    os.close(handle)
    try:
        try:
            zipped = _zip_case(items, path, case_number, export_id, now)
        except NotTakenIn as error:
            return _refuse_export(export, error, actor, now)
        files = zipped["files"]
        reader = evidence.HashingReader()
        with open(path, "rb") as file:
            while chunk := file.read(evidence.MIB):
                reader.update(chunk)
        key = evidence_s3.export_key(case_number, export_id)
        version = evidence_s3.put_export(path, key)
    finally:
        os.unlink(path)
    custody(
        actor,
        "evidence.exported",
        export_id,
        case_number,
        {
            "key": key,
            "version_id": version,
            "sha256": reader.hexdigest(),
            "manifest_sha256": zipped["manifest_sha256"],
            "signing_key_fingerprint": zipped["key_fingerprint"],
            "files": [
                {"file": f["file"], "sha256": f["sha256"], "version_id": f["version_id"]} for f in files
            ],
        },
    )
    # No link stored: each download is signed afresh by the audited route (footage_service.export_download).
    export.update(
        actions=[
            type(export).status.set("ready"),
            type(export).s3_key.set(key),
            type(export).version_id.set(version),
            type(export).sha256.set(reader.hexdigest()),
            type(export).files.set(len(files)),
            type(export).done_at.set(now.isoformat()),
            type(export).expires.set(now + EXPORT_KEPT),
        ],
        condition=type(export).status == "queued",
    )
    return "ready"
