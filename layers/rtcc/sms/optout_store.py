"""DynamoDB adapter of the OptOuts port (rtcc.sms.optout): the `sms-opt-outs` table."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist

from rtcc.sms.optout import OptOutSource, OptOutState
from rtcc.store.sms import SmsOptOutRecord


class DynamoOptOuts:
    def state(self, line: str, sender: str) -> OptOutState | None:
        try:
            # A strongly consistent read: a STOP that landed a moment ago must stop this send.
            item = SmsOptOutRecord.get(line, sender, consistent_read=True)
        except DoesNotExist:
            return None
        return OptOutState(bool(item.opted_out), item.source)

    def record(self, line: str, sender: str, opted_out: bool, source: OptOutSource) -> None:
        # UpdateItem, not PutItem: it creates the item or sets the flag, and the roles that
        # record opt-outs need no more than that.
        SmsOptOutRecord(line, sender).update(
            actions=[
                SmsOptOutRecord.opted_out.set(opted_out),
                SmsOptOutRecord.source.set(str(source)),
                SmsOptOutRecord.at.set(datetime.now(UTC).isoformat(timespec="seconds")),
            ]
        )
