"""The public camera registry's flows (rtcc.api.routes.cameras_public): registration, codes,
links sent again, and the owner portal behind a signed link. The AWS adapters come in
(rtcc.cameras.desk_wiring); nothing here logs a contact or a token.

- `register`: a pending owner with the contact sealed (the api can Encrypt only), and one
  code request per contact queued to `camera-verify`, which opens the contact, makes the
  code, keeps its hash and sends it. A pending owner lapses after `PENDING_HOURS`.
- `verify`: a code checked against its hash (attempts limited, expired 410); the first
  verified contact makes the owner active and answers a portal token.
- `request_link`: always accepted (202): the contact, sealed under a one-off ticket, goes to
  `camera-verify`, which texts a portal link only if it is a verified owner's. The answer and
  the api's work are the same whatever the contact, so nothing tells who is registered.
- the portal: cameras added inside the city boundary (422 outside), edited, deleted, paused;
  "delete everything" deletes the owner, every camera and cell item, codes, contact lookups
  and receipts, and asks for each integrated camera's stream to be deleted.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from rtcc.cameras import owner_links
from rtcc.cameras import owners as rules
from rtcc.cameras.geometry import distance_m
from rtcc.cameras.model import CameraSpot
from rtcc.errors import Conflict, Gone, Invalid, NotFound, Throttled
from rtcc.store.camera_registry import CameraContactCodeRecord, CameraOwnerRecord

CODE_QUEUE = "camera-verify-codes"
DAY_S = 86_400
#: Codes one owner may be sent in 24 h, both channels together.
CODES_PER_DAY = 5
#: The city-wide counter of new owners (rtcc.alerts.signup_limits' counters, by key).
REGISTRATIONS_KEY = "camera-registrations"
#: Every camera of an owner stands within this of the owner's first camera: one site each.
SITE_RADIUS_M = 300


class Queue(Protocol):
    def __call__(self, message: dict) -> None: ...


class StreamRequests(Protocol):
    def __call__(self, camera_id: str, action: str) -> None:
        """Ask for an integrated camera's video stream to be created or deleted."""
        ...


@dataclass
class CameraDesk:
    owners: Any  # rtcc.cameras.owners_dynamodb.OwnerBook
    cameras: Any  # rtcc.cameras.registry_dynamodb (module)
    receipts: Any  # rtcc.cameras.receipts.ReceiptBook
    sealer: rules.Sealer
    codes: Queue
    streams: StreamRequests
    inside: Callable[[float, float], bool]
    audit: Callable[[str, str, dict], None]  # (action, owner id, detail): no contact in it
    counters: Any = None  # rtcc.alerts.signup_limits.WindowCounters: registrations, codes
    registrations_per_day: int = 200
    link_hours: int = 72
    clock: Callable[[], float] = time.time

    # --- registration ------------------------------------------------------------------
    def register(
        self, kind: str, name: str | None, phone: str | None, email: str | None, language: str
    ) -> tuple[str, list[str]]:
        contacts = {
            "phone": rules.normalise_phone(phone) if phone else None,
            "email": rules.normalise_email(email) if email else None,
        }
        channels = [c for c in rules.CHANNELS if contacts[c]]
        if not channels:
            raise Invalid("give a phone number or an email address", field="phone")
        owner_id, now = rules.new_owner_id(), self.clock()
        # The city's cap on new owners a day: a flood of made-up owners posing across the
        # city to receive police requests stops here (owners are not vetted; README).
        if not self.counters.take(REGISTRATIONS_KEY, self.registrations_per_day, DAY_S, now):
            raise Throttled("the city takes no more camera registrations today; try tomorrow", field="kind")
        sealed = rules.seal_contact(
            self.sealer, owner_id, (name or "").strip() or None, contacts["phone"], contacts["email"]
        )
        record = CameraOwnerRecord(
            owner_id,
            kind=kind,
            language=language,
            status="pending",
            sealed_contact=sealed,
            channels=channels,
            verified=[],
            contact_macs=[],
            camera_ids=[],
            created_at=now,
            expires=_at(now + rules.PENDING_HOURS * 3600),
        )
        self.audit("camera.owner.register", owner_id, {"kind": kind, "channels": channels})
        self.owners.create_pending(record)
        for channel in channels:
            self._code(owner_id, channel, now)
        return owner_id, channels

    def verify(self, owner_id: str, channel: str, code: str) -> str:
        owner = self.owners.get(owner_id)
        if owner is None:
            raise NotFound("no such registration (it lapses after a day unverified)", field="owner_id")
        stored: CameraContactCodeRecord | None = self.owners.get_code(owner_id, channel)
        if stored is None:
            raise NotFound("no code was sent for this channel", field="channel")
        if stored.expires is not None and stored.expires.timestamp() <= self.clock():
            raise Gone("the code has expired; ask for a new one", field="code")
        # The attempt is spent first and atomically; only a spent attempt is compared, so
        # parallel guesses compare at most CODE_ATTEMPTS codes (never one per read of "5 left").
        left = self.owners.spend_attempt(stored)
        if left is None:
            raise Throttled("too many wrong codes; ask for a new one", field="code")
        if not rules.code_matches(stored.salt, stored.code_hash, code):
            raise Invalid(f"wrong code ({left} tries left)", field="code")
        self.audit("camera.owner.verify", owner_id, {"channel": channel})
        self.owners.verified(owner, channel, stored.contact_mac, stored)
        return owner_links.issue(owner_id, "portal", self.link_hours)

    def resend_code(self, owner_id: str, channel: str) -> None:
        """A new code for a contact not yet proven: a pending owner's, or an active owner's
        second contact (the owner page's code form). A proven contact never gets one: anyone
        knowing an owner id could otherwise text that owner at will."""
        owner = self.owners.get(owner_id)
        if owner is None or channel not in (owner.channels or []):
            raise NotFound("no such registration or channel", field="channel")
        if channel in (owner.verified or []):
            raise Conflict("this contact is confirmed already", field="channel")
        self._code(owner_id, channel, self.clock())

    def _code(self, owner_id: str, channel: str, now: float) -> None:
        # At most CODES_PER_DAY codes per owner (both channels) in 24 h; camera-verify also
        # holds each contact to the SMS line's limits.
        if not self.counters.take(f"camera-codes#{owner_id}", CODES_PER_DAY, DAY_S, now):
            raise Throttled(f"at most {CODES_PER_DAY} codes a day; try tomorrow", field="channel")
        self.codes({"kind": "code", "owner_id": owner_id, "channel": channel, "at": now})

    def request_link(self, phone: str | None, email: str | None) -> None:
        channel, value = (
            ("phone", rules.normalise_phone(phone))
            if phone
            else ("email", rules.normalise_email(email or ""))
        )
        ticket = f"link-{secrets.token_hex(8)}"
        sealed = self.sealer.seal(json.dumps({"channel": channel, "value": value}), ticket)
        self.codes(
            {
                "kind": "link",
                "ticket": ticket,
                "sealed": base64.b64encode(sealed).decode(),
                "at": self.clock(),
            }
        )

    # --- the portal ----------------------------------------------------------------------
    def owner(self, token: str | None) -> CameraOwnerRecord:
        owner_id = owner_links.verify(token, "portal")
        owner = self.owners.get(owner_id)
        if owner is None or owner.status == "pending":
            raise Gone("this registration no longer exists", field="token")
        return owner

    def portal(self, token: str | None) -> dict:
        owner = self.owner(token)
        return {
            "owner": _owner_out(owner),
            "cameras": [camera_out(s) for s in self.cameras.cameras_of(owner.owner_id)],
            "receipts": [r.as_dict() for r in self.receipts.of_owner(owner.owner_id, 100)],
        }

    def add_camera(self, token: str | None, body: dict) -> CameraSpot:
        owner = self.owner(token)
        self._inside(body["lat"], body["lon"])
        self._on_site(owner, None, body["lat"], body["lon"])
        status = "paused" if owner.status == "paused" else "registered"
        spot = CameraSpot(
            rules.new_camera_id(),
            owner.owner_id,
            body["name"],
            body["lat"],
            body["lon"],
            body.get("bearing_deg"),
            body["level"],
            body["policy"],
            status,
            None,
            body.get("type") or "other",
        )
        self.audit(
            "camera.create",
            owner.owner_id,
            {"camera_id": spot.camera_id, "level": spot.level, "policy": spot.policy},
        )
        self.cameras.create_camera(spot, self.clock())
        if spot.level == "integrate":
            self.streams(spot.camera_id, "create")
        return spot

    def update_camera(self, token: str | None, camera_id: str, body: dict) -> CameraSpot:
        owner = self.owner(token)
        before = self.cameras.spot_of(self._own_camera(owner, camera_id))
        self._inside(body["lat"], body["lon"])
        self._on_site(owner, camera_id, body["lat"], body["lon"])
        fields = {
            "name": body["name"],
            "lat": body["lat"],
            "lon": body["lon"],
            "bearing_deg": body.get("bearing_deg"),
            "level": body["level"],
            "policy": body["policy"],
            "camera_type": body.get("type") or "other",
        }
        detail = {"camera_id": camera_id, "level": body["level"], "policy": body["policy"]}
        self.audit("camera.update", owner.owner_id, detail)
        # Applied to the camera as it is when written (a stream recorded meanwhile is kept).
        spot = self.cameras.change_camera(camera_id, lambda current: replace(current, **fields))
        if spot is None:
            raise NotFound("no such camera of yours", field="camera_id")
        if spot.level != before.level:
            self.streams(camera_id, "create" if spot.level == "integrate" else "delete")
        return spot

    def delete_camera(self, token: str | None, camera_id: str) -> None:
        owner = self.owner(token)
        self._own_camera(owner, camera_id)
        self.audit("camera.delete", owner.owner_id, {"camera_id": camera_id})
        old = self.cameras.remove_camera(camera_id, list(owner.camera_ids or []))
        if old is not None and old.level == "integrate":
            self.streams(camera_id, "delete")

    def pause(self, token: str | None, paused: bool) -> str:
        owner = self.owner(token)
        status = "paused" if paused else "active"
        self.audit("camera.owner.pause" if paused else "camera.owner.resume", owner.owner_id, {})
        self.owners.set_status(owner.owner_id, status)
        self.cameras.set_status_all(
            list(owner.camera_ids or []),
            lambda s: (
                "paused" if paused else ("live" if s.stream_name and s.level == "integrate" else "registered")
            ),
        )
        return status

    def delete_everything(self, token: str | None) -> dict:
        owner = self.owner(token)
        self.audit("camera.owner.delete", owner.owner_id, {"cameras": len(owner.camera_ids or [])})
        deleted = 0
        for camera_id in list(owner.camera_ids or []):
            old = self.cameras.remove_camera(camera_id, None)  # the owner's item goes below, list and all
            if old is None:
                continue
            deleted += 1
            if old.level == "integrate":
                self.streams(camera_id, "delete")
        receipts = self.receipts.forget_owner(owner.owner_id)
        self.owners.forget(owner)
        return {"deleted": True, "cameras": deleted, "receipts": receipts}

    def _own_camera(self, owner: CameraOwnerRecord, camera_id: str) -> Any:
        record = self.cameras.get_record(camera_id) if camera_id in (owner.camera_ids or []) else None
        if record is None or record.owner_id != owner.owner_id:
            raise NotFound("no such camera of yours", field="camera_id")
        return record

    def _on_site(self, owner: CameraOwnerRecord, camera_id: str | None, lat: float, lon: float) -> None:
        """One site per owner: the place within SITE_RADIUS_M of the owner's first camera (the
        first camera moved: every other one within that of its new place). Someone posing as
        owners across the city would need a registration per site (capped a day)."""
        ids = list(owner.camera_ids or [])
        if not ids or ids == [camera_id]:
            return
        if camera_id == ids[0]:
            others = [s for s in self.cameras.cameras_of(owner.owner_id) if s.camera_id != camera_id]
        else:
            first = self.cameras.get_camera(ids[0])
            others = [first] if first is not None else []
        if any(distance_m(lat, lon, s.lat, s.lon) > SITE_RADIUS_M for s in others):
            raise Invalid(
                f"all of an owner's cameras stand at one site (within {SITE_RADIUS_M} m of the first); "
                "register another site separately",
                field="lat",
            )

    def _inside(self, lat: float, lon: float) -> None:
        if not self.inside(lat, lon):
            raise Invalid("the place is outside the city's boundary", field="lat")


def _at(epoch: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC)


def _owner_out(owner: CameraOwnerRecord) -> dict:
    # What the portal shows of the owner: never the contact (the api cannot open it anyway).
    return {
        "owner_id": owner.owner_id,
        "kind": owner.kind,
        "language": owner.language,
        "status": owner.status,
        "channels": list(owner.channels or []),
        "verified": list(owner.verified or []),
    }


def camera_out(spot: CameraSpot) -> dict:
    return {
        "camera_id": spot.camera_id,
        "name": spot.name,
        "type": spot.camera_type,
        "lat": spot.lat,
        "lon": spot.lon,
        "bearing_deg": spot.bearing_deg,
        "level": spot.level,
        "policy": spot.policy,
        "status": spot.status,
    }
