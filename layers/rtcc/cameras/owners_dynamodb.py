"""Camera owners in DynamoDB and their contacts under the cameras' KMS keys.

- `KmsContactSealer`: Encrypt (api) / Decrypt (camera-verify, footage-notify: the key policy
  names no one else) under the cameras vault key, context {"camera-owner": <owner id>};
- `KmsContactMac`: GenerateMac under the contact lookup key (camera-verify only: the api,
  which reads the lookups, cannot hash numbers to match them);
- `OwnerBook`: the owner, contact lookup and code items.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from rtcc.cameras.owners import OwnerContact, open_contact
from rtcc.cameras.registry_dynamodb import transaction
from rtcc.cameras.settings import cameras_settings
from rtcc.errors import Conflict
from rtcc.store.base import is_expired
from rtcc.store.camera_registry import CameraContactCodeRecord, CameraOwnerContactRecord, CameraOwnerRecord

#: A pending registration's claim on its contact, in the lookup table beside verified lookups.
PENDING_PREFIX = "pending#"
#: The encryption context key every sealed contact is bound to (the key policy requires it).
CONTEXT_KEY = "camera-owner"


class KmsContactSealer:
    def __init__(self) -> None:
        from rtcc.aws_clients import client

        self._kms = client("kms")

    def seal(self, plaintext: str, context: str) -> bytes:
        key = cameras_settings().vault_key_id
        out = self._kms.encrypt(
            KeyId=key, Plaintext=plaintext.encode(), EncryptionContext={CONTEXT_KEY: context}
        )
        return bytes(out["CiphertextBlob"])

    def unseal(self, ciphertext: bytes, context: str) -> str:
        key = cameras_settings().vault_key_id
        out = self._kms.decrypt(
            CiphertextBlob=ciphertext, EncryptionContext={CONTEXT_KEY: context}, KeyId=key
        )
        return bytes(out["Plaintext"]).decode()


class KmsContactMac:
    def __init__(self) -> None:
        from rtcc.aws_clients import client

        self._kms = client("kms")

    def mac(self, message: bytes) -> bytes:
        key = cameras_settings().contact_key_id
        out = self._kms.generate_mac(KeyId=key, Message=message, MacAlgorithm="HMAC_SHA_256")
        return bytes(out["Mac"])


def _code_key(owner_id: str, channel: str) -> str:
    return f"{owner_id}#{channel}"


class OwnerBook:
    def create_pending(self, record: CameraOwnerRecord) -> None:
        record.save(condition=CameraOwnerRecord.owner_id.does_not_exist())

    def get(self, owner_id: str) -> CameraOwnerRecord | None:
        try:
            record = CameraOwnerRecord.get(owner_id, consistent_read=True)
        except DoesNotExist:
            return None
        return None if is_expired(record) else record

    def save_code(self, code: CameraContactCodeRecord) -> None:
        code.save()  # a new code replaces the previous one, attempts and all

    def get_code(self, owner_id: str, channel: str) -> CameraContactCodeRecord | None:
        try:
            return CameraContactCodeRecord.get(_code_key(owner_id, channel), consistent_read=True)
        except DoesNotExist:
            return None

    def spend_attempt(self, code: CameraContactCodeRecord) -> int | None:
        """One attempt spent BEFORE the code is compared (an atomic ADD -1 while any are left,
        on the code read): the attempts left after it, or None when none were left or a new
        code came meanwhile. Parallel guesses cannot all pass a read of "5 left"."""
        rec = CameraContactCodeRecord
        try:
            code.update(  # ALL_NEW: `code` holds the count as written
                [rec.attempts_left.add(-1)],
                condition=(rec.attempts_left > 0) & (rec.code_hash == code.code_hash),
            )
        except UpdateError:
            return None
        return int(code.attempts_left)

    def claim_pending(self, mac: str, owner_id: str, until: float) -> bool:
        """This pending owner's claim on a contact (item "pending#<keyed hash>"): False while
        another owner's registration holding it is still pending (a live one per contact)."""
        claim = CameraOwnerContactRecord(f"{PENDING_PREFIX}{mac}", owner_id=owner_id)
        key = CameraOwnerContactRecord
        try:
            claim.save(condition=key.contact_mac.does_not_exist() | (key.owner_id == owner_id))
            return True
        except PutError:
            pass
        holder = self.find(f"{PENDING_PREFIX}{mac}")
        other = self.get(holder) if holder else None
        if other is not None and other.status == "pending":
            return False
        claim.save()  # the holder verified, lapsed or left: the claim is free
        return True

    def verified(
        self, owner: CameraOwnerRecord, channel: str, mac: str, code: CameraContactCodeRecord
    ) -> None:
        """The contact proven: the owner active with it verified, its lookup item, the code
        gone; one transaction. Conflict when that contact belongs to another owner."""
        rec = CameraOwnerRecord
        actions = [
            rec.status.set("active" if owner.status == "pending" else owner.status),
            rec.expires.remove(),
        ]
        if channel not in (owner.verified or []):  # a second code for a proven contact adds nothing
            actions += [rec.verified.set(rec.verified.append([channel]))]
        if mac not in (owner.contact_macs or []):
            actions += [rec.contact_macs.set(rec.contact_macs.append([mac]))]
        lookup = CameraOwnerContactRecord(mac, owner_id=owner.owner_id)
        free = CameraOwnerContactRecord.contact_mac.does_not_exist() | (
            CameraOwnerContactRecord.owner_id == owner.owner_id
        )
        try:
            with transaction() as tx:
                tx.update(owner, actions, condition=rec.owner_id.exists())
                tx.save(lookup, condition=free)
                # The attempts spent first (spend_attempt): a code whose last try was spent
                # by a parallel guess before this one read it still must not pass.
                codes = CameraContactCodeRecord
                tx.delete(code, condition=(codes.code_hash == code.code_hash) & (codes.attempts_left >= 0))
                tx.delete(CameraOwnerContactRecord(f"{PENDING_PREFIX}{mac}"))  # the claim, done
        except TransactWriteError:
            raise Conflict(
                "this contact already belongs to a registered owner: ask for a link to your cameras instead",
                field="code",
            ) from None

    def find(self, mac: str) -> str | None:
        try:
            return CameraOwnerContactRecord.get(mac, consistent_read=True).owner_id
        except DoesNotExist:
            return None

    def set_status(self, owner_id: str, status: str) -> None:
        CameraOwnerRecord(owner_id).update(
            [CameraOwnerRecord.status.set(status)], condition=CameraOwnerRecord.owner_id.exists()
        )

    def forget(self, owner: CameraOwnerRecord) -> None:
        """The owner, its contact lookups and its codes, for good."""
        for mac in owner.contact_macs or []:
            # Only a lookup still naming this owner (a conditional delete: never another's).
            if self.find(mac) == owner.owner_id:
                lookup = CameraOwnerContactRecord(mac)
                lookup.delete(condition=CameraOwnerContactRecord.owner_id == owner.owner_id)
        for channel in ("phone", "email"):
            CameraContactCodeRecord(_code_key(owner.owner_id, channel)).delete()
        owner.delete()


def owner_contact(owner_id: str) -> OwnerContact | None:
    """The owner's contact opened (KMS Decrypt): only camera-verify and footage-notify may."""
    owner = OwnerBook().get(owner_id)
    if owner is None:
        return None
    contact = open_contact(KmsContactSealer(), owner_id, owner.sealed_contact)
    verified = set(owner.verified or [])
    return OwnerContact(
        owner_id=owner_id,
        phone=contact.get("phone"),
        email=contact.get("email"),
        phone_verified="phone" in verified,
        email_verified="email" in verified,
        language=owner.language,
        status=owner.status,
        name=contact.get("name"),
    )
