"""Tips that carry a place (web tips where the tipster dropped a pin) as an operations-map
layer (rtcc.map_layers). The open tips are read as the inbox lists them (newest activity
first, at most `LIMIT`), and those inside the box drawn. A tip's place is a read of the tip:
the layer read is audited as the inbox's searches and summaries are (`tip.map`, with how
many it showed, never where). No text, no alias: the console opens a tip at #/tips/<code>."""

from __future__ import annotations

from typing import Any

from rtcc.audit import AuditEvent, AuditLog
from rtcc.lpr.geocells import BBox
from rtcc.map_layers import point

#: Open tips read per layer request (each status's Query is bounded by it).
LIMIT = 200
_OPEN = ("new", "triaged", "assigned")


def tips_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.tips.adapters import default_ports
    from rtcc.tips.inbox import TipFilter, TipInbox

    ports = default_ports()
    inbox = TipInbox(ports.store, ports.queues)
    tips = [t for status in _OPEN for t in inbox.list(TipFilter(status=status, limit=LIMIT)).tips]
    placed = [t for t in tips if t.has_location and bbox.contains(t.latitude, t.longitude)]
    AuditLog().append(
        AuditEvent(
            actor=principal.username,
            role=principal.primary_role,
            action="tip.map",
            target="tips",
            detail={"results": len(placed)},
        )
    )
    return [
        point(
            t.latitude,
            t.longitude,
            {
                "code": t.code,
                "status": t.status,
                "priority": t.priority,
                "category": t.category,
                "created_at": t.created_at,
            },
            t.code,
        )
        for t in placed
    ]
