"""API models of the officers' incidents routes (`/api/incidents`). Values are checked by the
domain (rtcc.cameras.incidents, 400 naming the field); these models fix the shape and types."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: StrictFloat | StrictInt = Field(
        description="WGS84 latitude of the incident (where the map was tapped)"
    )
    lon: StrictFloat | StrictInt = Field(description="WGS84 longitude")
    type: str = Field(
        min_length=1, max_length=64, description="What happened, e.g. 'Burglary', 'Law:Robbery'"
    )
    notes: str | None = Field(None, max_length=2000, description="Officers' notes (never in the live feed)")
