// Hotlists: the lists with their versions, and for supervisors: create a list, import a file
// (AutoVu or NCIC layout) with one progress bar for both halves of the work, the upload
// to S3 (XMLHttpRequest upload events: fetch() reports none) and then the import's own
// bytes_read / bytes_total as the function parses the file, ending in the summary with the
// rejected rows; and a manual BOLO entry form.

import { apiFetch } from "../../api.js";
import { busy, field, h, localInputToUtc, messageBox, replace } from "../../dom.js";
import { facts, hasRole, kib, selectField } from "./common.js";

// How often the import's progress is asked for while it runs.
const POLL_MS = 1000;
const NOTIFY = [
  ["feed", "Console only"],
  ["feed+sms", "Console and a text to the watch desk"],
];
const FORMATS = [
  ["autovu", "AutoVu text file"],
  ["ncic", "NCIC extract"],
];

function listsTable(hotlists) {
  if (!hotlists.length) return h("p", { class: "muted", id: "lpr-no-lists", text: "No hotlists yet." });
  const row = (l) =>
    h(
      "tr",
      { dataset: { list: l.list_id } },
      h("th", { scope: "row" }, h("span", { text: l.name }), h("br"), h("small", { class: "muted", text: l.list_id })),
      h("td", { text: String(l.priority) }),
      h("td", { text: l.notify === "feed+sms" ? "console + text" : "console" }),
      h("td", { class: "lpr-num", text: String(l.entries ?? 0) }),
      h("td", { text: l.importing ? "importing…" : l.version ? `v${l.version}` : "empty" }),
    );
  return h(
    "div",
    { class: "lpr-table-wrap", tabindex: "0", role: "region", "aria-label": "Hotlists" },
    h(
      "table",
      { class: "lpr-table", id: "lpr-lists" },
      h("thead", {}, h("tr", {}, ["List", "Priority", "Alerts", "Entries", "Version"].map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, hotlists.map(row)),
    ),
  );
}

function createForm(onCreated) {
  const errors = messageBox();
  const id = field("lpr-list-id", "List id (lower-case letters, digits and -)", { required: true, maxlength: 64, autocomplete: "off" });
  const name = field("lpr-list-name", "Name", { required: true, maxlength: 120 });
  const priority = field("lpr-list-priority", "Priority (0 is the highest)", { type: "number", min: 0, max: 100, value: 50, inputmode: "numeric" });
  const notify = selectField("lpr-list-notify", "When it hits", NOTIFY);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", text: "Create hotlist" });
  const form = h("form", { id: "lpr-create-list", class: "stack lpr-form", novalidate: true }, id.wrap, name.wrap, priority.wrap, notify.wrap, errors.el, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      errors.clear();
      try {
        const json = { list_id: id.input.value.trim(), name: name.input.value.trim(), priority: Number(priority.input.value), notify: notify.input.value };
        await apiFetch("/api/lpr/hotlists", { method: "POST", json });
        form.reset();
        await onCreated(json.list_id);
      } catch (err) {
        errors.error(err);
      }
    });
  });
  return h("details", { class: "lpr-section" }, h("summary", { text: "New hotlist" }), form);
}

/** Posts `file` to the presigned S3 form; resolves when S3 accepted it. */
function uploadTo(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(upload.fields || {})) body.append(name, value);
    body.append("file", file); // S3 takes the file as the form's last field
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress(e.loaded, e.total));
    xhr.addEventListener("load", () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(xhr.status === 400 || xhr.status === 403 ? "The storage refused the file (too large, or the upload form expired). Try again." : `The upload failed (HTTP ${xhr.status}).`)),
    );
    xhr.addEventListener("error", () => reject(new Error("The upload was interrupted. Check the connection and try again.")));
    xhr.send(body);
  });
}

function summaryView(imp) {
  const s = imp.summary || {};
  const rows = s.rejected_rows || [];
  return h(
    "div",
    { id: "lpr-import-summary", class: "lpr-summary" },
    h("h3", { text: `Imported: version ${s.version}` }),
    facts([
      ["Added", s.added],
      ["Removed", s.removed],
      ["Unchanged", s.unchanged],
      ["Rejected rows", s.rejected],
    ]),
    rows.length
      ? h(
          "div",
          { class: "lpr-table-wrap", tabindex: "0", role: "region", "aria-label": "Rejected rows" },
          h(
            "table",
            { class: "lpr-table", id: "lpr-rejected" },
            h("caption", { text: s.rejected > rows.length ? `The first ${rows.length} of ${s.rejected} rejected rows` : "Rejected rows" }),
            h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Line" }), h("th", { scope: "col", text: "Why" }))),
            h("tbody", {}, rows.map((r) => h("tr", {}, h("td", { class: "lpr-num", text: String(r.line) }), h("td", { text: r.reason })))),
          ),
        )
      : null,
  );
}

/** The progress bar: one <progress>, its label naming the phase (upload, then import). */
function progressBar() {
  const label = h("span", { id: "lpr-progress-label", text: "Uploading the file" });
  const bar = h("progress", { id: "lpr-progress", max: 100, value: 0, "aria-labelledby": "lpr-progress-label" });
  const text = h("p", { class: "lpr-progress-text", id: "lpr-progress-text", "aria-live": "polite" });
  const el = h("div", { class: "lpr-progress", id: "lpr-progress-wrap", hidden: true }, h("p", {}, label), bar, text);
  return {
    el,
    show(phase, done, total) {
      el.hidden = false;
      label.textContent = phase;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      bar.value = pct;
      bar.dataset.phase = phase.startsWith("Upload") ? "upload" : "import";
      text.textContent = `${pct}% · ${kib(done)} of ${kib(total)}`;
    },
  };
}

async function waitForImport(importId, progress) {
  for (;;) {
    const { import: imp } = await apiFetch(`/api/lpr/hotlists/imports/${encodeURIComponent(importId)}`);
    if (imp.state === "done" || imp.state === "failed") {
      if (imp.state === "done") progress.show("Imported", imp.bytes_total || 1, imp.bytes_total || 1);
      return imp;
    }
    progress.show(imp.state === "waiting" ? "Waiting for the import to start" : "Importing", imp.bytes_read || 0, imp.bytes_total || 0);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function importForm(hotlists, maxBytes, onDone) {
  const errors = messageBox();
  const list = selectField("lpr-import-list", "Hotlist", hotlists.map((l) => [l.list_id, l.name]));
  const format = selectField("lpr-import-format", "File layout", FORMATS);
  const limit = maxBytes ? `At most ${kib(maxBytes)}.` : "";
  const file = field("lpr-import-file", "File", { type: "file", accept: ".csv,.txt,.tsv,text/csv,text/plain", required: true }, limit);
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "lpr-import-send", text: "Upload and import" });
  const progress = progressBar();
  const result = h("div", { id: "lpr-import-result" });
  const form = h("form", { id: "lpr-import", class: "stack lpr-form", novalidate: true }, list.wrap, format.wrap, file.wrap, errors.el, submit, progress.el, result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = file.input.files[0];
    if (!chosen) return errors.error("Choose the file to import.");
    // The upload form refuses it anyway (content-length-range); saying so here saves the wait.
    if (maxBytes && chosen.size > maxBytes) return errors.error(`The file is ${kib(chosen.size)}: the limit is ${kib(maxBytes)}.`);
    return busy(submit, async () => {
      errors.clear();
      replace(result);
      try {
        const listId = list.input.value;
        const made = await apiFetch(`/api/lpr/hotlists/${encodeURIComponent(listId)}/imports`, {
          method: "POST",
          json: { format: format.input.value, filename: chosen.name, bytes: chosen.size },
        });
        progress.show("Uploading the file", 0, chosen.size);
        await uploadTo(made.upload, chosen, (loaded, total) => progress.show("Uploading the file", loaded, total));
        progress.show("Uploaded", chosen.size, chosen.size); // S3 has it all (small files fire no progress event)
        await apiFetch(`/api/lpr/hotlists/imports/${encodeURIComponent(made.import_id)}/start`, { method: "POST" });
        const imp = await waitForImport(made.import_id, progress);
        if (imp.state === "failed") return errors.error(`The import failed: ${imp.error || "no reason given"}. The list is unchanged.`);
        replace(result, summaryView(imp));
        await onDone();
      } catch (err) {
        errors.error(err);
      }
      return undefined;
    });
  });
  return h("section", { class: "lpr-section", "aria-labelledby": "lpr-import-title" }, h("h2", { id: "lpr-import-title", text: "Import a file" }), form);
}

function boloForm(hotlists, onDone) {
  const errors = messageBox();
  const list = selectField("lpr-bolo-list", "Hotlist", hotlists.map((l) => [l.list_id, l.name]));
  const plate = field("lpr-bolo-plate", "Plate (use * for any run of characters, ? for one)", { required: true, maxlength: 16, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  const state = field("lpr-bolo-state", "State (optional, e.g. MA)", { maxlength: 3, autocapitalize: "characters" });
  const reason = field("lpr-bolo-reason", "Reason", { required: true, maxlength: 200 });
  const caseNo = field("lpr-bolo-case", "Case number (optional)", { maxlength: 64 });
  const priority = field("lpr-bolo-priority", "Priority (optional; 0 is the highest)", { type: "number", min: 0, max: 100, inputmode: "numeric" });
  const expires = field("lpr-bolo-expires", "Expires (optional, your local time)", { type: "datetime-local" });
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", text: "Add entry" });
  const form = h("form", { id: "lpr-bolo", class: "stack lpr-form", novalidate: true }, list.wrap, plate.wrap, state.wrap, reason.wrap, caseNo.wrap, priority.wrap, expires.wrap, errors.el, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      errors.clear();
      const json = { plate: plate.input.value.trim().toUpperCase(), reason: reason.input.value.trim() };
      if (state.input.value.trim()) json.state = state.input.value.trim().toUpperCase();
      if (caseNo.input.value.trim()) json.case_number = caseNo.input.value.trim();
      if (priority.input.value !== "") json.priority = Number(priority.input.value);
      if (expires.input.value) json.expires_at = localInputToUtc(expires.input.value);
      try {
        const out = await apiFetch(`/api/lpr/hotlists/${encodeURIComponent(list.input.value)}/entries`, { method: "POST", json });
        form.reset();
        errors.ok(`Entry ${out.entry.entry_id} added to the list${out.import && out.import.summary ? ` (version ${out.import.summary.version})` : ""}.`);
        withdrawId.input.value = out.entry.entry_id; // ready to take back a mistake
        await onDone();
      } catch (err) {
        errors.error(err);
      }
    });
  });
  const withdrawId = field("lpr-withdraw-id", "Entry id (as shown when it was added: plate:state, or nic:number)", { maxlength: 120, autocomplete: "off" });
  const withdraw = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "lpr-withdraw", text: "Withdraw entry" });
  const withdrawn = messageBox();
  withdraw.addEventListener("click", () =>
    busy(withdraw, async () => {
      withdrawn.clear();
      const entryId = withdrawId.input.value.trim();
      if (!entryId) return withdrawn.error("Enter the entry id to withdraw.");
      try {
        await apiFetch(`/api/lpr/hotlists/${encodeURIComponent(list.input.value)}/entries/${encodeURIComponent(entryId)}`, { method: "DELETE" });
        withdrawId.input.value = "";
        withdrawn.ok(`Entry ${entryId} withdrawn: it no longer matches.`);
        await onDone();
      } catch (err) {
        withdrawn.error(err);
      }
      return undefined;
    }),
  );
  const takeBack = h("div", { class: "stack lpr-form", id: "lpr-withdraw-form" }, h("h3", { text: "Withdraw an entry" }), withdrawId.wrap, withdrawn.el, withdraw);
  return h("details", { class: "lpr-section" }, h("summary", { text: "Add or withdraw a BOLO entry" }), form, takeBack);
}

export async function hotlistsView(container, ctx) {
  const table = h("div", { id: "lpr-lists-wrap" });
  const tools = h("div", { class: "stack" });
  container.append(h("h2", { text: "Lists" }), table, tools);
  let maxBytes = 0;
  const load = async () => {
    const page = await apiFetch("/api/lpr/hotlists");
    maxBytes = page.max_bytes || 0;
    replace(table, listsTable(page.hotlists));
    return page.hotlists;
  };
  const hotlists = await load();
  if (!hasRole(ctx.me, "supervisor")) return;
  const rebuild = async () => {
    // The forms name the lists, so a new list rebuilds them.
    replace(tools, ...supervisorTools(await load()));
  };
  const supervisorTools = (lists) => [createForm(rebuild), ...(lists.length ? [importForm(lists, maxBytes, load), boloForm(lists, load)] : [])];
  replace(tools, ...supervisorTools(hotlists));
}
