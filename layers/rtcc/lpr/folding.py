"""Folding repeated hits: a parked car passes a fixed reader every few seconds, and a cruiser
behind a stolen car reads it on every frame; officers need one alert, not forty.

A hit for the same plate, reader and hotlist entry within the window (default 300 s) of the
hit that was raised folds into it (counted, not raised). The window is fixed from the raised
hit, not sliding: a vehicle still being read after the window raises again, so a car that
stays in view is reported every window rather than never again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rtcc.lpr.model import Hit

DEFAULT_WINDOW = timedelta(seconds=300)

FoldKey = tuple[str, str, str, str]  # candidate plate, reader, list id, entry id


def fold_key(hit: Hit) -> FoldKey:
    return (hit.candidate, hit.read.camera_id or "", hit.entry.list_id, hit.entry.entry_id)


@dataclass
class Fold:
    """A raised hit and what folded into it."""

    hit: Hit
    raised_at: datetime
    folded: int = 0
    last_seen: datetime | None = None


@dataclass
class HitFolder:
    """Decides, hit by hit, whether to raise it or fold it into a raised one. Memory is bounded
    by the hits raised within one window: older folds are dropped as time moves on."""

    window: timedelta = DEFAULT_WINDOW
    _open: dict[FoldKey, Fold] = field(default_factory=dict)
    _order: deque[tuple[datetime, FoldKey]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValueError("window: must be positive")

    def add(self, hit: Hit) -> bool:
        """True when the hit is to be raised; False when it folded into one raised within the
        window (reads arriving out of order fold too when within the window either side)."""
        at, key = hit.read.seen_at, fold_key(hit)
        self._expire(at)
        fold = self._open.get(key)
        if fold is not None and abs(at - fold.raised_at) < self.window:
            fold.folded += 1
            fold.last_seen = max(fold.last_seen or at, at)
            return False
        self._open[key] = Fold(hit, at, last_seen=at)
        self._order.append((at, key))
        return True

    def fold_of(self, hit: Hit) -> Fold | None:
        """The open fold the hit belongs to, if any."""
        return self._open.get(fold_key(hit))

    def _expire(self, now: datetime) -> None:
        while self._order and now - self._order[0][0] >= self.window:
            raised_at, key = self._order.popleft()
            fold = self._open.get(key)
            if fold is not None and fold.raised_at == raised_at:
                del self._open[key]
