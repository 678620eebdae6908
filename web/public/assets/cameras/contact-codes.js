// The contact fields' shared pieces, for /cameras (registering) and /cameras/owner (confirming
// a channel left unconfirmed): labelled inputs with an error line the refusal is written in,
// and one channel's one-time code form (POST /api/public/cameras/owners/{id}/verify, a new
// code by POST .../codes).

import { busy, h, messageBox } from "../dom.js";
import { setText, showError, showMessage, tx } from "../i18n.js";
import { camerasApi } from "./cameras-api.js";

export function fieldError(id) {
  return h("p", { class: "field-error", id, hidden: true });
}

export function input(id, name, attrs) {
  return h("input", { id, name, "aria-describedby": `${id}-hint ${id}-error`, ...attrs });
}

export function labelled(id, key, control, { hint = true } = {}) {
  return h("div", { class: "field" }, h("label", { for: id, ...tx(key) }), hint ? h("p", { class: "hint", id: `${id}-hint`, ...tx(`${key}.hint`) }) : null, control, fieldError(`${id}-error`));
}

// Marks `el` refused with `err`'s text (or catalog `key`), shown in its error line, and focuses it.
export function refuse(el, err, key = null) {
  const line = document.getElementById(`${el.id}-error`);
  if (key) setText(line, key);
  else {
    delete line.dataset.i18n;
    line.textContent = err.message;
  }
  line.hidden = false;
  el.setAttribute("aria-invalid", "true");
  el.focus();
}

export function unrefuse(...els) {
  for (const el of els) {
    el.removeAttribute("aria-invalid");
    const line = document.getElementById(`${el.id}-error`);
    if (line) line.hidden = true;
  }
}

// A wrong or expired code is said in the reader's language; anything else as the API said it.
function codeRefusal(status) {
  if (status === 410) return "cameras.error.codeExpired";
  if (status === 409) return "cameras.error.taken";
  return [400, 401, 403, 422].includes(status) ? "cameras.error.wrongCode" : null;
}

// A fresh code for one channel (the last one sent is the one that works).
function resendButton(ownerId, channel) {
  const box = messageBox();
  const button = h("button", { type: "button", class: "btn btn-quiet", id: `code-${channel}-resend`, ...tx("cameras.code.resend") });
  button.addEventListener("click", () =>
    busy(button, async () => {
      try {
        await camerasApi("POST", `owners/${encodeURIComponent(ownerId)}/codes`, { body: { channel } });
        showMessage(box, "ok", "cameras.code.resent");
      } catch (err) {
        showError(box, err);
      }
    }),
  );
  return { button, box };
}

/**
 * One channel's code: its field, Confirm, "Send a new code". `onVerified(portalToken)` after the
 * code is accepted (the API answers a fresh owner link each time).
 */
export function codeForm(ownerId, channel, onVerified) {
  const id = `code-${channel}`;
  const code = input(id, "code", { type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "12", class: "code" });
  const confirm = h("button", { type: "submit", class: "btn btn-primary", id: `${id}-confirm`, ...tx("cameras.code.confirm") });
  const done = h("p", { class: "message message-ok", id: `${id}-done`, hidden: true, role: "status", ...tx(`cameras.code.done.${channel}`) });
  const again = resendButton(ownerId, channel);
  const form = h("form", { class: "stack", id: `${id}-form`, novalidate: true }, labelled(id, `cameras.code.${channel}`, code), h("div", { class: "map-actions" }, confirm, again.button), again.box.el, done);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unrefuse(code);
    if (!code.value.trim()) return refuse(code, null, "cameras.error.code");
    busy(confirm, async () => {
      try {
        const answer = await camerasApi("POST", `owners/${encodeURIComponent(ownerId)}/verify`, { body: { channel, code: code.value.trim() } });
        code.disabled = true;
        confirm.hidden = true;
        again.button.hidden = true;
        again.box.clear();
        done.hidden = false;
        onVerified(answer.portal_token);
      } catch (err) {
        refuse(code, err, codeRefusal(err.status));
      }
    });
  });
  return form;
}
