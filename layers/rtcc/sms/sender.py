"""Sending one SMS on a line, as every sender must: opt-out first, then the provider, and a
refusal turned into a verdict that carries no number.

`send_on_line` is what a line's senders call (the alerts dispatcher; tips' replies check
the same port with their own fallback, rtcc.tips.outbound):
1. `OptedOut` if (line, sender key) opted out: nothing reaches the provider;
2. the send, through the gateway port (the Messaging Service and status callback are the
   gateway's and the caller's);
3. a provider error becomes `SendRefused` with its classification (rtcc.sms.errors): the
   provider's message (which quotes the number) never travels on; a 21610 also records the
   opt-out, so the next send to that sender on that line is not even tried.
"""

from __future__ import annotations

from rtcc.sms.errors import Classification, classify
from rtcc.sms.gateway import SmsGateway
from rtcc.sms.optout import OptOuts, OptOutSource, check_before_send


class SendRefused(Exception):
    """The provider did not take the message. `verdict` says whether to retry; its code is
    safe to log (a Twilio code, an HTTP status or an exception's class name)."""

    def __init__(self, verdict: Classification) -> None:
        super().__init__(f"SMS not sent (error {verdict.code})")
        self.verdict = verdict

    @property
    def permanent(self) -> bool:
        return self.verdict.permanent


def send_on_line(
    gateway: SmsGateway,
    opt_outs: OptOuts,
    line: str,
    sender_key: str,
    to: str,
    from_: str,
    body: str,
    status_callback: str | None = None,
) -> str:
    """Send `body` to `to` on `line` unless its sender opted out; returns the message id."""
    check_before_send(opt_outs, line, sender_key)
    try:
        return gateway.send(to, from_, body, status_callback=status_callback)
    except Exception as exc:  # noqa: BLE001 - any provider error: keep only the verdict
        verdict = classify(exc)
    if getattr(verdict, "opted_out", False):
        opt_outs.record(line, sender_key, True, OptOutSource.ERROR_21610)
    raise SendRefused(verdict)
