// Attachments on the public tip pages: pick up to five files, check them here first (the
// server and S3 check again), upload each straight to S3 with the presigned POST form the
// API returned, show progress and a per-file result, then tell the API the upload is done.

import { h, replace } from "../dom.js";
import { language, setText, t, tx, txAttrs } from "../i18n.js";
import { postPublic } from "./public-api.js";

export const MAX_FILES = 5;
export const MAX_BYTES = 5 * 1024 * 1024;

// The same allowlist as rtcc.tips.mediapolicy (images, video, audio, PDF).
const ALLOWED = new Set([
  "image/jpeg", "image/png", "image/gif", "image/webp",
  "video/mp4", "video/3gpp", "video/quicktime", "video/webm",
  "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/ogg", "audio/wav", "audio/x-wav", "audio/3gpp", "audio/webm",
  "application/pdf",
]);
const ACCEPT = [...ALLOWED].join(",");

function sizeText(bytes) {
  const number = (value, digits = 0) =>
    new Intl.NumberFormat(language(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
  if (bytes < 1024) return t("files.bytes", { size: number(bytes) });
  if (bytes < 1024 * 1024) return t("files.kb", { size: number(Math.round(bytes / 1024)) });
  return t("files.mb", { size: number(bytes / (1024 * 1024), 1) });
}

// An upload failure whose text is a catalog key, so it reads in the page's language.
const failure = (key, values) => new Error(t(key, values));

/** Why `file` cannot be sent, or "" when it can. */
export function problemWith(file) {
  const type = (file.type || "").toLowerCase();
  if (!ALLOWED.has(type)) return t("files.notAccepted");
  if (file.size === 0) return t("files.empty");
  if (file.size > MAX_BYTES) return t("files.tooBig", { size: sizeText(file.size) });
  return "";
}

/** POST `file` to S3 with the presigned form; onProgress(0..1). Resolves on 2xx. */
function uploadToS3(form, file, onProgress) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    // S3 wants the policy fields first and the file last.
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.url);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else if (/ExpiredToken|expired/i.test(xhr.responseText || ""))
        reject(failure("files.expired"));
      else if (/EntityTooLarge|content-length/i.test(xhr.responseText || ""))
        reject(failure("files.storageTooBig"));
      else reject(failure("files.storageRefused", { status: xhr.status }));
    });
    xhr.addEventListener("error", () => reject(failure("files.network")));
    xhr.addEventListener("abort", () => reject(failure("files.aborted")));
    xhr.send(body);
  });
}

/**
 * The file picker with its list. `picker.files` are the chosen (valid) files,
 * `picker.describe()` is what the API needs ({content_type, size} each), and
 * `picker.upload(forms, credentials)` sends them and resolves to {sent, failed}.
 */
export function attachmentPicker(idPrefix) {
  const files = [];
  const rows = new Map();
  const input = h("input", {
    type: "file",
    id: `${idPrefix}-files`,
    class: "visually-hidden",
    multiple: true,
    accept: ACCEPT,
  });
  const button = h("label", { class: "btn btn-secondary btn-block", for: input.id, ...tx("files.add") });
  const hint = h("p", { class: "hint", id: `${idPrefix}-files-hint`, ...tx("files.hint") });
  const notice = h("p", { class: "file-notice", role: "alert", hidden: true });
  const list = h("ul", { class: "file-list", ...txAttrs({ "aria-label": "files.list" }) });
  input.setAttribute("aria-describedby", hint.id);

  function render() {
    replace(list, files.map((file) => rows.get(file).el));
    button.hidden = files.length >= MAX_FILES;
  }

  function rowFor(file) {
    const status = h("span", { class: "file-status", text: sizeText(file.size) });
    const named = { name: file.name };
    const bar = h("progress", { class: "file-progress", max: "1", value: "0", hidden: true, ...txAttrs({ "aria-label": "files.progress" }, named) });
    const remove = h("button", {
      type: "button",
      class: "btn-link",
      ...tx("files.remove"),
      ...txAttrs({ "aria-label": "files.removeName" }, named),
      onclick: () => {
        files.splice(files.indexOf(file), 1);
        rows.delete(file);
        render();
      },
    });
    const el = h("li", { class: "file-row" }, h("span", { class: "file-name", text: file.name }), status, remove, bar);
    return { el, status, bar, remove };
  }

  input.addEventListener("change", () => {
    const problems = [];
    for (const file of input.files) {
      if (files.length >= MAX_FILES) {
        problems.push(t("files.tooMany", { max: MAX_FILES, name: file.name }));
        continue;
      }
      const problem = problemWith(file);
      if (problem) {
        problems.push(t("files.problem", { name: file.name, problem }));
        continue;
      }
      files.push(file);
      rows.set(file, rowFor(file));
    }
    input.value = "";
    notice.textContent = problems.join(" ");
    notice.hidden = !problems.length;
    render();
  });

  async function upload(forms, credentials) {
    let sent = 0;
    let failed = 0;
    // One at a time: phones on weak connections do better than with five at once.
    for (let i = 0; i < files.length; i += 1) {
      const row = rows.get(files[i]);
      const form = forms[i];
      row.remove.hidden = true;
      row.bar.hidden = false;
      setText(row.status, "files.sending");
      try {
        if (!form) throw failure("files.noPlace");
        await uploadToS3(form, files[i], (done) => {
          row.bar.value = done;
        });
        await postPublic(`tips/uploads/${form.media_id}/confirm`, credentials);
        row.bar.value = 1;
        setText(row.status, "files.sent");
        row.el.classList.add("file-sent");
        sent += 1;
      } catch (err) {
        row.bar.hidden = true;
        setText(row.status, "files.notSent", { reason: err.message });
        row.el.classList.add("file-failed");
        failed += 1;
      }
    }
    return { sent, failed };
  }

  function reset() {
    files.length = 0;
    rows.clear();
    notice.hidden = true;
    render();
  }

  const wrap = h("div", { class: "field" }, h("span", { class: "field-label", ...tx("files.label") }), input, button, hint, notice, list);
  return {
    wrap,
    files,
    describe: () => files.map((file) => ({ content_type: file.type.toLowerCase(), size: file.size })),
    upload,
    reset,
    lock: (locked) => {
      input.disabled = locked;
      button.classList.toggle("is-disabled", locked);
      for (const row of rows.values()) row.remove.disabled = locked;
    },
  };
}
