"""SmsGateway port: the Twilio adapter (deployed) and the outbox adapter (local)."""

from rtcc.sms.gateway import OutboundSms, SmsGateway, get_sms_gateway  # noqa: F401
