"""Tips that carry a place (web tips where the tipster dropped a pin) as an operations-map
layer (rtcc.map_layers). The open tips are read as the inbox lists them (newest activity
first, at most `LIMIT`), and those inside the box drawn. A tip's place is a read of the tip:
the layer read is audited (`tip.map`: the box asked for and the codes of the tips shown, so
a later question "who looked at tip X's place" has an answer). No text, no alias: the console
opens a tip at #/tips/<code> (itself audited) for the rest.

The pin is a tipster's place (often where they live or work), so the map shows it coarsened
to `DECIMALS` decimal degrees: a fixed grid of ~111 m north-south and ~80 m east-west at
this latitude (a block, not a house). A fixed grid rather than random jitter: jitter
averages out over repeated reads, a grid answers the same every time. The box is matched
against the coarsened point too: matching the exact one would let a shrinking box find it."""

from __future__ import annotations

from typing import Any

from rtcc.audit import AuditEvent, AuditLog
from rtcc.lpr.geocells import BBox
from rtcc.map_layers import point

#: Open tips read per layer request (each status's Query is bounded by it).
LIMIT = 200
_OPEN = ("new", "triaged", "assigned")
#: Decimal degrees a tip's pin is rounded to on the map (~100 m; see the module's doc).
DECIMALS = 3


def coarse(lat: float, lon: float) -> tuple[float, float]:
    return round(lat, DECIMALS), round(lon, DECIMALS)


def tips_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.tips.adapters import default_ports
    from rtcc.tips.inbox import TipFilter, TipInbox

    ports = default_ports()
    inbox = TipInbox(ports.store, ports.queues)
    tips = [t for status in _OPEN for t in inbox.list(TipFilter(status=status, limit=LIMIT)).tips]
    placed = [(t, coarse(t.latitude, t.longitude)) for t in tips if t.has_location]
    placed = [(t, at) for t, at in placed if bbox.contains(*at)]
    box = [bbox.south, bbox.west, bbox.north, bbox.east]
    AuditLog().append(
        AuditEvent(
            actor=principal.username,
            role=principal.primary_role,
            action="tip.map",
            target="tips",
            detail={"results": len(placed), "bbox": box, "codes": [t.code for t, _ in placed]},
        )
    )
    return [
        point(
            *at,
            {
                "code": t.code,
                "status": t.status,
                "priority": t.priority,
                "category": t.category,
                "created_at": t.created_at,
            },
            t.code,
            DECIMALS,
        )
        for t, at in placed
    ]
