"""The only code that reads the contact vault: replies to tipsters and supervisor alerts.

It runs in its own function (the reply consumer), whose role alone may read the vault
table and use the key to decrypt; the API only queues work for it.
"""

from __future__ import annotations

import logging
from typing import Any

from pynamodb.exceptions import DoesNotExist

from rtcc.settings import get_settings
from rtcc.sms import SmsGateway
from rtcc.store.tips import TipMessageRecord, TipRecord, TipsterRecord, TipVaultRecord
from rtcc.tips.ports import ContactSealer

logger = logging.getLogger(__name__)


def reply_text(code: str, body: str) -> str:
    return f"Re tip {code}: {body}"


def alert_text(code: str, keywords: list[str]) -> str:
    words = ", ".join(keywords[:3]) or "priority keyword"
    return f"rtcc: priority tip {code} ({words}). Open the tips inbox to triage."


class OutboundSender:
    def __init__(self, sealer: ContactSealer, sms: SmsGateway) -> None:
        self.sealer = sealer
        self.sms = sms

    def handle(self, job: dict[str, Any]) -> str:
        kind = job.get("kind")
        if kind == "reply":
            return self.reply(str(job["code"]), str(job["message_key"]))
        if kind == "notify":
            return self.alert(str(job["code"]), [str(k) for k in job.get("keywords", [])])
        logger.warning("tips.outbound unknown job kind", extra={"kind": kind})
        return "ignored"

    def reply(self, code: str, key: str) -> str:
        try:
            message = TipMessageRecord.get(code, key)
        except DoesNotExist:
            logger.warning("tips.outbound reply not found", extra={"code": code})
            return "unknown"
        if message.delivery != "queued":
            return message.delivery or "unknown"  # sent already: a redelivered job
        reason = self._undeliverable(code)
        if reason:
            self._mark(message, "undeliverable", reason)
            return "undeliverable"
        vault = TipVaultRecord.get(code)
        number = self.sealer.unseal(vault.ciphertext, code)
        sid = self.sms.send(number, get_settings().tips_line_number, reply_text(code, message.body))
        self._mark(message, "sent", None, sid)
        logger.info("tips.outbound reply sent", extra={"code": code})
        return "sent"

    def _undeliverable(self, code: str) -> str | None:
        try:
            vault = TipVaultRecord.get(code)
        except DoesNotExist:
            return "the tipster's contact has been deleted (retention period over)"
        if vault.opted_out:
            return "the tipster opted out (STOP)"
        tip = TipRecord.get(code)
        if tip.pseudonym:
            try:
                if TipsterRecord.get(tip.pseudonym).opted_out:
                    return "the tipster opted out (STOP)"
            except DoesNotExist:
                pass
        return None

    def _mark(
        self, message: TipMessageRecord, delivery: str, detail: str | None, sid: str | None = None
    ) -> None:
        actions = [TipMessageRecord.delivery.set(delivery)]
        if detail:
            actions.append(TipMessageRecord.delivery_detail.set(detail))
        if sid:
            actions.append(TipMessageRecord.provider_sid.set(sid))
        message.update(actions=actions)

    def alert(self, code: str, keywords: list[str]) -> str:
        settings = get_settings()
        for number in settings.tips_supervisor_numbers:
            self.sms.send(number, settings.tips_line_number, alert_text(code, keywords))
        logger.info(
            "tips.outbound supervisors alerted",
            extra={"code": code, "recipients": len(settings.tips_supervisor_numbers)},
        )
        return "sent"
