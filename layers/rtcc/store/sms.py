"""Opt-outs from SMS, one item per (line, sender): the platform's, shared by every line.

A line is one of the city's numbers and what it is for ("tips", "alerts"); the sender is
that line's keyed hash of the number (tips: the tipster's pseudonym), never the number
itself. So a STOP to the tip line opts out of the tip line only, and this table holds no
phone number. No TTL: an opt-out is honoured until the sender opts back in (carriers and
the TCPA expect no expiry); an item is a keyed hash and a flag, nothing else.
"""

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model

from rtcc.store.base import register


@register
class SmsOptOutRecord(Model):
    class Meta:
        logical_name = "sms-opt-outs"
        table_name = "sms-opt-outs"

    line = UnicodeAttribute(hash_key=True)  # "tips", "alerts"
    sender = UnicodeAttribute(range_key=True)  # the line's keyed hash of the number
    opted_out = BooleanAttribute(default=False)
    source = UnicodeAttribute(null=True)  # keyword | advanced_opt_out | error_21610
    at = UnicodeAttribute(null=True)  # ISO time of the last change
