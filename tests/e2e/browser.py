"""Browser settings and page helpers shared by the e2e tests and their fixtures."""

from __future__ import annotations

import os
from typing import Any

CHROMIUM = os.environ.get("RTCC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}

# A fixed zone and locale, so "shown in local time" can be checked exactly.
TIMEZONE = "Asia/Tokyo"  # UTC+9, no daylight saving
LOCALE = "en-US"


def nav_labels(page: Any) -> list[str]:
    return [label.strip() for label in page.locator("#nav a").all_inner_texts()]


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
