"""rtcc.local.mail: which SES identities the deployed policies let functions send from (the
local stack verifies those), and the mailbox's decoding of what rtcc.email sends."""

from __future__ import annotations

import email
from email.policy import default

from rtcc.email import mime_message
from rtcc.local.mail import _parts, granted_identities

SES = "arn:aws:ses:us-east-1:123456789012:identity"


def test_only_named_ses_identities_are_taken_from_the_policies() -> None:
    statements = {
        "camera-verify": [
            {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": f"{SES}/cameras@city.example"},
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:::table/x"},
        ],
        "footage-notify": [
            {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": [f"{SES}/city.example", f"{SES}/*"]}
        ],
        "api": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    assert granted_identities(statements) == {"cameras@city.example", "city.example"}


def test_the_mailbox_reads_both_parts_of_a_raw_message() -> None:
    raw = mime_message("cameras@rtcc.example", "a@example.org", "Hola", "Código: 1", "<p>Código: 1</p>", "es")
    parsed = email.message_from_string(raw.decode("ascii"), policy=default)
    text, html = _parts(parsed)
    assert text.strip() == "Código: 1" and html is not None and html.strip() == "<p>Código: 1</p>"
    plain = email.message_from_string(
        mime_message("cameras@rtcc.example", "a@example.org", "Hi", "only text", None, "en").decode("ascii"),
        policy=default,
    )
    assert _parts(plain)[0].strip() == "only text" and _parts(plain)[1] is None
