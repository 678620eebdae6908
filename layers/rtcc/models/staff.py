"""Models of the staff account endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StaffAccess(BaseModel):
    username: str
    enabled: bool = Field(description="False: sign-in and token refresh are refused")
    sessions_revoked: bool = Field(
        description="True: every refresh token was revoked; ID tokens already issued stop working "
        "when they expire (5 minutes at most)"
    )
