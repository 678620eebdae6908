"""rtcc.lpr.folding: the same plate, reader and entry within the window raise one hit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rtcc.lpr.folding import HitFolder
from rtcc.lpr.model import Hit, HotlistEntry, MatchKind, Read

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STOLEN = HotlistEntry("stolen", "e1", "ABC123")


def hit(seconds: float, camera: str = "cam-1", entry: HotlistEntry = STOLEN, plate: str = "ABC123") -> Hit:
    r = Read("src", f"r{seconds}", plate, T0 + timedelta(seconds=seconds), camera_id=camera)
    return Hit(r, entry, MatchKind.EXACT, plate, None)


def test_repeats_within_the_default_300_s_fold_into_the_raised_hit() -> None:
    folder = HitFolder()
    assert [folder.add(hit(s)) for s in (0, 10, 150, 299.9)] == [True, False, False, False]
    fold = folder.fold_of(hit(0))
    assert fold.folded == 3 and fold.last_seen == T0 + timedelta(seconds=299.9)


def test_the_window_is_fixed_from_the_raised_hit_so_a_car_in_view_raises_again() -> None:
    folder = HitFolder()
    assert [folder.add(hit(s)) for s in (0, 200, 300, 400, 600)] == [True, False, True, False, True]


def test_another_reader_entry_or_plate_is_its_own_hit() -> None:
    folder = HitFolder()
    amber = HotlistEntry("amber", "a1", "ABC123")
    assert folder.add(hit(0))
    assert folder.add(hit(1, camera="cam-2"))
    assert folder.add(hit(2, entry=amber))
    assert folder.add(hit(3, plate="A8C123"))
    assert not folder.add(hit(4))


def test_out_of_order_reads_within_the_window_fold_and_old_folds_are_forgotten() -> None:
    folder = HitFolder(window=timedelta(seconds=60))
    assert folder.add(hit(100))
    assert not folder.add(hit(50))  # delivered late, 50 s earlier
    assert folder.add(hit(1000, camera="cam-9"))
    assert folder.fold_of(hit(100)) is None  # memory bounded by one window of raised hits


def test_the_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window"):
        HitFolder(window=timedelta(0))
