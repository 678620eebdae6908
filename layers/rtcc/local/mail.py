"""The local stack's mailbox: what functions sent through the emulator's SES.

`GET /dev/mail` lists it, newest last, as JSON (`?to=` narrows it to one recipient) or,
for a browser, as a page; `DELETE /dev/mail` empties it. Nothing leaves the machine: the
emulator stores each message instead of delivering it. At start the local stack verifies
in the emulator every identity the deployed template lets a function send from
(`verify_granted_identities`), as a city verifies its sender in SES before deploying, so an
unverified sender is refused locally as in AWS.
"""

from __future__ import annotations

import email
import html
from email.message import Message
from email.policy import default
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from werkzeug.wrappers import Request, Response

from rtcc.email.gateway import LOCAL_EMAIL_FROM
from rtcc.local.dev_routes import json_response, register_dev_route


def _ses_backend() -> Any:
    from moto.ses.models import ses_backends

    from rtcc.settings import get_settings

    return ses_backends[DEFAULT_ACCOUNT_ID][get_settings().region]


def granted_identities(identity_statements: dict[str, list[dict]]) -> set[str]:
    """The SES identities (addresses or domains) any function's policy lets it send from."""
    found: set[str] = set()
    for statements in identity_statements.values():
        for statement in statements:
            resources = statement.get("Resource", [])
            for resource in resources if isinstance(resources, list) else [resources]:
                if (
                    isinstance(resource, str)
                    and resource.startswith("arn:aws:ses:")
                    and ":identity/" in resource
                ):
                    identity = resource.split(":identity/", 1)[1]
                    if identity and "*" not in identity:
                        found.add(identity)
    return found


def verify_granted_identities(identity_statements: dict[str, list[dict]], ses: Any) -> set[str]:
    """Verifies each granted identity in the emulator (`ses`: an SES v1 client), and the
    local sender (the settings' default, which the enforced template grants once a
    function sends email: verified before then too, so the harness can send as well)."""
    identities = granted_identities(identity_statements) | {LOCAL_EMAIL_FROM}
    for identity in sorted(identities):
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
    return identities


def _parts(message: Message) -> tuple[str, str | None]:
    text, html_part = "", None
    for part in message.walk() if message.is_multipart() else [message]:
        kind = part.get_content_type()
        if kind == "text/plain" and not text:
            text = part.get_content()
        elif kind == "text/html" and html_part is None:
            html_part = part.get_content()
    return text, html_part


def sent_mail(to: str | None = None) -> list[dict[str, Any]]:
    """Every message the emulator's SES took, decoded: raw MIME (what rtcc.email sends) and
    SES's simple form alike."""
    out = []
    for sent in list(_ses_backend().sent_messages):
        raw = getattr(sent, "raw_data", None)
        if raw is not None:
            parsed = email.message_from_string(raw, policy=default)
            text, html_part = _parts(parsed)
            item = {
                "id": sent.id,
                "from": str(parsed["From"] or sent.source),
                "to": [a.strip() for a in str(parsed["To"] or "").split(",") if a.strip()],
                "subject": str(parsed["Subject"] or ""),
                "language": str(parsed["Content-Language"] or ""),
                "text": text,
                "html": html_part,
            }
        else:
            recipients = [
                a for addresses in (getattr(sent, "destinations", {}) or {}).values() for a in addresses
            ]
            body = getattr(sent, "body", "")
            item = {
                "id": sent.id,
                "from": sent.source,
                "to": recipients,
                "subject": getattr(sent, "subject", ""),
                "language": "",
                "text": body,
                "html": None,
            }
        if to is None or to in item["to"]:
            out.append(item)
    return out


def _page(messages: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<article><h2>{html.escape(m['subject'])}</h2><p>From {html.escape(m['from'])} to "
        f"{html.escape(', '.join(m['to']))} ({html.escape(m['language'] or '?')})</p>"
        f"<pre>{html.escape(m['text'])}</pre></article>"
        for m in reversed(messages)
    )
    empty = "" if messages else "<p>No mail sent yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local mail</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>Local mail (newest first)</h1>{empty}{rows}</main></body></html>"
    )


def mail(request: Request) -> Response:
    """GET: the mailbox (JSON, or a page for a browser); DELETE: empty it."""
    if request.method == "DELETE":
        _ses_backend().sent_messages.clear()
        return Response(status=204)
    messages = sent_mail(request.args.get("to") or None)
    if request.accept_mimetypes.best == "text/html":
        return Response(_page(messages), content_type="text/html; charset=utf-8")
    return json_response({"messages": messages, "count": len(messages)})


register_dev_route("/dev/mail", mail, methods=("GET", "DELETE"))
