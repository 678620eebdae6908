"""The clip-export part of the video capability's declaration (rtcc.video.capability spreads
these in): its function and queue. Only names and numbers, like the declaration."""

from __future__ import annotations

from rtcc.capability import FunctionSpec, QueueSpec

CLIP_FUNCTIONS = (
    # A camera's range from its stream (GetClip) into the evidence bucket, hashed, recorded in
    # the case with its chain of custody (rtcc.video.clips_service).
    FunctionSpec(
        "video-clip",
        "functions.video_clip",
        "video",
        memory_mb=512,
        timeout_s=900,
        description="Saves a camera's recorded range to a case: GetClip to the evidence bucket, custody",
    ),
)
CLIP_QUEUES = (
    # One clip at a time; a delivery may take the function's whole 15 minutes (30 min of video).
    QueueSpec("video-clips", "video-clip", batch_size=1, visibility_timeout_s=960, max_receive_count=3),
)
