"""The footage-request part of the cameras capability's declaration (rtcc.cameras.capability
spreads these in): its functions and queues. Only names and numbers, like the declaration."""

from __future__ import annotations

from rtcc.capability import FunctionSpec, QueueSpec

FOOTAGE_FUNCTIONS = (
    # Tells an owner about a request (text from the alerts number, or email) with a link scoped
    # to it: the only footage function that opens owners' sealed contacts.
    FunctionSpec(
        "footage-notify",
        "functions.footage_notify",
        "cameras",
        memory_mb=256,
        timeout_s=30,
        description="Texts or emails a camera owner a footage request's signed link and case number",
    ),
    # A completed clip upload: streamed, SHA-256, container sniffed, recorded, chain of custody.
    FunctionSpec(
        "evidence-intake",
        "functions.evidence_intake",
        "cameras",
        memory_mb=512,
        timeout_s=900,
        description="Hashes and type-checks an uploaded clip; records the evidence and its custody entry",
    ),
    # A case's evidence zipped with its manifest of hashes; a short-lived link to it.
    FunctionSpec(
        "evidence-export",
        "functions.evidence_export",
        "cameras",
        memory_mb=1024,
        timeout_s=900,
        ephemeral_mb=10240,  # the zip is built in /tmp: Lambda's most (evidence_jobs.EXPORT_MAX_BYTES)
        description="Zips a case's evidence with manifest.json (SHA-256 per file) and links it (15 min)",
    ),
)
FOOTAGE_QUEUES = (
    QueueSpec(
        "footage-notices", "footage-notify", batch_size=10, visibility_timeout_s=60, max_receive_count=5
    ),
    QueueSpec(
        "evidence-arrivals", "evidence-intake", batch_size=1, visibility_timeout_s=960, max_receive_count=3
    ),
    QueueSpec(
        "evidence-exports", "evidence-export", batch_size=1, visibility_timeout_s=960, max_receive_count=3
    ),
)
