"""The deployment config: ONE TOML file a city edits, validated before anything is built.

The path comes from the cdk context value `config` (`cdk synth -c config=city.toml`),
else the `RTCC_DEPLOY_CONFIG` environment variable, else the committed example.
A bad value stops synth with `config error: <field>: <problem>` and a non-zero exit,
so a typo in a phone number never reaches CloudFormation.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Literal

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "infra" / "city.example.toml"
CONFIG_ENV_VAR = "RTCC_DEPLOY_CONFIG"


#: rtcc.settings' local placeholder SID: a deployed stack with it could send no SMS at all.
PLACEHOLDER_TWILIO_SID = "AC" + "0" * 32

#: Supervisors texted about a priority tip. The list travels in the reply function's
#: environment (Lambda allows 4 KB for all variables), and each alert is one SMS per number.
MAX_SUPERVISOR_NUMBERS = 20

#: The city cameras reach camera-streams as one JSON variable (Lambda: 4 KB for all of them).
MAX_CITY_CAMERAS_BYTES = 2048

# The only retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class ConfigError(Exception):
    """A config file that cannot be deployed; the message names the field."""


def _e164(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not an E.164 phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if formatted != value:
        raise ValueError(f"write it in E.164 form: {formatted}")
    return value


class _Strict(BaseModel):
    # An unknown key is almost always a typo of a known one: refuse it.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Camera(_Strict):
    """A city-owned camera: registered at deploy time (camera id `city-<id>`), with a Kinesis
    Video Stream of its own."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Stable id: lowercase, digits, dashes.")
    name: str = Field(min_length=1, max_length=120)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    bearing_deg: int | None = Field(
        None, ge=0, le=359, description="Which way it faces, degrees clockwise from north; unset: unknown."
    )


#: An SES identity: an address, or a domain (then mail comes from no-reply@ it).
_SES_IDENTITY = re.compile(r"^([^@\s<>\"]+@)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


class CameraProgram(_Strict):
    """The camera registry and footage requests (rtcc.cameras.settings reads the same values)."""

    request_max_radius_m: int = Field(
        800, ge=25, le=5000, description="Widest area (radius, metres) a footage request may cover."
    )
    request_max_hours: float = Field(
        12, gt=0, le=72, description="Longest time window (hours) a footage request may ask for."
    )
    requesters: Literal["officer", "supervisor"] = Field(
        "officer", description="The lowest role that may send footage requests."
    )
    max_clip_mb: int = Field(2048, ge=1, le=51_200, description="Largest clip (MiB) an owner may upload.")
    stream_retention_hours: int = Field(
        24,
        ge=1,
        le=8760,
        description="Hours Kinesis Video Streams keeps each camera's video (city and integrated cameras).",
    )
    evidence_lock_days: int = Field(
        365,
        ge=1,
        le=36_500,
        description="Days each evidence clip is locked against deletion (S3 Object Lock, governance mode).",
    )
    email_from: str | None = Field(
        None,
        description="The SES identity owners' codes and footage requests are emailed from: an address "
        "(`cameras@city.gov`) or a domain (`city.gov`: mail from no-reply@city.gov), verified in SES in "
        "the deploy region. Unset: no email is sent; owners register and are asked by SMS only.",
    )

    @field_validator("email_from")
    @classmethod
    def _identity(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _SES_IDENTITY.match(value.lower()) or len(value) > 254:
            raise ValueError(
                f"{value!r} is neither an email address (cameras@city.gov) nor a domain (city.gov) "
                "that SES can verify"
            )
        local, at, domain = value.rpartition("@")
        return f"{local}{at}{domain.lower()}"  # SES identities' domains are case-insensitive


class MapCenter(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    zoom: int = Field(13, ge=1, le=19)


class Retention(_Strict):
    tip_contact_days: int = Field(
        30,
        ge=0,
        le=3650,
        description="Days after a tip closes until the tipster's encrypted phone number is deleted "
        "(DynamoDB TTL on the contact vault; replies are impossible after that).",
    )
    closed_tip_days: int = Field(
        1095,
        ge=1,
        le=36500,
        description="Days after a tip closes until the tip, its thread and its media are deleted "
        "(the hourly retention sweep; each deletion is an audit entry). Reopening stops the clock.",
    )
    case_tip_days: int = Field(
        3650,
        ge=1,
        le=36500,
        description="The same for a closed tip linked to a case number (kept as long as the case file).",
    )
    media_days: int = Field(
        365, ge=1, description="Tip photos, videos and documents in S3 expire this long after upload."
    )
    audit_anchor_days: int = Field(
        2555,
        ge=1,
        le=36500,
        description="How long each published audit-chain head is locked against deletion (S3 Object Lock, "
        "compliance mode when deployed: no one, not even the account's root user, can shorten an "
        "anchor's lock; a new value applies to anchors published after it).",
    )


class Alerts(_Strict):
    zones_geojson: str | None = Field(
        None,
        description="GeoJSON FeatureCollection of the city's alert zones (wards, precincts, neighborhoods: "
        "each feature with an id, `properties.name` and `properties.kind`), relative to this file. "
        "Checked at synth: a broken polygon stops the deploy, naming the feature.",
    )
    zip_codes: tuple[str, ...] = Field(
        (), description="ZIP codes residents can text to opt in (`JOIN 01013`) and alerts can target."
    )
    signups_per_hour: int = Field(
        60,
        ge=0,
        description="Circuit breaker of the /signup page: texts (confirmations, manage links) signups may "
        "make the alerts line send in an hour, city-wide; past it signups are dropped, answered the same, "
        "and alarmed on. A number gets at most 3 such texts a day whatever this says. Keep it a small "
        "fraction of the line's rate (60/h is 1/60 of a 1 msg/s long code): these texts share the lane "
        "with alerts, each taking its turn from the same rate.",
    )
    place_index: str | None = Field(
        None,
        pattern=r"^[-._A-Za-z0-9]{1,100}$",
        description="Name of an Amazon Location Service place index (in this account and region) the "
        "/signup page's address search queries; the api function may call SearchPlaceIndexForText on "
        "that index only. Unset: no address search (pin, ZIP and list still work).",
    )
    cap_sender: str | None = Field(
        None,
        pattern=r"^[^\s,<&@]+@[^\s,<&@]+\.[^\s,<&@]+$",
        description="CAP <sender> of the public alert feed: a globally unique, email-style id with no "
        "spaces, commas, '<' or '&' (CAP 1.2 section 3.2.1). Unset: alerts@<domain_name>.",
    )
    sender_rate_per_second: float = Field(
        1.0,
        gt=0,
        le=1000,
        description="Messages per second the alerts number may send, shared by every dispatcher: its "
        "carrier lane (about 1 for a long code, 3 for toll-free, 100 for a short code; 10DLC by brand "
        "score). Also sizes the fan-out pages so each is sent within one dispatcher invocation.",
    )
    emergency_approval_required: bool = Field(
        False,
        description="Whether an Emergency alert waits (nothing sent, nothing on the public feeds) until a "
        "second supervisor or an admin approves it: one account alone cannot then text every subscriber "
        "in a zone. The example config turns it on; off, one supervisor sends an Emergency alone.",
    )

    @field_validator("zones_geojson")
    @classmethod
    def _zones_parse(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        from rtcc.alerts.zones import ZoneError, ZoneMap  # shapely: only when a city has zones

        path = Path(value)
        if not path.is_absolute():
            path = Path((info.context or {}).get("config_dir", Path.cwd())) / path
        try:
            ZoneMap.from_file(path)
        except ZoneError as exc:
            raise ValueError(str(exc)) from None
        return str(path.resolve())  # absolute: synth reads it again from wherever cdk runs

    @field_validator("zip_codes")
    @classmethod
    def _zips(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for i, code in enumerate(codes):
            if not re.fullmatch(r"\d{5}", code):
                raise ValueError(f"alerts.zip_codes.{i}: {code!r} is not a five-digit ZIP code")
        if len(set(codes)) != len(codes):
            raise ValueError("a ZIP code appears twice")
        return codes


class Lpr(_Strict):
    """License-plate reads: what a city decides (rtcc.lpr.settings reads the same values)."""

    purposes: tuple[str, ...] = Field(
        ("stolen vehicle", "missing person", "wanted person", "violent crime", "property crime"),
        min_length=1,
        max_length=30,
        description="The purposes an investigator picks from to search reads; each search names one and a "
        "case number, both audited, and /transparency publishes searches per purpose: letters and "
        "punctuation only (no digits, so no label can carry a case number), at most 60 characters.",
    )
    retention_preset: str = Field(
        "default",
        description="How long reads are kept: `default` (30 days), a state's preset (NH, ME, MN, TN, AR, VT: "
        "each cites its law in rtcc.lpr.retention) or `custom` (with retention_days, at most 365). Published "
        "on /transparency.",
    )
    retention_days: int | None = Field(
        None,
        ge=1,
        le=365,
        description="Days to keep reads: required with `custom`, or shorter than a preset's.",
    )
    hit_text_to: tuple[str, ...] = Field(
        (),
        max_length=MAX_SUPERVISOR_NUMBERS,
        description="E.164 numbers (the watch desk, on-duty supervisors) texted a hit on a list marked "
        "feed+sms; the text names the list and reader and links the console, never the plate.",
    )
    hit_text_from: str | None = Field(
        None, description="The number hit texts are sent from (unset: the alerts number)."
    )
    max_hotlist_mb: int = Field(
        200,
        ge=1,
        le=2048,
        description="Largest hotlist file an import accepts (the upload link refuses more).",
    )

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, purposes: tuple[str, ...]) -> tuple[str, ...]:
        from rtcc.lpr.transparency import NotAnonymous, check_purposes

        try:
            check_purposes(purposes)
        except NotAnonymous as exc:
            raise ValueError(str(exc)) from None
        if any("," in p for p in purposes):
            raise ValueError("a purpose may not hold a comma (the functions get the list comma-separated)")
        if len(set(purposes)) != len(purposes):
            raise ValueError("a purpose appears twice")
        return purposes

    @field_validator("hit_text_to")
    @classmethod
    def _numbers(cls, numbers: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for i, number in enumerate(numbers):
            try:
                out.append(_e164(number))
            except ValueError as exc:
                raise ValueError(f"hit_text_to.{i}: {exc}") from None
        if len(set(out)) != len(out):
            raise ValueError("a number appears twice (it would get every hit twice)")
        return tuple(out)

    @field_validator("hit_text_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return None if value is None else _e164(value)

    @model_validator(mode="after")
    def _retention(self) -> Lpr:
        from rtcc.lpr.retention import RetentionError, policy

        try:
            policy(self.retention_preset, self.retention_days)
        except RetentionError as exc:
            raise ValueError(str(exc)) from None
        return self


class DeployConfig(_Strict):
    city_name: str = Field(min_length=1, max_length=80)
    environment: Literal["deployed", "dev-sandbox"] = "deployed"
    account: str | None = Field(None, pattern=r"^\d{12}$")
    region: str = Field("us-east-1", pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    stack_name: str = Field("Rtcc", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
    resource_prefix: str = Field(
        "rtcc-", pattern=r"^[a-z][a-z0-9-]{0,30}$", description="Prefix of table and queue names."
    )
    domain_name: str | None = None
    certificate_arn: str | None = Field(None, pattern=r"^arn:aws[a-z-]*:acm:")
    public_base_url: str | None = Field(None, pattern=r"^https://[^/\s]+(/[^\s]*)?$")
    tip_line_number: str
    alert_number: str
    twilio_account_sid: str | None = Field(
        None, pattern=r"^AC[0-9a-f]{32}$", description="Required when environment = 'deployed'."
    )
    twilio_messaging_service_sid: str | None = Field(
        None,
        pattern=r"^MG[0-9a-f]{32}$",
        description="Twilio Messaging Service the SMS lines would send through (sender pool, Advanced "
        "Opt-Out). Refused while the tip line and the alerts line both exist (always, today): Twilio keeps "
        "opt-outs per service, so a STOP on one line would stop the other. Unset: each line sends from its "
        "own number.",
    )
    tips_supervisor_numbers: tuple[str, ...] = Field(
        (),
        description="On-duty supervisors' numbers (E.164) texted about priority tips.",
    )
    tips_sms_language: str | None = Field(
        None,
        description="The tip line's language for tipsters who chose none (an SMS catalog in "
        'layers/rtcc/catalogs, e.g. "es"); unset: English. Tipsters switch by texting ESPAÑOL / ENGLISH.',
    )
    cameras: tuple[Camera, ...] = Field(
        (), description="City-owned cameras (top-level [[cameras]]): each gets a Kinesis Video Stream."
    )
    camera_program: CameraProgram = CameraProgram()
    map_center: MapCenter | None = Field(None, description="Where the public tip page's map opens.")
    map_tiles: str | None = Field(
        None,
        pattern=r"^https://[A-Za-z0-9.-]+(:\d+)?/[^\s\"';]*$",
        description="URL template of the map tile server the /tip page loads pictures from, e.g. "
        "`https://tiles.city.example/{z}/{x}/{y}.png`. The server sees each tipster's internet address "
        "and the area they look at: use the city's own. Unset: no pictures, the map is a plain grid "
        "(the pin still works) and the page's CSP allows no image host.",
    )
    map_tiles_attribution: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Plain text credit shown on the map with those tiles, e.g. `© City GIS, OpenStreetMap "
        "contributors`.",
    )
    retention: Retention = Retention()
    alerts: Alerts = Alerts()
    lpr: Lpr = Lpr()
    alarm_email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    waf_rate_limit: int = Field(
        2000,
        ge=100,
        le=2_000_000_000,
        description="Requests per 5 minutes per client IP to what runs a function without a signed-in "
        "user (the public tip form's API, /config.json).",
    )
    waf_user_rate_limit: int = Field(
        2000,
        ge=100,
        le=2_000_000_000,
        description="Requests per 5 minutes per signed-in console (its token and IP) to the staff API. "
        "A console polls every 3 s: 100.",
    )
    waf_ip_ceiling: int = Field(
        20000,
        ge=100,
        le=2_000_000_000,
        description="Requests per 5 minutes per client IP over everything (webhooks included): room for "
        "~150 consoles behind one NAT or carrier IP.",
    )
    api_throttle_rate: float = Field(100, gt=0)
    api_throttle_burst: int = Field(200, gt=0)
    lambda_architecture: Literal["x86_64", "arm64"] = "arm64"
    mfa_required: bool | None = Field(None, description="Default: true when deployed.")
    log_retention_days: int = Field(365, ge=1)
    ses_from_email: str | None = Field(
        None,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Send Cognito's email (invitations, password resets) through Amazon SES from this "
        "verified address; unset: Cognito's own sender, limited to 50 emails a day.",
    )
    ses_from_name: str | None = Field(None, min_length=1, max_length=80)
    ses_verified_domain: str | None = Field(
        None,
        pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$",
        description="Set when the SES identity is the sender's domain rather than the address itself.",
    )

    @field_validator("tip_line_number", "alert_number")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _e164(value)

    @field_validator("tips_supervisor_numbers")
    @classmethod
    def _phones(cls, numbers: tuple[str, ...]) -> tuple[str, ...]:
        if len(numbers) > MAX_SUPERVISOR_NUMBERS:
            raise ValueError(
                f"at most {MAX_SUPERVISOR_NUMBERS} numbers (each priority tip texts every one of them)"
            )
        for i, number in enumerate(numbers):
            try:
                _e164(number)
            except ValueError as exc:
                raise ValueError(f"tips_supervisor_numbers.{i}: {exc}") from None
        if len(set(numbers)) != len(numbers):
            raise ValueError("a number appears twice (each would get every alert twice)")
        return numbers

    @field_validator("tips_sms_language")
    @classmethod
    def _sms_language(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from rtcc.i18n import sms_catalog

        languages = sms_catalog().languages
        if value.lower() not in languages:
            raise ValueError(f"{value!r} has no SMS catalog (layers/rtcc/catalogs: {', '.join(languages)})")
        return value.lower()

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str | None) -> str | None:
        # Twilio signs base URL + path; a doubled slash would fail every signature check.
        return url.rstrip("/") if url else url

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"CloudWatch Logs keeps logs for one of {', '.join(map(str, LOG_RETENTION_DAYS))} days"
            )
        return days

    @field_validator("cameras")
    @classmethod
    def _unique_camera_ids(cls, cameras: tuple[Camera, ...]) -> tuple[Camera, ...]:
        seen: set[str] = set()
        for cam in cameras:
            if cam.id in seen:
                raise ValueError(f"camera id {cam.id!r} appears twice")
            seen.add(cam.id)
        # camera-streams gets the list as one variable, and Lambda allows 4 KB for all of them.
        size = len(json.dumps([c.model_dump(exclude_none=True) for c in cameras], separators=(",", ":")))
        if size > MAX_CITY_CAMERAS_BYTES:
            raise ValueError(
                f"the city cameras take {size} bytes as JSON, more than the {MAX_CITY_CAMERAS_BYTES} "
                "camera-streams' environment has room for (shorter names, or fewer cameras)"
            )
        return cameras

    @model_validator(mode="before")
    @classmethod
    def _one_video_retention(cls, data: object) -> object:
        """Camera video has ONE retention, `camera_program.stream_retention_hours`. The older
        `retention.video_days` (which nothing read) is taken as that many days when it is
        alone, and refused next to the new one (two values, one of them silently ignored)."""
        retention = data.get("retention") if isinstance(data, dict) else None
        if not isinstance(retention, dict) or "video_days" not in retention:
            return data
        days, program = retention["video_days"], data.get("camera_program") or {}
        if isinstance(program, dict) and "stream_retention_hours" in program:
            raise ValueError(
                "retention.video_days: camera video's retention is camera_program.stream_retention_hours "
                "only; remove retention.video_days"
            )
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            raise ValueError(
                "retention.video_days: whole days from 1 to 365 (better: camera_program."
                "stream_retention_hours, in hours)"
            )
        program = {**(program if isinstance(program, dict) else {}), "stream_retention_hours": days * 24}
        rest = {k: v for k, v in retention.items() if k != "video_days"}
        return {**data, "retention": rest, "camera_program": program}

    @model_validator(mode="after")
    def _consistent(self) -> DeployConfig:
        if self.environment == "deployed" and self.mfa_required is False:
            raise ValueError(
                "mfa_required: cannot be false in a deployed environment (staff accounts need MFA)"
            )
        if self.environment == "deployed" and not self.twilio_account_sid:
            raise ValueError(
                "twilio_account_sid: required in a deployed environment (the Twilio console shows it; "
                "without it no SMS can be sent or media fetched)"
            )
        if self.environment == "deployed" and self.twilio_account_sid == PLACEHOLDER_TWILIO_SID:
            raise ValueError(
                "twilio_account_sid: that is the local placeholder; "
                "use your account's SID from the Twilio console"
            )
        if self.waf_ip_ceiling < max(self.waf_rate_limit, self.waf_user_rate_limit):
            raise ValueError(
                "waf_ip_ceiling: must be at least waf_rate_limit and waf_user_rate_limit "
                "(it counts every request from the address)"
            )
        if (self.ses_from_name or self.ses_verified_domain) and not self.ses_from_email:
            raise ValueError("ses_from_email: required when ses_from_name or ses_verified_domain is set")
        if self.ses_verified_domain and self.ses_from_email:
            domain = self.ses_from_email.rsplit("@", 1)[1].lower()
            if domain != self.ses_verified_domain:
                raise ValueError(
                    f"ses_verified_domain: ses_from_email is not an address of {self.ses_verified_domain}"
                )
        if self.map_tiles and not all(part in self.map_tiles for part in ("{z}", "{x}", "{y}")):
            raise ValueError("map_tiles: the URL template needs {z}, {x} and {y}")
        if self.map_tiles_attribution and not self.map_tiles:
            raise ValueError("map_tiles_attribution: set only with map_tiles")
        self._lines_apart()
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ValueError("domain_name: domain_name and certificate_arn go together (set both or neither)")
        return self

    def _lines_apart(self) -> None:
        """A STOP on one line never affects the other: Twilio keeps opt-outs per number, and per
        Messaging Service when lines share one, so the two lines may share neither."""
        if self.alert_number == self.tip_line_number:
            raise ValueError(
                "alert_number: must differ from tip_line_number (a STOP to the alerts would also "
                "stop the tip line's replies to tipsters, and alerts would land in tipsters' threads)"
            )
        if self.twilio_messaging_service_sid:
            raise ValueError(
                "twilio_messaging_service_sid: leave it unset; the tip line and the alerts line would "
                "share the service's opt-outs (a STOP to one number stops every line in the service), "
                "and each line sends from its own number without one"
            )

    @property
    def cap_sender(self) -> str | None:
        """The CAP feed's sender id; None when neither alerts.cap_sender nor domain_name is set."""
        if self.alerts.cap_sender:
            return self.alerts.cap_sender
        return f"alerts@{self.domain_name}" if self.domain_name else None

    @property
    def is_deployed(self) -> bool:
        return self.environment == "deployed"

    @property
    def mfa(self) -> bool:
        return self.is_deployed if self.mfa_required is None else self.mfa_required


def _format(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        problem = re.sub(r"^Value error, ", "", err["msg"])
        # Model-level checks name their field themselves ("mfa_required: ...").
        named = re.match(r"^([a-z_][\w.]*): (.*)$", problem, re.DOTALL)
        if named and (not field or named.group(1).startswith(f"{field}.")):
            field, problem = named.groups()
        lines.append(f"config error: {field or '(file)'}: {problem}")
    return "\n".join(lines)


def config_path(context_value: str | None = None) -> Path:
    raw = context_value or os.environ.get(CONFIG_ENV_VAR)
    path = Path(raw) if raw else DEFAULT_CONFIG
    return path if path.is_absolute() else (Path.cwd() / path)


def load_config(path: Path) -> DeployConfig:
    """Read and validate `path`; raises ConfigError with one line per bad field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config error: (file): {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config error: (file): {path} is not valid TOML: {exc}") from None
    try:
        # Paths in the file (alerts.zones_geojson) are relative to the file, not to where cdk runs.
        return DeployConfig.model_validate(data, context={"config_dir": path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(_format(exc)) from None
