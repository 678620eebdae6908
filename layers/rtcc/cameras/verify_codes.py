"""The consumer side of registration (function `camera-verify`, queue `camera-verify-codes`):
one-time codes and portal links sent to owners, away from the internet-facing api, which
holds no SMS key, opens no contact and cannot hash one.

Messages (queued by rtcc.cameras.desk):
- {"kind": "code", "owner_id", "channel", "at"}: the owner's contact opened (KMS Decrypt, the
  owner id as context), a fresh code made, its salted hash kept (15 minutes, 5 tries) with the
  contact's keyed hash (verification writes the lookup), and the code sent. At most one code
  a minute per contact: a repeat within it sends nothing. A pending owner first claims its
  contact (`claim_pending`): while another pending registration holds that contact, the new
  one's code is not sent ("pending-elsewhere"; the api answered 201 all the same, since it
  cannot hash contacts and a 409 would tell anyone which numbers have a registration).
- {"kind": "link", "ticket", "sealed", "at"}: a "send me my link" contact opened, its keyed
  hash looked up; only a verified contact of an active or paused owner gets a portal link.

The registration page and the link form are public: anyone can type anyone's number. So every
code and link is counted before it is sent, with the alerts signup's limits
(rtcc.alerts.signup_limits, same counters, same SMS line): per contact (its keyed hash) at
most 3 in 24 h, and the line's city-wide hourly breaker, shared with alerts signups. Past
either, nothing is sent ("capped"/"breaker"); a send that fails for now gives the count back.

Texts go from the alerts number (rtcc.alerts.settings.line_number): it is the city's number
for texts residents asked for, with its STOP/HELP keywords and registration at the carriers;
the tip line is for anonymous two-way tips and must not mix with named registrations. Opt-outs
are kept under the line name "cameras" and the contact's keyed hash (a 21610 refusal records
one). Emails go through the platform's rtcc.email when the deployment names a sender.
Logged by outcome only, never a contact, a code or a token.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from rtcc.alerts.signup_limits import SignupLimits
from rtcc.cameras import owner_links
from rtcc.cameras import owners as rules
from rtcc.store.camera_registry import CameraContactCodeRecord

#: Messages older than this were redriven from the dead-letter queue: the person asked long ago.
MAX_AGE_S = 3600
#: A second code to the same contact within this is not sent.
RESEND_AFTER_S = 60


class Refused(Exception):
    """The provider will not deliver this to this contact, and trying again cannot help."""

    permanent = True


class Send(Protocol):
    def __call__(
        self, channel: str, address: str, sender_key: str, language: str, key: str, **values: Any
    ) -> None:
        """Send the catalog text `key` (and its subject, for email) to `address`."""
        ...


@dataclass
class CodeSender:
    owners: Any  # rtcc.cameras.owners_dynamodb.OwnerBook
    sealer: rules.Sealer
    mac: rules.Mac
    send: Send
    limits: SignupLimits
    link_hours: int = 72
    clock: Callable[[], float] = time.time

    def handle(self, message: dict) -> str:
        """The outcome, for logs and metrics only."""
        if self.clock() - float(message.get("at") or 0) > MAX_AGE_S:
            return "stale"
        if message.get("kind") == "code":
            return self._code(str(message["owner_id"]), str(message["channel"]))
        if message.get("kind") == "link":
            return self._link(str(message["ticket"]), base64.b64decode(message["sealed"]))
        raise ValueError("not a camera-verify message")

    def _code(self, owner_id: str, channel: str) -> str:
        owner = self.owners.get(owner_id)
        if owner is None or channel not in (owner.channels or []):
            return "gone"
        address = rules.open_contact(self.sealer, owner_id, owner.sealed_contact).get(channel)
        if not address:
            return "gone"
        now = self.clock()
        previous = self.owners.get_code(owner_id, channel)
        if previous is not None and now - float(previous.sent_at) < RESEND_AFTER_S:
            return "too-soon"
        mac = rules.contact_mac(self.mac, channel, address)
        until = now + rules.PENDING_HOURS * 3600
        if owner.status == "pending" and not self.owners.claim_pending(mac, owner_id, until):
            return "pending-elsewhere"  # one live registration per contact: no second stream of texts
        refused = self.limits.refusal(mac, now)
        if refused:
            return refused
        code, salt = rules.new_code(), secrets.token_hex(8)
        self.owners.save_code(
            CameraContactCodeRecord(
                f"{owner_id}#{channel}",
                code_hash=rules.code_hash(salt, code),
                salt=salt,
                attempts_left=rules.CODE_ATTEMPTS,
                contact_mac=mac,
                sent_at=now,
                expires=datetime.fromtimestamp(now + rules.CODE_MINUTES * 60, UTC),
            )
        )
        lang, minutes = owner.language, rules.CODE_MINUTES
        return self._send(
            channel, address, mac, lang, "cameras.code", "code-sent", code=code, minutes=minutes
        )

    def _link(self, ticket: str, sealed: bytes) -> str:
        contact = json.loads(self.sealer.unseal(sealed, ticket))
        channel, address = contact["channel"], contact["value"]
        mac = rules.contact_mac(self.mac, channel, address)
        owner_id = self.owners.find(mac)
        owner = self.owners.get(owner_id) if owner_id else None
        if owner is None or owner.status == "pending" or channel not in (owner.verified or []):
            return "not-registered"
        refused = self.limits.refusal(mac, self.clock())
        if refused:
            return refused
        link = owner_links.link_url(owner_links.issue(owner.owner_id, "portal", self.link_hours))
        hours = self.link_hours
        return self._send(
            channel, address, mac, owner.language, "cameras.portal", "link-sent", link=link, hours=hours
        )

    def _send(
        self, channel: str, address: str, mac: str, lang: str, key: str, outcome: str, **values: Any
    ) -> str:
        """Sent: `outcome`. A refusal no retry changes (opted out, not a mobile number: a
        permanent verdict, rtcc.sms.errors) is "refused", and the message is done; any other
        error goes up, and SQS delivers the message again."""
        try:
            self.send(channel, address, mac, lang, key, **values)
        except Exception as exc:
            verdict = getattr(exc, "verdict", None)
            if getattr(exc, "permanent", False) or getattr(verdict, "permanent", False):
                return "refused"
            self.limits.give_back(mac, self.clock())  # counted again when SQS redelivers it
            raise
        return outcome
