"""Deleting a closed tip when the city's retention period ends.

Closing a tip schedules its deletion (`retention_change`, in the close transaction);
reopening it, or linking it to a case, moves or removes the schedule in the same way.
On the day, the retention sweep (rtcc.retention) claims the tip, audits, and `TipPurger`
deletes its media files, media records, thread (and the receipts of its messages'
MessageSids), contact vault entry and finally the tip itself. The tip's code also leaves
its sender's record (`release_tipster`), which is deleted with the sender's last tip.
What remains is the audit trail (codes and actions, never content), a sender's record
while another of their tips is kept, and the receipts of keywords (STOP, START, NEW).
"""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DeleteError, UpdateError

from rtcc.retention import Claim, due_day, register_purger, schedule_entry, unschedule_entry
from rtcc.store.retention import RetentionRecord
from rtcc.store.tips import (
    TipMediaRecord,
    TipMessageRecord,
    TipReceiptRecord,
    TipRecord,
    TipsterRecord,
    TipVaultRecord,
)
from rtcc.tips.ports import MediaStore
from rtcc.tips.records import condition_failed, get_or_none, lift_block_if_none_left, parse_iso
from rtcc.tips.settings import tips_settings
from rtcc.tips.web_intake import upload_key

KIND = "tip"


def purge_day(tip: TipRecord, today: date | None = None) -> tuple[str, str] | None:
    """(day, rule) on which `tip` is deleted under the policy, or None while it is open."""
    if tip.status != "closed" or not tip.closed_at:
        return None
    if tip.case_number:
        days, why = tips_settings().case_retention_days, "closed tip linked to a case"
    else:
        days, why = tips_settings().closed_retention_days, "closed tip"
    return due_day(parse_iso(tip.closed_at), days, today), f"{why}, {days} days"


def retention_change(tip: TipRecord) -> tuple[RetentionRecord | None, RetentionRecord | None]:
    """Bring `tip.purge_on` up to date; returns (schedule item to delete, item to put)
    for the transaction that saves the tip. (None, None) when nothing moves."""
    due = purge_day(tip)
    day = due[0] if due else None
    if day == tip.purge_on:
        return None, None
    old = unschedule_entry(KIND, tip.code, tip.purge_on) if tip.purge_on else None
    tip.purge_on = day
    return old, (schedule_entry(KIND, tip.code, day, due[1]) if due and day else None)


class TipPurger:
    def __init__(self, store: MediaStore) -> None:
        self.store = store

    def claim(self, code: str, day: str) -> Claim:
        try:
            TipRecord(code).update(
                actions=[TipRecord.purging.set(True), TipRecord.version.add(1)],
                # Still closed and still due that day: a reopen or a new case link since
                # the schedule was written wins.
                condition=(TipRecord.status == "closed")
                & (TipRecord.purge_on == day)
                & TipRecord.purging.does_not_exist(),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            tip = get_or_none(TipRecord, code, consistent_read=True)
            if tip is not None and tip.purging and tip.purge_on == day:
                return Claim.RESUMED
            return Claim.NOT_DUE
        return Claim.CLAIMED

    def purge(self, code: str) -> None:
        for media in TipMediaRecord.query(code):
            if media.s3_key:
                self.store.delete(media.s3_key)
            if media.source == "upload":
                self.store.delete(upload_key(code, media.media_id))  # an upload never processed
            media.delete()
        messages = list(TipMessageRecord.query(code))
        # The receipts first: a redo after a crash finds their keys on the messages still.
        # Once they are gone a replay of one of these messages is a new message (README).
        with TipReceiptRecord.batch_write() as batch:
            for message in messages:
                if message.receipt_key:
                    batch.delete(TipReceiptRecord(message.receipt_key))
        with TipMessageRecord.batch_write() as batch:
            for message in messages:
                batch.delete(message)
        # Only a key and a condition-free delete: the sweeper never reads the sealed number.
        TipVaultRecord(code).delete()
        tip = get_or_none(TipRecord, code, consistent_read=True)
        if tip is not None and tip.pseudonym:
            release_tipster(tip.pseudonym, code)
        try:
            TipRecord(code).delete(condition=TipRecord.purging == True)  # noqa: E712 (pynamodb)
        except DeleteError as exc:
            if not condition_failed(exc):  # gone already: a redo after a crash
                raise


def release_tipster(pseudonym: str, code: str) -> None:
    """The purged tip no longer keeps its sender's record, nor a block made from it (no
    one could see or lift that block any more); without another tip the record goes,
    pseudonym, rate window, opt-out and blocks with it. Key lookups only: the code leaves
    the record's sets (DELETE: a redo after a crash changes nothing), then the record is
    deleted on condition that no code is left (a message that opened a tip meanwhile
    added one, and keeps it). A record from before `tip_codes` (pseudonyms of the old
    Secrets Manager key) has none, so it goes with the first of its tips purged."""
    tipster = TipsterRecord(pseudonym)
    try:
        tipster.update(
            actions=[TipsterRecord.tip_codes.delete({code}), TipsterRecord.blocked_from.delete({code})],
            condition=TipsterRecord.pseudonym.exists(),  # never create a record
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return  # gone already
    try:
        TipsterRecord(pseudonym).delete(condition=TipsterRecord.tip_codes.does_not_exist())
        return
    except DeleteError as exc:
        if not condition_failed(exc):
            raise
    if tipster.blocked and not tipster.blocked_from and not tipster.blocked_via:
        lift_block_if_none_left(tipster)


def _default_purger() -> TipPurger:
    from rtcc.tips.adapters import default_ports

    return TipPurger(default_ports().store)


register_purger(KIND, _default_purger)
