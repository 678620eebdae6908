"""The shared reference data (Twilio's signature vectors, webhook examples, ...) lives
beside the repo in ../shared/reference-data, not in it: CI has it, a plain clone may not.
Tests find it through reference_path, which skips, naming what is missing, rather than
crash with FileNotFoundError."""

from __future__ import annotations

from pathlib import Path

import pytest

REFERENCE_DATA = Path(__file__).resolve().parents[2] / "shared" / "reference-data"


def reference_path(*parts: str) -> Path:
    """REFERENCE_DATA/<parts>, or a skip saying it is not in this clone."""
    path = REFERENCE_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{parts[-1]} is not in this clone: ../shared/reference-data/{'/'.join(parts)} (CI has it)"
        )
    return path
