"""`camera-verify` over the deployed adapters: owners in DynamoDB, contacts opened and hashed
under the cameras' KMS keys, texts on the alerts number through rtcc.sms, emails through
rtcc.email (when the deployment names a sender)."""

from __future__ import annotations

from typing import Any

from rtcc.cameras.verify_codes import CodeSender

#: Opt-outs of these texts are kept under this line name (rtcc.sms.optout).
LINE_NAME = "cameras"


def _city() -> str:
    from rtcc.settings import get_settings

    return get_settings().city_name or "City"


def send(channel: str, address: str, sender_key: str, language: str, key: str, **values: Any) -> None:
    from rtcc.i18n import sms_catalog

    catalog = sms_catalog()
    body = catalog.text(language, key, city=_city(), **values)
    if channel == "phone":
        from rtcc.alerts.settings import alerts_settings
        from rtcc.sms.gateway import get_sms_gateway
        from rtcc.sms.optout_store import DynamoOptOuts
        from rtcc.sms.sender import send_on_line

        sender = alerts_settings().line_number
        send_on_line(get_sms_gateway(), DynamoOptOuts(), LINE_NAME, sender_key, address, sender, body)
        return
    _email(address, catalog.text(language, f"{key}.subject", city=_city()), body, language)


def _email(address: str, subject: str, body: str, language: str) -> None:
    from rtcc.cameras.settings import cameras_settings
    from rtcc.cameras.verify_codes import Refused
    from rtcc.email import EmailRefused, email_gateway

    sender = cameras_settings().email_from
    if not sender:  # the city sends no email: the owner verifies by phone
        raise Refused("no email sender configured (camera_program.email_from)")
    try:
        email_gateway(sender).send(address, subject, body, language=language)
    except EmailRefused as exc:
        raise Refused(str(exc)) from None


def code_sender() -> CodeSender:
    from rtcc.alerts.settings import alerts_settings
    from rtcc.alerts.signup_limits import SignupLimits
    from rtcc.alerts.signup_limits_dynamodb import DynamoDbWindowCounters
    from rtcc.cameras.owners_dynamodb import KmsContactMac, KmsContactSealer, OwnerBook
    from rtcc.cameras.settings import cameras_settings

    # The alerts line's limits (same counters table, same city-wide breaker): one SMS line.
    limits = SignupLimits(DynamoDbWindowCounters(), per_hour=alerts_settings().signups_per_hour)
    return CodeSender(
        OwnerBook(),
        KmsContactSealer(),
        KmsContactMac(),
        send,
        limits,
        link_hours=cameras_settings().owner_link_hours,
    )
