// /tip: write a tip, optionally mark a place and attach files, send it, and get the tip
// code and passphrase that open the follow-up page. The code and passphrase are shown
// before the files upload, so a failed upload never costs the tipster their key.

import { busy, h, messageBox, replace } from "../dom.js";
import { initI18n, languageSwitch, setText, showError, showMessage, t, tx, txAttrs } from "../i18n.js";
import { attachmentPicker } from "./attachments.js";
import { locationPicker } from "./location-picker.js";
import { postPublic, sitePath } from "./public-api.js";

const MAX_TEXT = 5000;

function textField() {
  const input = h("textarea", {
    id: "tip-text",
    name: "tip-text",
    rows: "7",
    maxlength: String(MAX_TEXT),
    "aria-describedby": "tip-text-hint tip-text-count",
    autocomplete: "off",
  });
  const count = h("span", { id: "tip-text-count", class: "hint counter", "aria-live": "off", ...tx("tip.text.count", { count: 0, max: MAX_TEXT }) });
  input.addEventListener("input", () => {
    setText(count, "tip.text.count", { count: input.value.length, max: MAX_TEXT });
  });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: "tip-text", ...tx("tip.text.label") }),
    h("p", { class: "hint", id: "tip-text-hint", ...tx("tip.text.hint") }),
    input,
    count,
  );
  return { wrap, input };
}

/** The tip code and passphrase, with a clear instruction to write them down. */
function receipt(created) {
  const copy = h("button", { type: "button", class: "btn btn-quiet", id: "tip-copy", ...tx("tip.receipt.copy") });
  const copied = h("span", { class: "hint", "aria-live": "polite" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(t("tip.receipt.copyText", { code: created.code, passphrase: created.passphrase }));
      setText(copied, "tip.receipt.copied");
    } catch {
      setText(copied, "tip.receipt.copyUnavailable");
    }
  });
  return h(
    "section",
    { class: "card receipt", id: "tip-receipt", "aria-labelledby": "receipt-title", tabindex: "-1" },
    h("h2", { id: "receipt-title", ...tx("tip.receipt.title") }),
    h("p", { class: "write-down" }, h("strong", tx("tip.receipt.writeDown")), h("span", tx("tip.receipt.why"))),
    h(
      "dl",
      { class: "keys" },
      h("dt", tx("tip.receipt.code")),
      h("dd", { class: "secret", id: "tip-code", text: created.code }),
      h("dt", tx("tip.receipt.passphrase")),
      h("dd", { class: "secret", id: "tip-passphrase", text: created.passphrase }),
    ),
    h("div", { class: "map-actions" }, copy, copied),
    h(
      "p",
      {},
      h("span", tx("tip.receipt.followUpBefore")),
      h("a", { href: sitePath("tip/follow-up"), id: "tip-follow-up-link", ...tx("tip.receipt.followUpLink") }),
      h("span", tx("tip.receipt.followUpAfter")),
    ),
  );
}

function start() {
  const app = document.getElementById("tip-app");
  const errors = messageBox();
  const text = textField();
  const place = locationPicker();
  const files = attachmentPicker("tip");
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "tip-send", ...tx("tip.send") });
  const form = h(
    "form",
    { class: "card stack", id: "tip-form", ...txAttrs({ "aria-label": "tip.form" }), novalidate: true },
    text.wrap,
    place.wrap,
    files.wrap,
    errors.el,
    send,
  );
  const after = h("div", { id: "tip-after" });
  replace(app, form, after);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    errors.clear();
    const body = text.input.value;
    if (!body.trim() && !files.files.length) {
      showMessage(errors, "error", "tip.empty");
      text.input.focus();
      return;
    }
    busy(send, async () => {
      const point = place.value();
      let created;
      try {
        created = await postPublic("tips", {
          text: body,
          latitude: point ? point.latitude : null,
          longitude: point ? point.longitude : null,
          attachments: files.describe(),
        });
      } catch (err) {
        showError(errors, err);
        return;
      }
      // The tip exists: lock the form, show the key at once, then send the files.
      text.input.readOnly = true;
      files.lock(true);
      send.hidden = true;
      const card = receipt(created);
      const uploads = messageBox();
      replace(after, card, uploads.el);
      card.focus();
      card.scrollIntoView({ block: "start" });
      if (files.files.length) {
        showMessage(uploads, "info", "tip.uploads.sending");
        const result = await files.upload(created.uploads, { code: created.code, passphrase: created.passphrase });
        if (result.failed) {
          showMessage(uploads, "error", "tip.uploads.someFailed", { sent: result.sent, total: result.sent + result.failed });
        } else if (result.sent === 1) {
          showMessage(uploads, "ok", "tip.uploads.oneSent");
        } else {
          showMessage(uploads, "ok", "tip.uploads.allSent", { count: result.sent });
        }
      }
      const another = h("button", {
        type: "button",
        class: "btn btn-secondary btn-block",
        id: "tip-another",
        ...tx("tip.another"),
        onclick: () => location.reload(),
      });
      after.append(another);
    });
  });
}

// The texts first: the form is built in the reader's language.
await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
start();
