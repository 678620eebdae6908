"""The video capability's operations-map layer (rtcc.map_layers): integrated cameras that saw
motion lately (`RTCC_VIDEO_MOTION_RECENT_S`), only those whose owners share live at any time
(policy "always", not paused): a camera shared on request or during incidents only must not
become a motion sensor on the officers' map. Cameras in the box through the registry's locator
(`in_box`: the cells the box covers, bounded), their last events by key (BatchGetItem)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rtcc.lpr.geocells import BBox
from rtcc.map_layers import MAX_FEATURES, point


def motion_layer(principal: Any, bbox: BBox) -> list[dict[str, Any]]:
    from rtcc.cameras.incidents import iso
    from rtcc.cameras.incidents_dynamodb import camera_locator
    from rtcc.video.motion import is_recent
    from rtcc.video.motion_dynamodb import motion_book
    from rtcc.video.settings import video_settings

    spots = camera_locator().in_box(bbox, MAX_FEATURES + 1)
    shared = [s for s in spots if s.level == "integrate" and s.policy == "always" and s.status != "paused"]
    last = motion_book().last_of([s.camera_id for s in shared]) if shared else {}
    now, recent = datetime.now(UTC), timedelta(seconds=video_settings().motion_recent_s)
    features = []
    for spot in shared:
        event = last.get(spot.camera_id)
        if event is not None and is_recent(event, now, recent):
            seen = {"camera_id": spot.camera_id, "name": spot.name, "motion_at": iso(event.at)}
            features.append(point(spot.lat, spot.lon, {**seen, "motion_score": event.score}, spot.camera_id))
    return features
