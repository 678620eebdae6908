"""The tipster's identity as the system knows it: a keyed HMAC of the phone number.

HMAC-SHA256 under a secret key (Secrets Manager when deployed) rather than a plain
hash: phone numbers are few enough that an unkeyed hash is reversed by enumeration.
"""

from __future__ import annotations

import hashlib
import hmac


def normalize_number(number: str) -> str:
    """Twilio sends E.164 ('+16505551234'); keep '+' and digits so format noise cannot
    split one tipster into two pseudonyms."""
    cleaned = "".join(ch for ch in number.strip() if ch.isdigit() or ch == "+")
    return cleaned


def pseudonym_for(number: str, key: bytes) -> str:
    if not key:
        raise ValueError("pseudonym key is empty")
    normalized = normalize_number(number)
    if not normalized.strip("+"):
        raise ValueError("not a phone number")
    return "p_" + hmac.new(key, normalized.encode("ascii"), hashlib.sha256).hexdigest()


def receipt_key(message_sid: str, key: bytes) -> str:
    """The key a Twilio MessageSid's receipt is stored under. Keyed, like the pseudonym:
    a SID is not secret, but Twilio (or its logs) maps it to the sender's number, so a
    table of SIDs would be a table of leads to numbers. The prefix keeps these HMACs
    apart from pseudonyms made with the same key (a number never starts with a letter)."""
    if not key:
        raise ValueError("pseudonym key is empty")
    digest = hmac.new(key, b"twilio-message-sid:" + message_sid.encode("ascii"), hashlib.sha256)
    return "r_" + digest.hexdigest()


def media_id_prefix(receipt: str) -> str:
    """What an MMS's media ids start with (then `-<index>`): derived from the message's
    receipt key, so a redelivered webhook names the same items (and the duplicate lookup
    finds them by this prefix), but opaque: an id shown to officers must not lead to the
    MessageSid, whose record at Twilio holds the sender's number. A hash of the keyed
    hash rather than the receipt key itself, so an id does not name the receipt either."""
    return "m_" + hashlib.sha256(b"tip-media:" + receipt.encode("ascii")).hexdigest()[:32]
