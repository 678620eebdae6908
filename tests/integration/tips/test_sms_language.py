"""The tip line's texts in the tipster's language: the city's by default, a first reply
that says (in the other language) how to switch, ESPAÑOL / ENGLISH kept on the tipster
record (by pseudonym, never the number), and an officer's reply framed in that language."""

from __future__ import annotations

import re

import pytest
from rtcc.local.iam.identity import acting_as
from rtcc.store.tips import TipRecord, TipsterRecord
from rtcc.tips.adapters.aws import KmsMac
from rtcc.tips.pseudonym import pseudonym_for

from tests.integration.tips.conftest import Phone, new_number, wait_for
from tests.integration.tips.test_sms_webhook import ack, dump_tip_tables

pytestmark = pytest.mark.integration

SWITCH_TO_SPANISH = "Para recibir los mensajes en español, responda ESPAÑOL."
SWITCH_TO_ENGLISH = "For texts in English, reply ENGLISH."


@pytest.fixture
def city_language(monkeypatch):
    """Set RTCC_TIPS_SMS_LANGUAGE for one test (English unless a test calls it)."""
    from rtcc.settings import reload_settings

    def set_to(lang: str) -> None:
        monkeypatch.setenv("RTCC_TIPS_SMS_LANGUAGE", lang)
        reload_settings()

    set_to("en")
    yield set_to
    monkeypatch.delenv("RTCC_TIPS_SMS_LANGUAGE")
    reload_settings()


def tipster_of(number: str) -> TipsterRecord:
    with acting_as("tip-webhook"):  # only its role may use the pseudonym key
        return TipsterRecord.get(pseudonym_for(number, KmsMac()))


def test_the_first_reply_says_how_to_switch_and_only_the_first(phone: Phone, city_language) -> None:
    number = new_number()
    first = ack(phone.text(number, "Blue van at 5th and Main")[1])
    code = code_of_text(first)
    assert first.startswith(f"Tip {code} received.") and first.endswith(SWITCH_TO_SPANISH)
    assert tipster_of(number).language == "en"  # told once: kept
    second = ack(phone.text(number, "It was there again at 9")[1])
    assert second.startswith(f"Added to tip {code}.") and "ESPAÑOL" not in second


def test_espanol_switches_every_text_and_the_choice_is_kept_without_the_number(
    phone: Phone, api, local_stack, city_language
) -> None:
    number = new_number()
    help_first = ack(phone.text(number, "HELP")[1])
    assert help_first.startswith("Anonymous tip line") and help_first.endswith(SWITCH_TO_SPANISH)
    chosen = ack(phone.text(number, "  español! ")[1])  # any case, accents or not
    assert chosen.startswith("De acuerdo: los mensajes de esta línea serán en español.")
    assert tipster_of(number).language == "es"
    tip = ack(phone.text(number, "Hay una camioneta azul en la esquina")[1])
    code = code_of_text(tip)
    assert tip.startswith(f"Recibimos el aviso {code}.") and "ENGLISH" not in tip
    assert ack(phone.text(number, "NEW")[1]).startswith("Entendido.")
    assert ack(phone.text(number, "help")[1]).startswith("Línea de avisos anónimos")
    assert number not in dump_tip_tables(local_stack) and number[1:] not in dump_tip_tables(local_stack)

    r = api.as_role("officer").post(f"/api/tips/{code}/replies", json={"text": "¿De qué color?"})
    assert r.status_code == 200, r.text
    sms = wait_for(lambda: api.get("/dev/outbox", params={"to": number}).json()["messages"], 30)
    assert sms[0]["body"] == f"Sobre el aviso {code}: ¿De qué color?"

    assert ack(phone.text(number, "English")[1]).startswith("OK: texts from this line will be in English.")
    assert ack(phone.text(number, "more: it left at 10")[1]).startswith("Tip ")


def test_a_spanish_speaking_city_starts_in_spanish(phone: Phone, city_language) -> None:
    city_language("es")
    number = new_number()
    first = ack(phone.text(number, "Hay humo en el almacén")[1])
    code = code_of_text(first)
    assert first.startswith(f"Recibimos el aviso {code}.") and first.endswith(SWITCH_TO_ENGLISH)
    assert TipRecord.get(code).channel == "sms"


def code_of_text(text: str) -> str:
    match = re.search(r"T-[2-9A-Z]{4,8}", text)
    assert match, text
    return match.group(0)
