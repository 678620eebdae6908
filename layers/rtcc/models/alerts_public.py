"""API models of the public alerts signup (`/api/public/alerts`): what the `/signup` and
`/alerts/manage` pages send and get back. No answer carries a number, and no answer to a
signup says anything about the number's state."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SIGNUP_STATUS = "check your phone"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ZoneOut(BaseModel):
    id: str
    name: str
    kind: str = Field(description="ward, precinct, neighborhood, zip, ...")
    outline: dict[str, Any] | None = Field(
        description="GeoJSON geometry (lon, lat); null for a ZIP code without a shape"
    )


class ZonesOut(BaseModel):
    program: str = Field(description="The program's name, as the confirmation text names it")
    zones: list[ZoneOut]
    categories: list[str] = Field(description="Categories offered; empty: every alert, whatever its category")
    tiers: list[str] = Field(description="Emergency always reaches every subscriber; the others are chosen")


class PreferencesIn(_Strict):
    zones: list[str] = Field(default_factory=list, max_length=50)
    zip: str | None = Field(None, max_length=10)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    categories: list[str] = Field(default_factory=list, max_length=20)
    tiers: list[str] = Field(default_factory=lambda: ["emergency", "advisory", "community"], max_length=3)
    language: str = Field("en", min_length=2, max_length=20)


class SignupIn(PreferencesIn):
    phone: str = Field(min_length=1, max_length=40)
    consent_text: str = Field(
        "",
        max_length=2000,
        description="Ignored (accepted for older pages): the consent evidence is the server's own "
        "catalog text of the disclosure, in the signup's language",
    )


class SignupOut(BaseModel):
    status: Literal["check your phone"] = SIGNUP_STATUS


class SubscriptionOut(BaseModel):
    status: Literal["pending", "active"]
    zones: list[str]
    categories: list[str]
    tiers: list[str]
    language: str


class DeletedOut(BaseModel):
    status: Literal["deleted"] = "deleted"
