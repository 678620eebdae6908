// /signup: a resident's number and choices, sent to /api/public/alerts/signup. The answer is
// always "check your phone" (the page cannot tell whether a number was already signed up);
// the confirmation text asks for YES, and only a YES starts the alerts.

import { busy, h, messageBox, replace } from "../dom.js";
import { initI18n, language, languageSwitch, showError, showMessage, tx, txAttrs } from "../i18n.js";
import { addressSearch } from "./address-search.js";
import { alertsApi } from "./alerts-api.js";
import { preferencesForm } from "./preferences-form.js";

function phoneField() {
  const input = h("input", {
    id: "signup-phone",
    name: "phone",
    type: "tel",
    inputmode: "tel",
    autocomplete: "tel",
    required: true,
    maxlength: "40",
    "aria-describedby": "signup-phone-hint",
  });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: "signup-phone", ...tx("signup.phone") }),
    h("p", { class: "hint", id: "signup-phone-hint", ...tx("signup.phone.hint") }),
    input,
  );
  return { wrap, input };
}

function done() {
  return h(
    "section",
    { class: "card done", id: "signup-done", "aria-labelledby": "signup-done-title", tabindex: "-1" },
    h("h2", { id: "signup-done-title", ...tx("signup.done.title") }),
    h("p", tx("signup.done.body")),
    h("p", { class: "hint", ...tx("signup.done.none") }),
  );
}

function form(options, searchEnabled) {
  const errors = messageBox();
  const phone = phoneField();
  let prefs = null;
  // Only when the city configured a place index; picking checks the address's areas.
  const search = searchEnabled
    ? addressSearch({ prefix: "signup", language, onPick: (zones) => prefs.selectZones(zones) }).wrap
    : null;
  prefs = preferencesForm(options, "signup", { search });
  // The exact words shown here are kept as consent evidence with the signup.
  const disclosure = h("p", { class: "disclosure", id: "signup-disclosure", ...tx("signup.disclosure", { program: options.program }) });
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "signup-send", "aria-describedby": "signup-disclosure", ...tx("signup.send") });
  const el = h(
    "form",
    { class: "stack", id: "signup-form", ...txAttrs({ "aria-label": "signup.form" }), novalidate: true },
    h("div", { class: "card" }, phone.wrap),
    prefs.parts,
    disclosure,
    errors.el,
    send,
  );
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    errors.clear();
    phone.input.removeAttribute("aria-invalid");
    if (!phone.input.value.trim()) {
      showMessage(errors, "error", "signup.error.phone.invalid");
      phone.input.setAttribute("aria-invalid", "true");
      phone.input.focus();
      return;
    }
    busy(send, async () => {
      try {
        await alertsApi("POST", "signup", {
          body: { phone: phone.input.value, consent_text: disclosure.textContent, ...prefs.values() },
        });
      } catch (err) {
        showError(errors, err);
        if (err.field === "phone") {
          phone.input.setAttribute("aria-invalid", "true");
          phone.input.focus();
        } else prefs.focusField(err.field);
        return;
      }
      const card = done();
      replace(document.getElementById("signup-app"), card);
      card.focus();
    });
  });
  return el;
}

async function start() {
  const app = document.getElementById("signup-app");
  let options;
  try {
    options = await alertsApi("GET", "zones");
  } catch (err) {
    const box = messageBox();
    replace(app, box.el);
    showError(box, err);
    return;
  }
  replace(app, form(options, await placeSearchEnabled()));
}

// A failed check only hides the search: pin, ZIP and list work without it.
async function placeSearchEnabled() {
  try {
    return (await alertsApi("GET", "places")).enabled === true;
  } catch {
    return false;
  }
}

// The texts first: the form is built in the reader's language.
await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
await start();
