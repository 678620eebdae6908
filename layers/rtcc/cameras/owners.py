"""Camera owners' contacts and one-time codes: the rules, free of AWS.

- A phone is kept in E.164 (rtcc.alerts.numbers, the program's country), an email lowercased;
  either is sealed (KMS, context = the owner id) and found again only by its keyed hash
  (`contact_mac`: KMS HMAC of "rtcc-cameras/contact\\0<channel>\\0<value>"), never in clear.
- A code is 6 digits from `secrets`, kept as SHA-256(salt + code) with a random salt, good for
  `CODE_MINUTES` and `CODE_ATTEMPTS` tries; the 10^6 codes make a stolen hash guessable
  offline, which is why it lives minutes and the table is readable by the api and the
  verifier only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Literal, Protocol

from rtcc.errors import Invalid

Channel = Literal["phone", "email"]
CHANNELS: tuple[str, ...] = ("phone", "email")
CODE_MINUTES = 15
CODE_ATTEMPTS = 5
#: A pending owner (no contact verified yet) lapses after this, with what it wrote.
PENDING_HOURS = 24
CONTACT_PREFIX = b"rtcc-cameras/contact\x00"
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


@dataclass(frozen=True)
class OwnerContact:
    owner_id: str
    phone: str | None
    email: str | None
    phone_verified: bool
    email_verified: bool
    language: str
    status: str
    name: str | None = None


class Mac(Protocol):
    def mac(self, message: bytes) -> bytes: ...


class Sealer(Protocol):
    def seal(self, plaintext: str, context: str) -> bytes: ...

    def unseal(self, ciphertext: bytes, context: str) -> str: ...


def normalise_phone(raw: str) -> str:
    from rtcc.alerts.numbers import normalise_number
    from rtcc.alerts.settings import alerts_settings

    # The program's country, as the alerts signup reads it: codes go out on the same line.
    return normalise_number(raw, region=alerts_settings().region)


def normalise_email(raw: str) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    if len(value) > 254 or not _EMAIL.match(value):
        raise Invalid("not an email address", field="email")
    return value.lower()


def contact_mac(mac: Mac, channel: str, value: str) -> str:
    """The lookup key of a normalised contact (hex)."""
    return mac.mac(CONTACT_PREFIX + f"{channel}\x00{value}".encode()).hex()


def seal_contact(
    sealer: Sealer, context: str, name: str | None, phone: str | None, email: str | None
) -> bytes:
    return sealer.seal(json.dumps({"name": name, "phone": phone, "email": email}), context)


def open_contact(sealer: Sealer, context: str, ciphertext: bytes) -> dict:
    return json.loads(sealer.unseal(ciphertext, context))


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}\x00{code}".encode()).hexdigest()


def code_matches(salt: str, stored: str, given: str) -> bool:
    return hmac.compare_digest(code_hash(salt, given), stored)


def new_owner_id() -> str:
    return f"own-{secrets.token_hex(8)}"


def new_camera_id() -> str:
    return f"cam-{secrets.token_hex(6)}"
