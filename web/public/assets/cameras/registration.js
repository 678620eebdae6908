// /cameras: a resident or business puts their cameras on the city's map, in three steps on
// one page: contact (a mobile number and/or an email, checked with a one-time code sent to
// each), then cameras, each placed on the map. The code's answer is a signed owner link
// (the portal's token): it stays in this page's memory, is sent only in the X-Owner-Link
// header, and the last step offers it as /cameras/owner#t=<token> (a fragment: never sent to
// a server). A refusal from the API is shown at the field it names.

import { busy, h, messageBox, replace } from "../dom.js";
import { initI18n, language, languageSwitch, languages, showError, showMessage, tx, txAttrs } from "../i18n.js";
import { cameraForm } from "./camera-form.js";
import { camerasApi, sitePath } from "./cameras-api.js";
import { codeForm, input, labelled, refuse, unrefuse } from "./contact-codes.js";

const CHANNELS = ["phone", "email"];

function kindChoice() {
  const radios = ["resident", "business"].map((kind) =>
    h("input", { type: "radio", id: `owner-kind-${kind}`, name: "kind", value: kind, checked: kind === "resident" }),
  );
  const el = h(
    "fieldset",
    { class: "choice-group", id: "owner-kind" },
    h("legend", tx("cameras.contact.kind")),
    radios.map((radio) => h("label", { class: "check", for: radio.id }, radio, h("span", tx(`cameras.contact.kind.${radio.value}`)))),
  );
  return { el, radios, value: () => radios.find((r) => r.checked).value };
}

function languageSelect() {
  return h(
    "select",
    { id: "owner-language", name: "owner-language", "aria-describedby": "owner-language-hint owner-language-error" },
    languages().map(({ code, name }) => h("option", { value: code, lang: code, text: name, selected: code === language() })),
  );
}

function contactFields() {
  const kind = kindChoice();
  const business = input("owner-business", "business", { type: "text", maxlength: "120", autocomplete: "organization" });
  const businessField = labelled("owner-business", "cameras.contact.business", business);
  businessField.hidden = true;
  for (const radio of kind.radios) radio.addEventListener("change", () => (businessField.hidden = kind.value() !== "business"));
  const phone = input("owner-phone", "phone", { type: "tel", inputmode: "tel", autocomplete: "tel", maxlength: "40" });
  const email = input("owner-email", "email", { type: "email", inputmode: "email", autocomplete: "email", maxlength: "254" });
  const lang = languageSelect();
  const parts = [kind.el, businessField, labelled("owner-phone", "cameras.contact.phone", phone), labelled("owner-email", "cameras.contact.email", email), labelled("owner-language", "cameras.contact.language", lang)];
  const byField = { phone, email, contact: phone, name: business, business, language: lang };
  const values = () => ({
    kind: kind.value(),
    name: kind.value() === "business" ? business.value.trim() || null : null,
    phone: phone.value.trim() || null,
    email: email.value.trim() || null,
    language: lang.value,
  });
  return { parts, values, byField, inputs: [business, phone, email, lang] };
}

function stepHeading(id, key, step) {
  return [h("p", { class: "step", ...tx("cameras.step", { step, of: 3 }) }), h("h2", { id, tabindex: "-1", ...tx(key) })];
}

function contactStep(onDone) {
  const box = messageBox();
  const contact = contactFields();
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "owner-send", ...tx("cameras.contact.send") });
  const form = h(
    "form",
    { class: "card stack", id: "owner-form", "aria-labelledby": "owner-title", novalidate: true },
    stepHeading("owner-title", "cameras.contact.title", 1),
    h("p", { class: "hint", ...tx("cameras.contact.privacy") }),
    contact.parts,
    box.el,
    send,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    unrefuse(...contact.inputs);
    const body = contact.values();
    if (!body.phone && !body.email) return refuse(contact.byField.contact, null, "cameras.error.contact");
    if (body.kind === "business" && !body.name) return refuse(contact.byField.business, null, "cameras.error.business");
    busy(send, async () => {
      try {
        const answer = await camerasApi("POST", "owners", { body });
        onDone(answer, body);
      } catch (err) {
        const target = contact.byField[err.field];
        if (target) refuse(target, err);
        else showError(box, err);
      }
    });
  });
  return form;
}

function codeStep(answer, onToken) {
  let token = null;
  const next = h("button", { type: "button", class: "btn btn-primary btn-block", id: "code-continue", hidden: true, ...tx("cameras.code.continue") });
  next.addEventListener("click", () => onToken(token));
  const channels = CHANNELS.filter((c) => (answer.verify || []).includes(c));
  const section = h(
    "section",
    { class: "card stack", id: "code-step", "aria-labelledby": "code-title" },
    stepHeading("code-title", "cameras.code.title", 2),
    h("p", tx("cameras.code.lead")),
    channels.map((channel) =>
      codeForm(answer.owner_id, channel, (fresh) => {
        token = fresh || token;
        next.hidden = !token;
        if (token) next.focus();
      }),
    ),
    next,
  );
  return section;
}

function addedList() {
  const list = h("ul", { class: "camera-list", id: "cameras-added" });
  const wrap = h("div", { hidden: true }, h("h3", tx("cameras.add.listTitle")), list);
  return {
    wrap,
    add(camera) {
      // The owner's own words: shown as typed.
      list.append(h("li", { dataset: { camera: camera.camera_id || "" } }, h("strong", { text: camera.name }), " · ", h("span", tx(`cameras.level.${camera.level}`)), " · ", h("span", tx(`cameras.policy.${camera.policy}`))));
      wrap.hidden = false;
    },
    count: () => list.children.length,
  };
}

function camerasStep(token, onFinish) {
  const box = messageBox();
  const camera = cameraForm({ prefix: "camera" });
  const added = addedList();
  const save = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "camera-add", ...tx("cameras.add.save") });
  const finish = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "cameras-finish", hidden: true, ...tx("cameras.add.finish") });
  finish.addEventListener("click", () => onFinish(added.count()));
  const form = h("form", { class: "stack", id: "camera-form", ...txAttrs({ "aria-label": "cameras.add.form" }), novalidate: true }, camera.el, box.el, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    camera.clearErrors();
    const body = camera.values();
    if (!body.name) return camera.showError({ field: "name" }, "cameras.error.name");
    if (body.lat === null) return camera.showError({ field: "location" }, "cameras.error.location");
    busy(save, async () => {
      try {
        const answer = await camerasApi("POST", "portal/cameras", { body, token });
        added.add({ ...body, ...(answer?.camera || {}) });
        camera.reset();
        showMessage(box, "ok", "cameras.add.saved", { name: body.name });
        finish.hidden = false;
      } catch (err) {
        if (err.outside) camera.showError({ field: "location" }, "cameras.error.outside");
        else if (!camera.showError(err)) showError(box, err);
      }
    });
  });
  return h(
    "section",
    { class: "card stack", id: "cameras-step", "aria-labelledby": "cameras-title" },
    stepHeading("cameras-title", "cameras.add.title", 3),
    h("p", tx("cameras.add.lead")),
    added.wrap,
    form,
    finish,
  );
}

function finished(token, count) {
  return h(
    "section",
    { class: "card done", id: "cameras-done", "aria-labelledby": "cameras-done-title", tabindex: "-1" },
    h("h2", { id: "cameras-done-title", ...tx("cameras.done.title") }),
    h("p", tx("cameras.done.body", { count })),
    h("p", {}, h("a", { href: `${sitePath("cameras/owner")}#t=${encodeURIComponent(token)}`, id: "cameras-portal-link", class: "btn btn-primary btn-block", ...tx("cameras.done.portal") })),
    h("p", { class: "hint", ...tx("cameras.done.later") }),
  );
}

function show(app, el, focusId) {
  replace(app, el);
  document.getElementById(focusId)?.focus();
}

function start() {
  const app = document.getElementById("cameras-app");
  const toCameras = (token) => show(app, camerasStep(token, (count) => show(app, finished(token, count), "cameras-done")), "cameras-title");
  replace(app, contactStep((answer) => show(app, codeStep(answer, toCameras), "code-title")));
}

// The texts first: the form is built in the reader's language.
await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
start();
