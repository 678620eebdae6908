"""A resident's phone number as the alerts program keeps it: E.164, checked by phonenumbers.

The signup page, a JOIN text and a YES reply all pass through `normalise_number`, so one
number has one form (and one keyed hash) however it was typed. Errors name the problem and
never echo the number back: the message may be shown, logged or audited.
"""

from __future__ import annotations

import phonenumbers

from rtcc.errors import Invalid

# phonenumbers' own limit (RFC 3966 allows more, no real number needs it): refusing longer
# input first keeps a pasted essay out of the parser.
_MAX_INPUT = 250


def normalise_number(raw: str, *, region: str = "US", allow_foreign: bool = False) -> str:
    """`raw` ("(413) 555-0123", "+1 413 555 0123") as E.164 ("+14135550123").

    `region` is the program's country: a number without a country code is read as one of
    its numbers, and with `allow_foreign=False` a valid number of another country is
    refused (a US short code program cannot text abroad; the carrier would fail the send).
    """
    if not isinstance(raw, str) or not raw.strip() or len(raw) > _MAX_INPUT:
        raise Invalid(f"not a valid {region} number", field="phone")
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        raise Invalid(f"not a valid {region} number", field="phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise Invalid(f"not a valid {region} number", field="phone")
    if not allow_foreign and phonenumbers.region_code_for_number(parsed) != region:
        raise Invalid(f"only {region} numbers can sign up for these alerts", field="phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def any_number(raw: str, *, region: str = "US") -> str | None:
    """`raw` as E.164 if phonenumbers can read it at all (any country, valid or not), else None.

    For STOP and HELP only: a number the program would not sign up (foreign, or not a valid
    number by phonenumbers' tables) may still have been texted, and its STOP must hold."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > _MAX_INPUT:
        return None
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
