// /tip/follow-up: open a web tip with its code and passphrase, read the conversation with
// investigators and add information. The code and passphrase live only in this page's
// memory: nothing is stored in the browser, and a reload asks for them again.

import { busy, h, localTime, messageBox, replace } from "../dom.js";
import { initI18n, languageSwitch, showError, showMessage, tx, txAttrs } from "../i18n.js";
import { attachmentPicker } from "./attachments.js";
import { postPublic } from "./public-api.js";

const MAX_TEXT = 5000;

const ATTACHMENT_STATES = new Set(["awaiting_upload", "pending", "stored", "rejected"]);

function attachmentLine(item) {
  const key = `followUp.file.${ATTACHMENT_STATES.has(item.state) ? item.state : "unknown"}`;
  const cls = `attachment attachment-${item.state}`;
  // The reason comes from the server as it is; the state around it is translated.
  if (!item.reason) return h("li", { class: cls, ...tx(key) });
  return h("li", { class: cls }, h("span", tx(key)), ` (${item.reason})`);
}

function threadView(thread) {
  if (!thread.length) return h("p", { class: "muted", ...tx("followUp.noMessages") });
  return h(
    "ol",
    { class: "thread", id: "follow-up-thread", ...txAttrs({ "aria-label": "followUp.conversation" }) },
    thread.map((m) =>
      h(
        "li",
        { class: `bubble bubble-${m.sender === "you" ? "in" : "out"}`, dataset: { sender: m.sender } },
        h("p", { class: "bubble-meta" }, h("strong", tx(m.sender === "you" ? "followUp.you" : "followUp.investigator")), " · ", localTime(m.at)),
        m.text ? h("p", { class: "bubble-text", text: m.text }) : null,
        m.attachments.length ? h("ul", { class: "attachments" }, m.attachments.map(attachmentLine)) : null,
      ),
    ),
  );
}

function unlockForm(onUnlock) {
  const code = h("input", {
    id: "follow-up-code",
    name: "code",
    type: "text",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    maxlength: "12",
    placeholder: "T-4F7K",
    required: true,
  });
  const passphrase = h("input", {
    id: "follow-up-passphrase",
    name: "passphrase",
    type: "text",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    maxlength: "64",
    placeholder: "XXXX-XXXX-XXXX-XXXX",
    required: true,
  });
  const errors = messageBox();
  const open = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "follow-up-open", ...tx("followUp.open") });
  const form = h(
    "form",
    { class: "card stack", id: "follow-up-form", ...txAttrs({ "aria-label": "followUp.form" }), novalidate: true },
    h("div", { class: "field" }, h("label", { for: code.id, ...tx("followUp.code") }), code),
    h(
      "div",
      { class: "field" },
      h("label", { for: passphrase.id, ...tx("followUp.passphrase") }),
      passphrase,
      h("p", { class: "hint", ...tx("followUp.passphraseHint") }),
    ),
    errors.el,
    open,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    errors.clear();
    const credentials = { code: code.value.trim(), passphrase: passphrase.value.trim() };
    if (credentials.code.length < 4 || credentials.passphrase.length < 8) {
      showMessage(errors, "error", "followUp.incomplete");
      return;
    }
    busy(open, async () => {
      try {
        const tip = await postPublic("tips/follow-up", credentials);
        onUnlock({ code: tip.code, passphrase: credentials.passphrase }, tip);
      } catch (err) {
        // The API answers the same for an unknown code and a wrong passphrase; so do we.
        if (err.status === 403) showMessage(errors, "error", "followUp.mismatch");
        else showError(errors, err);
        passphrase.select();
      }
    });
  });
  return form;
}

function addInformationForm(credentials, onSent) {
  const text = h("textarea", { id: "follow-up-text", name: "text", rows: "5", maxlength: String(MAX_TEXT), autocomplete: "off" });
  const files = attachmentPicker("follow-up");
  const errors = messageBox();
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "follow-up-send", ...tx("followUp.add.send") });
  const form = h(
    "form",
    { class: "card stack", id: "follow-up-add", "aria-labelledby": "add-title", novalidate: true },
    h("h2", { id: "add-title", ...tx("followUp.add.title") }),
    h("div", { class: "field" }, h("label", { for: text.id, ...tx("followUp.add.message") }), text),
    files.wrap,
    errors.el,
    send,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    errors.clear();
    if (!text.value.trim() && !files.files.length) {
      showMessage(errors, "error", "followUp.add.empty");
      return;
    }
    busy(send, async () => {
      let answer;
      try {
        answer = await postPublic("tips/messages", { ...credentials, text: text.value, attachments: files.describe() });
      } catch (err) {
        showError(errors, err);
        return;
      }
      files.lock(true);
      let result = { sent: 0, failed: 0 };
      if (files.files.length) result = await files.upload(answer.uploads, credentials);
      text.value = "";
      await onSent(result);
    });
  });
  return form;
}

function start() {
  const app = document.getElementById("follow-up-app");
  let credentials = null;

  const status = messageBox();
  const threadBox = h("div", { class: "card", id: "follow-up-conversation" });
  const refreshButton = h("button", { type: "button", class: "btn btn-secondary", id: "follow-up-refresh", ...tx("followUp.refresh") });
  const closeButton = h("button", {
    type: "button",
    class: "btn btn-quiet",
    id: "follow-up-close",
    ...tx("followUp.close"),
    onclick: () => location.reload(),
  });
  const addBox = h("div");

  function show(tip) {
    replace(
      threadBox,
      h("h2", {}, h("span", tx("followUp.conversationAbout")), h("span", { class: "mono", id: "follow-up-code-shown", text: tip.code })),
      threadView(tip.thread),
    );
    if (tip.open) {
      replace(addBox, addInformationForm(credentials, afterSend));
    } else {
      replace(addBox, h("p", { class: "message message-info", ...tx("followUp.closed") }));
    }
  }

  async function reload() {
    const tip = await postPublic("tips/follow-up", credentials);
    show(tip);
  }

  async function afterSend(result) {
    try {
      await reload();
      if (result.failed) showMessage(status, "error", "followUp.sentFilesFailed", { failed: result.failed });
      else showMessage(status, "ok", "followUp.sent");
    } catch (err) {
      showError(status, err);
    }
  }

  refreshButton.addEventListener("click", () =>
    busy(refreshButton, async () => {
      status.clear();
      try {
        await reload();
        showMessage(status, "info", "followUp.upToDate");
      } catch (err) {
        showError(status, err);
      }
    }),
  );

  replace(
    app,
    unlockForm((keys, tip) => {
      credentials = keys;
      replace(app, status.el, threadBox, h("div", { class: "map-actions" }, refreshButton, closeButton), addBox);
      show(tip);
      threadBox.querySelector("h2").setAttribute("tabindex", "-1");
      threadBox.querySelector("h2").focus();
    }),
  );
}

// The texts first: the form is built in the reader's language.
await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
start();
