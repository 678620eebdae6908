"""The read payloads `POST /ingest/lpr/reads` accepts, as pydantic models, field by field.

Three families, told apart by rtcc.lpr.reads (never by guessing from field overlap):

- OpenALPR / Rekor webhooks (`data_type` "alpr_group", "alpr_results", "heartbeat"): the
  vendor's own shape (../shared/reference-data/lpr/); only the fields rtcc uses are declared,
  the rest (vehicle make, base64 crops, ...) is ignored and never kept.
- A Flock-style alert webhook (`event` "lpr_alert"): a shape rtcc defines (below), in the
  camelCase style of Flock's hotlist alerts, for vendors that push one alert per read.
- The generic read: rtcc's own shape for any other integration (everything else).

Every float refuses NaN and infinity (Python's json module reads the literals `NaN` and
`Infinity`, and 1e999 overflows to inf): a confidence or a position that is not a number
must be refused naming its field, not compared, stored or mapped. Strings are bounded so
an item cannot carry megabytes into a stored read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

#: A recogniser's top-N list is at most this long: OpenALPR's `requested_topn` is 10 by
#: default; the matcher looks up every candidate, so a longer list costs lookups, not hits.
MAX_CANDIDATES = 20
#: Plates are at most 10 characters once separators go (rtcc.lpr.plates); 32 leaves room
#: for separators and still keeps junk short.
PlateText = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=128)]
#: An image reference is shown to officers, maybe as a link: an https or s3 URL, or an
#: opaque id with no scheme at all, so no "javascript:" or "data:" reference is stored.
ImageRef = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=1024, pattern=r"^(?:(?:https|s3)://[^\s<>\"'`]+|[^\s<>\"'`:]+)$"
    ),
]
#: OpenALPR's frame ids double as image references: the same no-scheme rule applies.
FrameId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\s<>\"'`:]+$")]
#: Epoch milliseconds between 1970 and 2286: a larger number is not a time.
EpochMs = Annotated[int, Field(ge=0, le=9_999_999_999_999)]
Confidence100 = Annotated[float, Field(ge=0, le=100)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class _Vendor(BaseModel):
    # A vendor's payload carries much rtcc does not use: ignore it, keep nothing of it.
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


class _Ours(BaseModel):
    # Shapes rtcc defines: an unknown field is a mistake the sender should hear about.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


# --- OpenALPR / Rekor ------------------------------------------------------------------------
class AlprCandidate(_Vendor):
    plate: PlateText
    confidence: Confidence100 | None = None


class AlprGroup(_Vendor):
    """One vehicle seen over several frames (`alpr_group`)."""

    data_type: Literal["alpr_group"]
    best_uuid: FrameId  # the best frame's id: the read id, and the agent's key to its image
    camera_id: int | Ident
    epoch_start: EpochMs  # when the vehicle was first seen
    best_plate_number: PlateText
    best_confidence: Confidence100 | None = None
    best_region: str | None = Field(None, max_length=16)  # "us-mo": country-state
    candidates: list[AlprCandidate] = Field(default_factory=list, max_length=MAX_CANDIDATES)
    gps_latitude: Latitude | None = None
    gps_longitude: Longitude | None = None


class AlprResult(_Vendor):
    plate_index: int = Field(0, ge=0)
    plate: PlateText
    confidence: Confidence100 | None = None
    region: str | None = Field(None, max_length=16)
    candidates: list[AlprCandidate] = Field(default_factory=list, max_length=MAX_CANDIDATES)


class AlprResults(_Vendor):
    """One frame's plates (`alpr_results`): each result is a read."""

    data_type: Literal["alpr_results"]
    uuid: FrameId  # the frame's id; a read is (uuid, plate_index)
    camera_id: int | Ident
    epoch_time: EpochMs
    results: list[AlprResult] = Field(max_length=MAX_CANDIDATES)


class AlprVideoStream(_Vendor):
    camera_id: int | Ident
    is_streaming: bool = True


class AlprHeartbeat(_Vendor):
    """An agent's periodic status (`heartbeat`): each streaming camera is alive."""

    data_type: Literal["heartbeat"]
    agent_uid: Ident
    timestamp: EpochMs
    video_streams: list[AlprVideoStream] = Field(default_factory=list, max_length=64)


# --- the Flock-style alert webhook (rtcc's definition) ---------------------------------------
class FlockCamera(_Ours):
    id: Ident = Field(description="The camera's id in the vendor's system")
    name: str | None = Field(None, max_length=128, description="Its display name (not kept)")
    latitude: Latitude | None = Field(None, description="WGS84 degrees, with longitude or not at all")
    longitude: Longitude | None = None


class FlockHotlist(_Ours):
    name: str | None = Field(None, max_length=128)
    reason: str | None = Field(None, max_length=256)


class FlockAlert(_Ours):
    """A vendor's alert on one read. rtcc matches reads against its own hotlists, so the
    vendor's `hotlist` is accepted for the sender's convenience and not trusted or kept."""

    event: Literal["lpr_alert"] = Field(description='Always "lpr_alert": tells this shape apart')
    alertId: Ident = Field(description="The vendor's id for the alert: the read id (de-duplicates)")
    timestamp: AwareDatetime = Field(description="When the plate was seen, ISO 8601 with an offset")
    plate: PlateText = Field(description="The plate as recognised")
    plateState: str | None = Field(None, max_length=8, description="Two-letter state/province code")
    confidence: float | None = Field(None, ge=0, le=1, description="0..1 (stored as 0..100)")
    camera: FlockCamera
    imageUrl: ImageRef | None = Field(None, description="The vendor's image link; rtcc keeps no image")
    hotlist: FlockHotlist | None = None


# --- the generic read (rtcc's own shape) -----------------------------------------------------
class GenericCandidate(_Ours):
    plate: PlateText = Field(description="One of the recogniser's guesses")
    confidence: Confidence100 | None = Field(None, description="0..100")


class GenericRead(_Ours):
    """One read from any integration that is not a vendor shape above."""

    read_id: Ident = Field(description="The sender's id for this read; a repeat is stored once")
    plate: PlateText = Field(description="The best guess, A-Z and 0-9 (spaces, dashes, dots ignored)")
    state: str | None = Field(None, max_length=8, description="Two-letter US state/territory/CA province")
    confidence: Confidence100 | None = Field(None, description="0..100, as the recogniser reports it")
    candidates: list[GenericCandidate] = Field(
        default_factory=list,
        max_length=MAX_CANDIDATES,
        description="The other guesses, best first (matched as well as the plate)",
    )
    source: Ident | None = Field(
        None,
        description="Optional: the source id the sender believes it is; must equal the source the "
        "request authenticated as (a payload cannot speak for another source)",
    )
    camera_id: Ident = Field(description="The reader (fixed or mobile) that saw the plate")
    time: AwareDatetime = Field(description="When the plate was seen, ISO 8601 with an offset")
    lat: Latitude | None = Field(None, description="WGS84 degrees, given with lon or not at all")
    lon: Longitude | None = Field(None, description="WGS84 degrees, given with lat or not at all")
    image_ref: ImageRef | None = Field(None, description="The sender's reference to its image")


__all__ = [
    "AlprGroup",
    "AlprHeartbeat",
    "AlprResults",
    "FlockAlert",
    "GenericRead",
]
