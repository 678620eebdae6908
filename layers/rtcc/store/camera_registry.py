"""Tables of the camera registry: owners, their contact lookup, cameras, the area index of
cameras, access receipts and one-time codes.

Every access is by key (no scans, no index on the hot path):
- `CameraOwnerRecord`, owner_id: kind, language, status, which contacts are verified, the
  KMS-sealed contact (name, phone, email: one ciphertext, context = owner_id), and the ids of
  the owner's cameras (an owner's cameras are read by BatchGetItem of these);
- `CameraOwnerContactRecord`, contact_mac (KMS HMAC of the normalised phone or email) ->
  owner_id: how a "send me my link again" finds a verified owner; written once verified;
- `CameraRecord`, camera_id: the camera as the owner described it;
- `CameraCellRecord`, (area = precision-6 geohash, key = "<precision-9 geohash>#<camera id>"):
  a copy of what a map or a nearest question shows, so a cell is one Query (a finer cell is a
  `begins_with` on the key; rtcc.cameras.cells). Written in the same transaction as its camera;
- `CameraReceiptRecord`, (owner_id, receipt_id in time order): who viewed or asked what;
- `CameraContactCodeRecord`, f"{owner_id}#{channel}": a one-time code's salted hash, attempts
  left and expiry (TTL; an expired item counts as gone on every read, rtcc.store.base).

A pending (never verified) owner carries a TTL and lapses with everything it wrote.
Registered through the cameras capability's `store_modules` (rtcc.cameras.capability).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from rtcc.store.base import register


@register
class CameraOwnerRecord(Model):
    class Meta:
        logical_name = "camera-owners"
        table_name = "camera-owners"

    owner_id = UnicodeAttribute(hash_key=True)  # "own-<16 hex>"
    kind = UnicodeAttribute()  # resident | business
    language = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | active | paused
    sealed_contact = BinaryAttribute(legacy_encoding=False)  # KMS ciphertext of {name, phone, email}
    channels = ListAttribute(of=UnicodeAttribute, default=list)  # contacts given: phone, email
    verified = ListAttribute(of=UnicodeAttribute, default=list)  # those proven by a code
    contact_macs = ListAttribute(of=UnicodeAttribute, default=list)  # lookup items to delete with it
    camera_ids = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = NumberAttribute()
    expires = TTLAttribute(null=True)  # a pending owner's lapse; none once verified


@register
class CameraOwnerContactRecord(Model):
    class Meta:
        logical_name = "camera-owner-contacts"
        table_name = "camera-owner-contacts"

    contact_mac = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()


@register
class CameraRecord(Model):
    class Meta:
        logical_name = "cameras"
        table_name = "cameras"

    camera_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    camera_type = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    bearing_deg = NumberAttribute(null=True)
    level = UnicodeAttribute()
    policy = UnicodeAttribute()
    status = UnicodeAttribute()
    stream_name = UnicodeAttribute(null=True)
    # When this stream_name was set (epoch s; None for cameras created with it): camera agents'
    # motion tokens are bound to it, so moving to Register and back voids the old agent's token.
    stream_since = NumberAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()


@register
class CameraCellRecord(Model):
    class Meta:
        logical_name = "camera-cells"
        table_name = "camera-cells"

    area = UnicodeAttribute(hash_key=True)  # precision-6 geohash
    key = UnicodeAttribute(range_key=True)  # f"{precision-9 geohash}#{camera_id}"
    camera_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    camera_type = UnicodeAttribute()
    lat = NumberAttribute()
    lon = NumberAttribute()
    bearing_deg = NumberAttribute(null=True)
    level = UnicodeAttribute()
    policy = UnicodeAttribute()
    status = UnicodeAttribute()
    stream_name = UnicodeAttribute(null=True)


@register
class CameraReceiptRecord(Model):
    class Meta:
        logical_name = "camera-receipts"
        table_name = "camera-receipts"

    owner_id = UnicodeAttribute(hash_key=True)
    receipt_id = UnicodeAttribute(range_key=True)  # f"{at}#{random}": in time order
    camera_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute()
    agency = UnicodeAttribute()
    case_number = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    at = UnicodeAttribute()  # ISO 8601, UTC


@register
class CameraContactCodeRecord(Model):
    class Meta:
        logical_name = "camera-contact-codes"
        table_name = "camera-contact-codes"

    code_key = UnicodeAttribute(hash_key=True)  # f"{owner_id}#{channel}"
    code_hash = UnicodeAttribute()  # SHA-256 of salt + code (hex)
    salt = UnicodeAttribute()
    attempts_left = NumberAttribute()
    contact_mac = UnicodeAttribute()  # the lookup item verification writes
    sent_at = NumberAttribute()
    expires = TTLAttribute()


CAMERA_REGISTRY_MODELS: tuple[type[Model], ...] = (
    CameraOwnerRecord,
    CameraOwnerContactRecord,
    CameraRecord,
    CameraCellRecord,
    CameraReceiptRecord,
    CameraContactCodeRecord,
)
