// /tip/follow-up: open a web tip with its code and passphrase, read the conversation with
// investigators and add information. The code and passphrase live only in this page's
// memory: nothing is stored in the browser, and a reload asks for them again.

import { busy, h, localTime, messageBox, replace } from "../dom.js";
import { attachmentPicker } from "./attachments.js";
import { postPublic } from "./public-api.js";

const MAX_TEXT = 5000;

const ATTACHMENT_STATES = {
  awaiting_upload: "File: the upload did not finish",
  pending: "File: received, being checked",
  stored: "File: received",
  rejected: "File: not accepted",
  unknown: "File",
};

function attachmentLine(item) {
  const label = ATTACHMENT_STATES[item.state] || ATTACHMENT_STATES.unknown;
  return h("li", { class: `attachment attachment-${item.state}`, text: item.reason ? `${label} (${item.reason})` : label });
}

function threadView(thread) {
  if (!thread.length) return h("p", { class: "muted", text: "No messages yet." });
  return h(
    "ol",
    { class: "thread", id: "follow-up-thread", "aria-label": "Conversation" },
    thread.map((m) =>
      h(
        "li",
        { class: `bubble bubble-${m.sender === "you" ? "in" : "out"}`, dataset: { sender: m.sender } },
        h("p", { class: "bubble-meta" }, h("strong", { text: m.sender === "you" ? "You" : "Investigator" }), " · ", localTime(m.at)),
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
  const open = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "follow-up-open", text: "Open my tip" });
  const form = h(
    "form",
    { class: "card stack", id: "follow-up-form", "aria-label": "Open your tip", novalidate: true },
    h("div", { class: "field" }, h("label", { for: code.id, text: "Tip code" }), code),
    h("div", { class: "field" }, h("label", { for: passphrase.id, text: "Passphrase" }), passphrase, h("p", { class: "hint", text: "Capital letters, spaces and dashes do not matter." })),
    errors.el,
    open,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    errors.clear();
    const credentials = { code: code.value.trim(), passphrase: passphrase.value.trim() };
    if (credentials.code.length < 4 || credentials.passphrase.length < 8) {
      errors.error("Enter the tip code (like T-4F7K) and the passphrase you were given.");
      return;
    }
    busy(open, async () => {
      try {
        const tip = await postPublic("tips/follow-up", credentials);
        onUnlock({ code: tip.code, passphrase: credentials.passphrase }, tip);
      } catch (err) {
        // The API answers the same for an unknown code and a wrong passphrase; so do we.
        errors.error(
          err.status === 403
            ? "That tip code and passphrase do not match. Check both and try again."
            : err.message,
        );
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
  const send = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "follow-up-send", text: "Send" });
  const form = h(
    "form",
    { class: "card stack", id: "follow-up-add", "aria-labelledby": "add-title", novalidate: true },
    h("h2", { id: "add-title", text: "Add information" }),
    h("div", { class: "field" }, h("label", { for: text.id, text: "Your message" }), text),
    files.wrap,
    errors.el,
    send,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    errors.clear();
    if (!text.value.trim() && !files.files.length) {
      errors.error("Write what you want to add, or attach a file.");
      return;
    }
    busy(send, async () => {
      let answer;
      try {
        answer = await postPublic("tips/messages", { ...credentials, text: text.value, attachments: files.describe() });
      } catch (err) {
        errors.error(err);
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
  const refreshButton = h("button", { type: "button", class: "btn btn-secondary", id: "follow-up-refresh", text: "Check for replies" });
  const closeButton = h("button", {
    type: "button",
    class: "btn btn-quiet",
    id: "follow-up-close",
    text: "Done: hide it from this screen",
    onclick: () => location.reload(),
  });
  const addBox = h("div");

  function show(tip) {
    replace(
      threadBox,
      h("h2", {}, "Conversation about tip ", h("span", { class: "mono", id: "follow-up-code-shown", text: tip.code })),
      threadView(tip.thread),
    );
    if (tip.open) {
      replace(addBox, addInformationForm(credentials, afterSend));
    } else {
      replace(addBox, h("p", { class: "message message-info", text: "This tip is closed and takes no more information. If you know something new, please send a new tip." }));
    }
  }

  async function reload() {
    const tip = await postPublic("tips/follow-up", credentials);
    show(tip);
  }

  async function afterSend(result) {
    try {
      await reload();
      if (result.failed) status.error(`Your message was sent, but ${result.failed} file(s) were not. Try adding them again.`);
      else status.ok("Thank you. Your information was sent.");
    } catch (err) {
      status.error(err);
    }
  }

  refreshButton.addEventListener("click", () =>
    busy(refreshButton, async () => {
      status.clear();
      try {
        await reload();
        status.info("Up to date.");
      } catch (err) {
        status.error(err);
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

start();
