// /alerts/manage#t=<token>: the link texted to a subscriber. The token is read from the
// fragment (browsers never send it: no access log, no Referer) and then taken out of the
// address bar, so a shared screenshot or a copied address does not carry it. It is kept in
// this page's memory only and sent as "Authorization: Manage <token>".

import { busy, h, messageBox, replace } from "../dom.js";
import { initI18n, languageSwitch, showError, showMessage, tx, txAttrs } from "../i18n.js";
import { alertsApi, sitePath } from "./alerts-api.js";
import { preferencesForm } from "./preferences-form.js";

function takeToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get("t");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return token && /^[A-Za-z0-9_.-]{1,300}$/.test(token) ? token : null;
}

function signupLink() {
  return h("p", {}, h("a", { href: sitePath("signup"), id: "manage-signup-link", ...tx("manage.signupLink") }));
}

function deleted() {
  return h(
    "section",
    { class: "card done", id: "manage-deleted", "aria-labelledby": "manage-deleted-title", tabindex: "-1" },
    h("h2", { id: "manage-deleted-title", ...tx("manage.deleted.title") }),
    h("p", tx("manage.deleted.body")),
    signupLink(),
  );
}

function deletion(token, app) {
  const box = messageBox();
  const ask = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "manage-delete", ...tx("manage.delete") });
  const yes = h("button", { type: "button", class: "btn btn-primary", id: "manage-delete-confirm", ...tx("manage.delete.confirm") });
  const no = h("button", { type: "button", class: "btn btn-quiet", id: "manage-delete-cancel", ...tx("manage.delete.cancel") });
  const confirm = h("div", { class: "stack", hidden: true }, h("p", { id: "manage-delete-question", ...tx("manage.delete.question") }), h("div", { class: "map-actions" }, yes, no));
  ask.addEventListener("click", () => {
    confirm.hidden = false;
    ask.hidden = true;
    yes.focus();
  });
  no.addEventListener("click", () => {
    confirm.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener("click", () =>
    busy(yes, async () => {
      try {
        await alertsApi("DELETE", "subscription", { token });
      } catch (err) {
        showError(box, err);
        return;
      }
      const card = deleted();
      replace(app, card);
      card.focus();
    }),
  );
  return h(
    "section",
    { class: "card danger-zone stack", "aria-labelledby": "manage-delete-title" },
    h("h2", { id: "manage-delete-title", ...tx("manage.delete.title") }),
    h("p", { class: "hint", ...tx("manage.delete.hint") }),
    ask,
    confirm,
    box.el,
  );
}

function editor(token, options, current, app) {
  const box = messageBox();
  const prefs = preferencesForm(options, "manage");
  prefs.setValues(current);
  const status = h("p", { id: "manage-status", ...tx(current.status === "active" ? "manage.status.active" : "manage.status.pending") });
  const save = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "manage-save", ...tx("manage.save") });
  const form = h("form", { class: "stack", id: "manage-form", ...txAttrs({ "aria-label": "manage.form" }), novalidate: true }, status, prefs.parts, box.el, save);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    busy(save, async () => {
      try {
        const saved = await alertsApi("PUT", "subscription", { token, body: prefs.values() });
        prefs.setValues(saved);
        showMessage(box, "ok", "manage.saved");
      } catch (err) {
        showError(box, err);
        prefs.focusField(err.field);
      }
    });
  });
  return [form, deletion(token, app)];
}

async function start() {
  const app = document.getElementById("manage-app");
  const box = messageBox();
  const token = takeToken();
  if (!token) {
    replace(app, box.el, signupLink());
    showMessage(box, "error", "manage.error.noLink");
    return;
  }
  let options, current;
  try {
    [options, current] = await Promise.all([alertsApi("GET", "zones"), alertsApi("GET", "subscription", { token })]);
  } catch (err) {
    replace(app, box.el, signupLink());
    showError(box, err);
    return;
  }
  replace(app, ...editor(token, options, current, app));
}

await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
await start();
