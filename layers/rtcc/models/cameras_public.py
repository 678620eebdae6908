"""API models of the public camera registry (`/api/public/cameras`): what the `/cameras`
and `/cameras/owner` pages send. No answer carries a phone number, an email or a name."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rtcc.cameras.model import CameraType


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OwnerIn(_Strict):
    kind: Literal["resident", "business"]
    name: str | None = Field(None, max_length=120, description="A person's or business's name (sealed)")
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    language: Literal["en", "es"] = "en"


class VerifyIn(_Strict):
    channel: Literal["phone", "email"]
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code texted or emailed")


class CodeIn(_Strict):
    channel: Literal["phone", "email"]


class LinkIn(_Strict):
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)


class CameraIn(_Strict):
    name: str = Field(min_length=1, max_length=80)
    type: CameraType = "other"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    bearing_deg: int | None = Field(
        None, ge=0, le=359, description="Which way it faces, clockwise from north"
    )
    level: Literal["register", "integrate"] = "register"
    policy: Literal["request", "incident", "always"] = "request"


class PauseIn(_Strict):
    paused: bool
