"""Message catalogs: every language says everything English says, with the same
placeholders (SMS catalogs in rtcc/catalogs, the public pages' in web/public/i18n); the
pages' language list matches the catalogs present; every key the pages use exists; and
rtcc.i18n.Catalog falls back to English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rtcc.i18n import SMS_CATALOGS, Catalog, catalog_problems, load_catalogs, placeholders, sms_catalog

WEB = Path(__file__).resolve().parents[2] / "web" / "public"
WEB_CATALOGS = WEB / "i18n"


@pytest.mark.parametrize("directory", [SMS_CATALOGS, WEB_CATALOGS], ids=["sms", "web"])
def test_every_catalog_has_every_key_with_the_same_placeholders(directory: Path) -> None:
    catalogs = load_catalogs(directory)
    assert {"en", "es"} <= set(catalogs)
    assert catalog_problems(catalogs) == []


def test_the_parity_check_finds_what_a_translation_dropped() -> None:
    english = {"ack": "Tip {code} received. Reply STOP to opt out.", "help": "Help", "bye": "Bye"}
    spanish = {"ack": "Recibimos su aviso.", "help": "  ", "extra": "Sobra"}
    assert catalog_problems({"en": english, "es": spanish}) == [
        "es: missing 'bye'",
        "es: 'extra' is not in 'en'",
        "es: 'ack' has placeholders [], 'en' has ['code']",
        "es: 'help' is empty or not text",
    ]
    assert catalog_problems({"es": spanish}) == ["no 'en' catalog"]


def test_web_index_lists_exactly_the_catalogs_present() -> None:
    """What web/scripts/i18n-index.mjs writes: a catalog added without rerunning it (or an
    index naming a removed one) fails here, naming the command."""
    catalogs = load_catalogs(WEB_CATALOGS)
    languages = [{"code": code, "name": catalogs[code]["lang.name"]} for code in sorted(catalogs)]
    expected = {"languages": languages}
    index = json.loads((WEB_CATALOGS / "index.json").read_text(encoding="utf-8"))
    assert index == expected, "run: node web/scripts/i18n-index.mjs"


#: The /cameras and /cameras/owner pages' scripts (assets/cameras also holds console views).
CAMERA_PAGE_SCRIPTS = [
    WEB / "assets" / "cameras" / name
    for name in ("cameras-api.js", "camera-form.js", "contact-codes.js", "registration.js", "owner-portal.js")
]

_KEY_LITERAL = re.compile(
    r"""["']((?:lang|api|tip|files|map|followUp|signup|manage|alertsPage|cameras)\.[A-Za-z_.]+)["']"""
)


def test_every_key_the_public_pages_use_is_in_the_english_catalog() -> None:
    english = load_catalogs(WEB_CATALOGS)["en"]
    sources = [WEB / "tip.html", WEB / "tip-follow-up.html", WEB / "assets" / "i18n.js"]
    sources += [WEB / "signup.html", WEB / "alerts-manage.html", WEB / "alerts.html"]
    sources += [WEB / "transparency.html", *sorted((WEB / "assets" / "transparency").glob("*.js"))]
    sources += sorted((WEB / "assets" / "tip").glob("*.js")) + sorted(
        (WEB / "assets" / "alerts").glob("*.js")
    )
    sources += [WEB / "cameras.html", WEB / "camera-owner.html", *CAMERA_PAGE_SCRIPTS]
    used = {key for path in sources for key in _KEY_LITERAL.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 50  # the pattern still finds the keys
    assert sorted(used - set(english)) == []
    # The one key built at run time: followUp.file.<state of an attachment>.
    states = ("awaiting_upload", "pending", "stored", "rejected", "unknown")
    assert all(f"followUp.file.{state}" in english for state in states)
    # /signup builds these from the API's tiers and refusal codes (rtcc.alerts.signup).
    for tier in ("emergency", "advisory", "community"):
        assert f"signup.tier.{tier}" in english and f"signup.tier.{tier}.hint" in english
        assert f"alertsPage.tier.{tier}" in english  # /alerts: each published alert's badge
    codes = ("phone.invalid", "phone.foreign", "zones.none", "zones.invalid", "zip.invalid", "zip.unknown")
    codes += ("location.outside", "location.invalid")
    assert [c for c in codes if f"signup.error.{c}" not in english] == []
    # /cameras and /cameras/owner build these from the camera's fields and the receipts' actions.
    built = [f"cameras.type.{v}" for v in ("doorbell", "fixed", "dome", "ptz", "other")]
    built += [f"cameras.level.{v}{h}" for v in ("register", "integrate") for h in ("", ".hint")]
    built += [f"cameras.policy.{v}{h}" for v in ("request", "incident", "always") for h in ("", ".hint")]
    built += [f"cameras.status.{v}" for v in ("registered", "live", "offline", "paused")]
    built += [f"cameras.facing.{v}" for v in ("n", "ne", "e", "se", "s", "sw", "w", "nw")]
    actions = ("viewed", "requested", "approved", "declined", "uploaded", "exported")
    built += [f"cameras.receipts.action.{v}" for v in actions]
    channels = ("phone", "email")
    built += [f"cameras.portal.channel.{c}.{s}" for c in channels for s in ("ok", "pending")]
    built += [f"cameras.code.{k}.{c}" for c in channels for k in ("done",)] + [
        f"cameras.code.{c}" for c in channels
    ]
    assert [k for k in built if k not in english] == []
    from rtcc.alerts.settings import AlertsSettings

    offered = AlertsSettings.model_fields["categories"].default_factory()  # RTCC_ALERTS_CATEGORIES
    assert [c for c in offered if f"signup.category.{c}" not in english] == []


def test_public_pages_show_no_untranslated_text_from_scripts() -> None:
    """No visible text written into the tip pages' scripts: each goes through a key."""
    for path in (
        sorted((WEB / "assets" / "tip").glob("*.js"))
        + sorted((WEB / "assets" / "alerts").glob("*.js"))
        + sorted((WEB / "assets" / "transparency").glob("*.js"))
        + CAMERA_PAGE_SCRIPTS
    ):
        source = path.read_text(encoding="utf-8")
        assert not re.findall(r"""\btext: ["'`]""", source), path.name
        assert not re.findall(r"""\.(?:error|ok|info)\(["'`]""", source), path.name
        assert not re.findall(r"""textContent = ["'`][A-Za-z]""", source), path.name


CATALOG = Catalog(
    {
        "en": {"ack": "Tip {code} received.", "help": "Help: text STOP to opt out."},
        "es": {"ack": "Recibimos el aviso {code}."},
    }
)


def test_text_in_the_language_asked_for() -> None:
    assert CATALOG.text("es", "ack", code="T-4F7K") == "Recibimos el aviso T-4F7K."
    assert CATALOG.text("es-MX", "ack", code="T-4F7K") == "Recibimos el aviso T-4F7K."
    assert CATALOG.text("ES_us", "ack", code="T-4F7K") == "Recibimos el aviso T-4F7K."


def test_text_falls_back_to_english() -> None:
    assert CATALOG.text("fr", "ack", code="T-4F7K") == "Tip T-4F7K received."  # no French catalog
    assert CATALOG.text(None, "ack", code="T-4F7K") == "Tip T-4F7K received."
    assert CATALOG.text("es", "help") == "Help: text STOP to opt out."  # a key Spanish lacks
    assert CATALOG.languages == ("en", "es")


def test_an_unknown_key_or_a_missing_value_is_a_bug() -> None:
    with pytest.raises(KeyError, match="nope"):
        CATALOG.text("es", "nope")
    with pytest.raises(KeyError, match="code"):
        CATALOG.text("es", "ack")
    with pytest.raises(ValueError, match="'en' catalog is required"):
        Catalog({"es": {"ack": "Hola"}})


def test_a_new_language_is_a_new_file(tmp_path: Path) -> None:
    for lang, text in {"en": "Tip {code} received.", "pt-BR": "Denúncia {code} recebida."}.items():
        (tmp_path / f"{lang}.json").write_text(json.dumps({"ack": text}), encoding="utf-8")
    (tmp_path / "index.json").write_text("{}", encoding="utf-8")  # not a catalog
    catalog = Catalog.from_directory(tmp_path)
    assert catalog.languages == ("en", "pt-br")
    assert catalog.text("pt-BR", "ack", code="T-4F7K") == "Denúncia T-4F7K recebida."
    assert catalog.text("pt", "ack", code="T-4F7K") == "Tip T-4F7K received."


def test_shipped_sms_texts_keep_codes_and_stop_in_every_language() -> None:
    catalog = sms_catalog()
    assert {"en", "es"} <= set(catalog.languages)
    for lang in catalog.languages:
        assert "T-4F7K" in catalog.text(lang, "tips.ack.new", code="T-4F7K")
        assert "STOP" in catalog.text(lang, "tips.ack.new", code="T-4F7K")
        confirm = catalog.text(lang, "alerts.confirm", program="City Alerts", zones="01013")
        assert {"YES", "HELP", "STOP"} <= set(re.findall(r"[A-Z]{3,}", confirm))
    assert placeholders("Re tip {code}: {body}") == {"code", "body"}
