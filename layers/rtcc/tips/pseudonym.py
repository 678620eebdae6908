"""The tipster's identity as the system knows it: a keyed MAC of the phone number.

A MAC rather than a plain hash: phone numbers are few enough (10^7-10^8 in a city's area
codes) that an unkeyed hash is reversed by enumeration in seconds. The key is a KMS HMAC
key (`GenerateMac`): its material never leaves KMS, and the key policy lets only the
webhook's role use it, so no other function, and no one reading Secrets Manager, can
turn a number into a pseudonym to look it up (infra/constructs/tips.py).
"""

from __future__ import annotations

import hashlib

from rtcc.tips.ports import TipMac


def normalize_number(number: str) -> str:
    """Twilio sends E.164 ('+16505551234'); keep '+' and digits so format noise cannot
    split one tipster into two pseudonyms."""
    cleaned = "".join(ch for ch in number.strip() if ch.isdigit() or ch == "+")
    return cleaned


def pseudonym_for(number: str, mac: TipMac) -> str:
    normalized = normalize_number(number)
    if not normalized.strip("+"):
        raise ValueError("not a phone number")
    return "p_" + mac.mac(normalized.encode("ascii")).hex()


def receipt_key(message_sid: str, mac: TipMac) -> str:
    """The key a Twilio MessageSid's receipt is stored under. Keyed, like the pseudonym:
    a SID is not secret, but Twilio (or its logs) maps it to the sender's number, so a
    table of SIDs would be a table of leads to numbers. Only the webhook computes it, so
    it shares the webhook's MAC key; the prefix keeps these MACs apart from pseudonyms
    (a number never starts with a letter)."""
    return "r_" + mac.mac(b"twilio-message-sid:" + message_sid.encode("ascii")).hex()


def media_id_prefix(receipt: str) -> str:
    """What an MMS's media ids start with (then `-<index>`): derived from the message's
    receipt key, so a redelivered webhook names the same items (and the duplicate lookup
    finds them by this prefix), but opaque: an id shown to officers must not lead to the
    MessageSid, whose record at Twilio holds the sender's number. A hash of the keyed
    hash rather than the receipt key itself, so an id does not name the receipt either."""
    return "m_" + hashlib.sha256(b"tip-media:" + receipt.encode("ascii")).hexdigest()[:32]
