"""Today's hotlist hits at their reader, as an operations-map layer (rtcc.map_layers).

A hit is drawn where its FIXED reader stands (the reader's registered position, read by key
with one BatchGetItem of the readers today's hits name), never where a mobile reader was:
a patrol car's path is not shown on a map. No plate, no hotlist entry: the list's name, the
priority, the match kind and the time; the console opens the hit at #/lpr/hits/<id>
(role-checked and audited). Today's list is the watch view, not audited (as GET /api/lpr/hits).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rtcc.lpr.geocells import BBox
from rtcc.map_layers import MAX_FEATURES, point


def _fixed_readers(keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float, str]]:
    from rtcc.store.lpr_sources import LprReaderRecord

    if not keys:
        return {}
    found = {}
    for r in LprReaderRecord.batch_get(sorted(keys)):
        if r.kind == "fixed" and r.lat is not None and r.lon is not None:
            found[(r.source_id, r.camera_id)] = (float(r.lat), float(r.lon), r.name)
    return found


def hits_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.lpr.hits_dynamodb import DynamoReviewStore

    hits = DynamoReviewStore().day(datetime.now(UTC).strftime("%Y-%m-%d"), limit=MAX_FEATURES)
    docs = [h.document for h in hits if h.document.get("camera_id")]
    readers = _fixed_readers({(d["source_id"], d["camera_id"]) for d in docs})
    out = []
    for d in docs:
        where = readers.get((d["source_id"], d["camera_id"]))
        if where is None or not bbox.contains(where[0], where[1]):
            continue
        props = {
            "hit_id": d["hit_id"],
            "list_name": d.get("list_name"),
            "priority": d.get("priority"),
            "kind": d.get("kind"),
            "seen_at": d.get("seen_at"),
            "reader_name": where[2],
        }
        out.append(point(where[0], where[1], props, d["hit_id"]))
    return out
