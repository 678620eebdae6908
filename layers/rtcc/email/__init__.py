"""Platform email: one port (`EmailGateway`) every capability sends mail through.

Deployed and in `rtcc dev` alike the adapter is Amazon SES (API v2, SendEmail with a raw
MIME message, so the text and HTML parts and the language travel as written): locally the
emulator's SES, whose sender identity the local stack verifies at start and whose sent
mail `GET /dev/mail` lists. Unit tests use `InMemoryEmailGateway`.

    from rtcc.email import email_gateway
    email_gateway(cameras_settings().email_from).send(to, subject, text, html=None, language="es")

A function that sends needs `ses:SendEmail` on the sender's identity, held to that From
address (`infra.constructs.email.grant_send_email`).
"""

from rtcc.email.gateway import (
    EmailGateway,
    EmailRefused,
    EmailUnavailable,
    InMemoryEmailGateway,
    OutboundEmail,
    SesEmailGateway,
    email_gateway,
    mime_message,
    sender_address,
)

__all__ = [
    "EmailGateway",
    "EmailRefused",
    "EmailUnavailable",
    "InMemoryEmailGateway",
    "OutboundEmail",
    "SesEmailGateway",
    "email_gateway",
    "mime_message",
    "sender_address",
]
