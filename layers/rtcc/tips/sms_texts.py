"""What the tip line texts a tipster, in the tipster's language, from the SMS catalogs
(rtcc.i18n: `tips.*` keys in `rtcc/catalogs/<lang>.json`).

A text-a-tip sender tells us nothing but a number, so they start in the city's language
(`RTCC_TIPS_SMS_LANGUAGE`). Until a tipster's language is on their record, each reply ends
with how to switch, said in every other language (`tips.switch`: "Para recibir los
mensajes en español, responda ESPAÑOL."): a Spanish speaker who cannot read the English
acknowledgement can still read that line. The keyword is the catalog's own name
(`lang.name`), read case- and accent-insensitively (ESPAÑOL, Espanol, español), so a city
that adds a catalog adds its keyword with it, no code. The choice is kept on the tipster
record, keyed by the pseudonym: never the number.
"""

from __future__ import annotations

import unicodedata

from rtcc.i18n import sms_catalog


def city_language() -> str:
    """The catalog a tipster with no choice on record is texted in."""
    from rtcc.tips.settings import tips_settings

    return sms_catalog().language_for(tips_settings().sms_language)


def language_of(chosen: str | None) -> str:
    """The tipster's catalog: their choice while a catalog covers it, else the city's."""
    catalog = sms_catalog()
    if chosen and catalog.language_for(chosen) == chosen:
        return chosen
    return city_language()


def tip_text(lang: str | None, key: str, **values: object) -> str:
    return sms_catalog().text(lang, key, **values)


def with_switch_hint(text: str, lang: str) -> str:
    """`text` followed by how to switch to each other language, said in that language."""
    catalog = sms_catalog()
    hints = [catalog.text(other, "tips.switch") for other in catalog.languages if other != lang]
    return " ".join([text, *hints]) if text else text


def _folded(text: str) -> str:
    """Upper case without accents or trailing punctuation: 'Español!' -> 'ESPANOL'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().rstrip(".!"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def language_keyword(body: str) -> str | None:
    """The catalog a whole-message keyword names ('ESPAÑOL' -> 'es'), else None."""
    word = _folded(body)
    if not word:
        return None
    catalog = sms_catalog()
    for lang in catalog.languages:
        if _folded(catalog.text(lang, "lang.name")) == word:
            return lang
    return None
