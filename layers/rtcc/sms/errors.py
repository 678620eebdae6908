"""What a failed SMS send means for the next attempt: retry later, or give up on this
recipient.

Fan-out (the alerts dispatcher) and the tips sender both need the answer, and neither
should know Twilio's exception types: `classify` takes a Twilio error code, an HTTP
status or the exception itself and returns `Transient` (retry with backoff: the provider
or the network is busy or down) or `Permanent` (this recipient cannot get our SMS; record
it and move on). Plain data, no twilio import: the exception is read by its attributes
(`code`, `status`) and its class name, as `rtcc.tips.outbound.error_code` does.

`Permanent.opted_out` marks 21610 (the recipient texted STOP to the sending number): the
sender records the opt-out (rtcc.sms.optout), it does not just skip the message.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Twilio error 21610: the recipient replied STOP to this sender (Advanced Opt-Out).
OPTED_OUT = 21610

#: Twilio errors that will not change on retry: the number cannot get our SMS.
#: 21211 invalid 'To', 21214 not reachable, 21217 / 21401 / 21421 invalid number,
#: 21408 region not enabled, 21610 recipient sent STOP, 21612 route not possible,
#: 21614 not a mobile number; 30003 unreachable handset, 30004 blocked, 30005 unknown
#: or inactive number, 30006 landline or unreachable carrier, 30007 filtered as spam.
PERMANENT_CODES = frozenset(
    {21211, 21214, 21217, 21401, 21408, 21421, 21610, 21612, 21614, 30003, 30004, 30005, 30006, 30007}
)
#: Twilio errors that pass: 20429 too many requests, 20500 / 20503 Twilio's own
#: internal error or unavailability, 30001 queue overflow, 30008 unknown carrier error.
TRANSIENT_CODES = frozenset({20429, 20500, 20503, 30001, 30008})
#: HTTP statuses that pass: rate limited, and the server side's errors.
TRANSIENT_STATUSES = frozenset({408, 429})

#: Exceptions (by class name, so requests and urllib3 are not imported) of a network that
#: failed us, not of a recipient: timeouts and dropped connections.
TRANSIENT_EXCEPTIONS = frozenset(
    {
        "Timeout",
        "ConnectTimeout",
        "ReadTimeout",
        "ReadTimeoutError",
        "ConnectTimeoutError",
        "TimeoutError",
        "ConnectionError",
        "ConnectionResetError",
        "ChunkedEncodingError",
        "ProtocolError",
        "NewConnectionError",
        "MaxRetryError",
        "SSLError",
    }
)
#: Failures after the request reached the provider, whose answer never came: the message
#: may have gone out. (A connect timeout or refused connection means it did not.)
MAYBE_SENT_EXCEPTIONS = frozenset(
    {
        "ReadTimeout",
        "ReadTimeoutError",
        "ChunkedEncodingError",
        # The connection dropped after the request went out ("Connection aborted."):
        # requests wraps these in a ConnectionError, read through its first argument.
        "ProtocolError",
        "RemoteDisconnected",
        "ConnectionResetError",
    }
)


@dataclass(frozen=True)
class Transient:
    """Retry later (with backoff and jitter). `code`: safe to log, never a number."""

    code: str
    maybe_sent: bool = False  # the provider may have sent it before the answer was lost
    permanent = False


@dataclass(frozen=True)
class Permanent:
    """This recipient cannot get this message; retrying changes nothing."""

    code: str
    permanent = True

    @property
    def opted_out(self) -> bool:
        return self.code == str(OPTED_OUT)


Classification = Transient | Permanent


def _from_code(code: int) -> Classification | None:
    if code in PERMANENT_CODES:
        return Permanent(str(code))
    if code in TRANSIENT_CODES:
        return Transient(str(code))
    return None


def _from_status(status: int) -> Classification:
    if status in TRANSIENT_STATUSES or status >= 500:
        return Transient(f"http{status}")
    # Any other 4xx without a known code: the request itself is wrong for this recipient
    # (a bad number, a refused body); sending it again fails again.
    return Permanent(f"http{status}")


def _int_attr(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def classify(failure: int | BaseException) -> Classification:
    """Transient or Permanent for a Twilio error code (5 digits), an HTTP status
    (3 digits) or an exception (TwilioRestException carries both as `code` and
    `status`). Unknown exceptions are transient: a retry costs little, dropping a
    recipient who could have been reached costs an alert."""
    if isinstance(failure, bool):
        raise TypeError("classify: a code, an HTTP status or an exception")
    # An error already classified (SendRefused from send_on_line, OptedOut) keeps its
    # verdict: re-reading it by class name would turn "may have been sent" and permanent
    # refusals into plain transient errors, and a caller would send again.
    verdict = getattr(failure, "verdict", None)
    if isinstance(verdict, (Transient, Permanent)):
        return verdict
    if isinstance(failure, int):
        if failure < 1000:
            return _from_status(failure)
        return _from_code(failure) or Transient(str(failure))
    code, status = _int_attr(getattr(failure, "code", None)), _int_attr(getattr(failure, "status", None))
    if code is not None and (known := _from_code(code)) is not None:
        return known
    if status is not None:
        return _from_status(status) if code is None else _with_code(_from_status(status), code)
    if code is not None:
        return Transient(str(code))
    name = type(failure).__name__
    causes = {name, *(type(arg).__name__ for arg in getattr(failure, "args", ())[:1])}
    return Transient(name, maybe_sent=bool(causes & MAYBE_SENT_EXCEPTIONS))


def _with_code(classified: Classification, code: int) -> Classification:
    """The status's verdict, labelled with Twilio's code (more useful in a log)."""
    return type(classified)(str(code))
