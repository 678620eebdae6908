"""The tip line's texts come from the SMS catalogs in the tipster's language, and a
language's name switches to it (rtcc.tips.sms_texts)."""

from __future__ import annotations

import pytest
from rtcc.i18n import sms_catalog
from rtcc.settings import reload_settings
from rtcc.tips.inbound import Command
from rtcc.tips.outbound import reply_text
from rtcc.tips.sms_intake import _command, ack_joined, ack_new
from rtcc.tips.sms_texts import city_language, language_keyword, language_of, with_switch_hint


@pytest.fixture
def city(monkeypatch):
    def set_to(lang: str) -> None:
        monkeypatch.setenv("RTCC_TIPS_SMS_LANGUAGE", lang)
        reload_settings()

    set_to("en")
    yield set_to
    monkeypatch.delenv("RTCC_TIPS_SMS_LANGUAGE")
    reload_settings()


@pytest.mark.parametrize(
    ("body", "lang"),
    [("ESPAÑOL", "es"), ("español", "es"), (" Espanol! ", "es"), ("ESPAÑOL.", "es"), ("english", "en")],
)
def test_a_language_name_in_any_case_or_accents_is_its_keyword(body: str, lang: str) -> None:
    assert language_keyword(body) == lang
    assert _command({}, body) == (Command.LANGUAGE, lang)


@pytest.mark.parametrize("body", ["", "espa", "hablo español", "STOP", "NEW"])
def test_other_messages_are_not_language_keywords(body: str) -> None:
    assert language_keyword(body) is None
    assert _command({}, body)[0] is not Command.LANGUAGE


def test_texts_in_each_language_and_english_unchanged(city) -> None:
    assert ack_new("T-4F7K") == (
        "Tip T-4F7K received. Thank you. Text this number to add more; text NEW to start a new tip. "
        "Reply STOP to opt out."
    )
    assert ack_joined("T-4F7K", "es").startswith("Se agregó al aviso T-4F7K.")
    assert reply_text("T-4F7K", "¿Dónde?", "es") == "Sobre el aviso T-4F7K: ¿Dónde?"
    assert reply_text("T-4F7K", "Where?") == "Re tip T-4F7K: Where?"


def test_the_hint_is_in_every_other_language(city) -> None:
    hinted = with_switch_hint("Tip T-4F7K received.", "en")
    assert hinted == "Tip T-4F7K received. " + sms_catalog().text("es", "tips.switch")
    assert "ESPAÑOL" in hinted and "ENGLISH" not in hinted
    assert with_switch_hint("", "en") == ""  # no answer (STOP) stays no answer


def test_the_city_language_is_the_default_and_a_choice_wins(city) -> None:
    assert city_language() == "en" and language_of(None) == "en" and language_of("es") == "es"
    city("es-MX")
    assert city_language() == "es" and language_of(None) == "es" and language_of("en") == "en"
    city("fr")  # no French catalog: English
    assert language_of(None) == "en" and language_of("xx") == "en"
