// /tip: write a tip, optionally mark a place and attach files, send it, and get the tip
// code and passphrase that open the follow-up page. The code and passphrase are shown
// before the files upload, so a failed upload never costs the tipster their key.

import { busy, h, messageBox, replace } from "../dom.js";
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
  const count = h("span", { id: "tip-text-count", class: "hint counter", "aria-live": "off", text: `0 / ${MAX_TEXT}` });
  input.addEventListener("input", () => {
    count.textContent = `${input.value.length} / ${MAX_TEXT}`;
  });
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: "tip-text", text: "What do you want to tell us?" }),
    h("p", { class: "hint", id: "tip-text-hint", text: "What happened, where and when, who was involved, vehicles, anything that helps. Please do not include your own name." }),
    input,
    count,
  );
  return { wrap, input };
}

/** The tip code and passphrase, with a clear instruction to write them down. */
function receipt(created) {
  const copy = h("button", { type: "button", class: "btn btn-quiet", id: "tip-copy", text: "Copy both" });
  const copied = h("span", { class: "hint", "aria-live": "polite" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(`Tip code: ${created.code}\nPassphrase: ${created.passphrase}`);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Copying is not available here; please write them down.";
    }
  });
  return h(
    "section",
    { class: "card receipt", id: "tip-receipt", "aria-labelledby": "receipt-title", tabindex: "-1" },
    h("h2", { id: "receipt-title", text: "Thank you. Your tip was sent." }),
    h("p", { class: "write-down" }, h("strong", { text: "Write these down now." }), " We cannot show them again, and we do not know who you are, so we cannot send them to you."),
    h(
      "dl",
      { class: "keys" },
      h("dt", { text: "Tip code" }),
      h("dd", { class: "secret", id: "tip-code", text: created.code }),
      h("dt", { text: "Passphrase" }),
      h("dd", { class: "secret", id: "tip-passphrase", text: created.passphrase }),
    ),
    h("div", { class: "map-actions" }, copy, copied),
    h(
      "p",
      {},
      "With them you can read replies from investigators and add more information on the ",
      h("a", { href: sitePath("tip/follow-up"), id: "tip-follow-up-link", text: "follow-up page" }),
      ". Check back in a day or two.",
    ),
  );
}

function start() {
  const app = document.getElementById("tip-app");
  const errors = messageBox();
  const text = textField();
  const place = locationPicker();
  const files = attachmentPicker("tip");
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "tip-send", text: "Send tip anonymously" });
  const form = h(
    "form",
    { class: "card stack", id: "tip-form", "aria-label": "Your tip", novalidate: true },
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
      errors.error("Please write what you know, or attach a photo or file.");
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
        errors.error(err);
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
        uploads.info("Sending your files…");
        const result = await files.upload(created.uploads, { code: created.code, passphrase: created.passphrase });
        if (result.failed) {
          uploads.error(
            `${result.sent} of ${result.sent + result.failed} files were sent. Your tip itself was received; ` +
              "you can add the missing files on the follow-up page.",
          );
        } else {
          uploads.ok(result.sent === 1 ? "Your file was sent." : `All ${result.sent} files were sent.`);
        }
      }
      const another = h("button", {
        type: "button",
        class: "btn btn-secondary btn-block",
        id: "tip-another",
        text: "Send another tip",
        onclick: () => location.reload(),
      });
      after.append(another);
    });
  });
}

start();
