"""The public tip pages in the reader's language (web/public/i18n catalogs, assets/i18n.js):
a Spanish browser gets Spanish, the switch changes the language on screen and the choice
lasts for the tab (reloads, /tip -> /tip/follow-up), and a tip sent in Spanish reaches the
officer's inbox and opens on the follow-up page in Spanish."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e

CODE = re.compile(r"T-[2-9A-HJKMNP-Z]{4,8}")


def test_a_spanish_browser_gets_the_tip_page_in_spanish(new_page, local_stack, screenshot) -> None:
    page = new_page(PHONE, locale="es-MX")
    page.goto(local_stack.base_url + "/tip")
    expect(page.locator("#tip-send")).to_have_text("Enviar aviso de forma anónima")
    assert page.evaluate("document.documentElement.lang") == "es"
    expect(page).to_have_title("Envíe un aviso anónimo")
    expect(page.locator("#anon-title")).to_have_text("Se mantiene su anonimato")
    expect(page.locator("#tip-map-source")).to_contain_text("no descarga imágenes")
    expect(page.locator("#language-switch")).to_have_value("es")
    # Texts the script shows later come from the catalog too.
    page.click("#tip-send")
    expect(page.locator("#tip-form .message-error")).to_have_text(
        "Escriba lo que sabe, o adjunte una foto o un archivo."
    )
    assert horizontal_overflow(page) == 0
    screenshot(page, "tip-es-phone")


def test_an_unknown_language_falls_back_to_english(new_page, local_stack) -> None:
    page = new_page(PHONE, locale="de-DE")
    page.goto(local_stack.base_url + "/tip")
    expect(page.locator("#tip-send")).to_have_text("Send tip anonymously")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_the_switch_changes_the_language_and_the_choice_lasts(new_page, local_stack) -> None:
    page = new_page(PHONE)  # an English browser
    page.goto(local_stack.base_url + "/tip")
    expect(page.locator("#tip-send")).to_have_text("Send tip anonymously")
    switch = page.locator("#language-switch")
    expect(page.locator("label[for='language-switch']")).to_have_text("Language")
    assert page.locator("#language-switch option[value='es']").get_attribute("lang") == "es"

    # Text already on screen, including what the script built and a message it showed,
    # changes in place: no reload (a reload would lose a tip's code and passphrase).
    page.click("#tip-send")
    expect(page.locator("#tip-form .message-error")).to_contain_text("write what you know")
    page.evaluate("window.__noReload = true")
    # By keyboard: focus the select and pick the next option.
    switch.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#tip-send")).to_have_text("Enviar aviso de forma anónima")
    expect(page.locator("#tip-form .message-error")).to_have_text(
        "Escriba lo que sabe, o adjunte una foto o un archivo."
    )
    expect(page.locator("label[for='language-switch']")).to_have_text("Idioma")
    expect(page.locator("#tip-location-status")).to_have_text("No hay ningún lugar marcado.")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.evaluate("window.__noReload === true")

    # The choice lasts for the tab: a reload and the follow-up page stay in Spanish ...
    page.reload()
    expect(page.locator("#tip-send")).to_have_text("Enviar aviso de forma anónima")
    page.click(".public-footer a")
    expect(page.locator("#follow-up-open")).to_have_text("Abrir mi aviso")
    # ... and is kept in sessionStorage only: nothing lasting stays on the phone.
    assert page.evaluate("localStorage.length") == 0
    page.select_option("#language-switch", "en")
    expect(page.locator("#follow-up-open")).to_have_text("Open my tip")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_a_tip_sent_in_spanish_reaches_the_officer_and_opens_in_spanish(
    new_page, sign_in, local_stack, screenshot
) -> None:
    officer = new_page(DESKTOP)
    sign_in(officer, "officer")
    officer.evaluate("location.hash = '#/tips'")
    officer.wait_for_selector("#tips-empty:not([hidden]), .tip-item")

    tipster = new_page(PHONE, locale="es-US")
    tipster.goto(local_stack.base_url + "/tip")
    text = f"Robaron bicicletas del estacionamiento de la biblioteca, visto a las {time.time():.0f}"
    tipster.fill("#tip-text", text)
    tipster.click("#tip-location-open")
    expect(tipster.locator("#tip-map .tip-grid-tile").first).to_be_visible(timeout=10_000)
    tipster.click("#tip-map", position={"x": 120, "y": 120})
    expect(tipster.locator("#tip-location-status")).to_contain_text("Marcador en")
    tipster.click("#tip-send")
    receipt = tipster.locator("#tip-receipt")
    expect(receipt).to_be_visible()
    expect(receipt.locator("h2")).to_have_text("Gracias. Su aviso fue enviado.")
    expect(receipt).to_contain_text("Anótelos ahora.")
    code = tipster.inner_text("#tip-code").strip()
    passphrase = tipster.inner_text("#tip-passphrase").strip()
    assert CODE.fullmatch(code)
    screenshot(tipster, "tip-es-receipt-phone")

    item = officer.locator(f".tip-item[data-code='{code}']")
    expect(item).to_be_visible(timeout=8_000)
    expect(item).to_contain_text("Robaron bicicletas")

    tipster.click("#tip-follow-up-link")
    tipster.wait_for_url(re.compile(r"/tip/follow-up$"))
    expect(tipster.locator("label[for='follow-up-code']")).to_have_text("Código del aviso")
    tipster.fill("#follow-up-code", code)
    tipster.fill("#follow-up-passphrase", "AAAA-BBBB-CCCC-DDDD")
    tipster.click("#follow-up-open")
    expect(tipster.locator("#follow-up-form .message-error")).to_have_text(
        "El código del aviso y la clave de acceso no coinciden. Revise ambos e inténtelo de nuevo."
    )
    tipster.fill("#follow-up-passphrase", passphrase)
    tipster.click("#follow-up-open")
    expect(tipster.locator("#follow-up-thread [data-sender='you'] strong").first).to_have_text("Usted")
    expect(tipster.locator("#follow-up-refresh")).to_have_text("Ver si hay respuestas")
    tipster.fill("#follow-up-text", "Eran dos personas en una camioneta blanca.")
    tipster.click("#follow-up-send")
    expect(tipster.locator("#follow-up-app .message-ok")).to_have_text("Gracias. Su información fue enviada.")
    expect(officer.locator(f".tip-item[data-code='{code}']")).to_be_visible()
    assert horizontal_overflow(tipster) == 0
