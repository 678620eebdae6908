// Search (investigations): a purpose from the configured list and a case number come
// first, then what to look for. The server is the one judge of a search's who and why
// (rtcc.lpr.search): the form sends what was entered and shows the server's refusal at the
// field it names, so the rules live in one place. Every search is audited by the route.

import { apiFetch } from "../../api.js";
import { busy, field, h, localInputToUtc, localTime, messageBox, replace } from "../../dom.js";
import { selectField } from "./common.js";

const MODES = [
  ["exact", "Exact plate"],
  ["ocr-equivalent", "Plate or an OCR look-alike (0/O, 8/B, …)"],
  ["wildcard", "Partial plate (* and ?)"],
];
const DAY_MS = 24 * 3600 * 1000;

/** A Date as the value of <input type="datetime-local"> in the browser's time zone. */
function localInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function resultsTable(reads, lookups, truncated) {
  const more = truncated ? " More reads matched than are shown: narrow the time range or the plate." : "";
  const count = h("p", { id: "lpr-search-count", role: "status", text: `${reads.length} ${reads.length === 1 ? "read" : "reads"} (${lookups} index ${lookups === 1 ? "lookup" : "lookups"}).${more}` });
  if (!reads.length) return [count];
  const where = (r) => (r.lat != null && r.lon != null ? `${Number(r.lat).toFixed(4)}, ${Number(r.lon).toFixed(4)}` : "—");
  const row = (r) =>
    h(
      "tr",
      {},
      h("td", {}, localTime(r.seen_at)),
      h("td", { class: "lpr-plate", text: r.plate }),
      h("td", { text: r.state || "—" }),
      h("td", { text: r.camera_id }),
      h("td", { class: "lpr-num", text: r.confidence != null ? `${Math.round(Number(r.confidence))}` : "—" }),
      h("td", { text: where(r) }),
    );
  return [
    count,
    h(
      "div",
      { class: "lpr-table-wrap", tabindex: "0", role: "region", "aria-label": "Search results" },
      h(
        "table",
        { class: "lpr-table", id: "lpr-search-results" },
        h("thead", {}, h("tr", {}, ["Seen", "Plate", "State", "Reader", "Confidence", "Where"].map((c) => h("th", { scope: "col", text: c })))),
        h("tbody", {}, reads.map(row)),
      ),
    ),
  ];
}

function areaOf(inputs) {
  const values = inputs.map((i) => i.value.trim());
  if (values.every((v) => v === "")) return null;
  return values.map(Number);
}

export async function searchView(container) {
  const { purposes } = await apiFetch("/api/lpr/search/purposes");
  const errors = messageBox();
  const purpose = selectField("lpr-search-purpose", "Purpose", [["", "Choose the purpose"], ...purposes.map((p) => [p, p])]);
  const caseNo = field("lpr-search-case", "Case number", { maxlength: 80, autocomplete: "off" });
  const plate = field("lpr-search-plate", "Plate (optional)", { maxlength: 16, autocomplete: "off", autocapitalize: "characters", spellcheck: "false" });
  const mode = selectField("lpr-search-mode", "Plate match", MODES);
  const now = new Date();
  const start = field("lpr-search-start", "From (your local time)", { type: "datetime-local", value: localInput(new Date(now.getTime() - DAY_MS)) });
  const end = field("lpr-search-end", "To (your local time)", { type: "datetime-local", value: localInput(now) });
  const reader = field("lpr-search-reader", "Reader (camera id, optional)", { maxlength: 64, autocomplete: "off" });
  const area = ["South", "West", "North", "East"].map((side) => field(`lpr-search-${side.toLowerCase()}`, `${side} edge (latitude/longitude)`, { type: "number", step: "any", inputmode: "decimal" }));
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "lpr-search-send", text: "Search reads" });
  const results = h("div", { id: "lpr-search-out" });
  const fields = { purpose: purpose.input, case_number: caseNo.input, plate: plate.input, mode: mode.input, start: start.input, end: end.input, reader_id: reader.input, area: area[0].input };
  const form = h(
    "form",
    { id: "lpr-search", class: "stack lpr-form", novalidate: true },
    h("fieldset", { class: "lpr-fieldset" }, h("legend", { text: "Why (recorded in the audit log)" }), purpose.wrap, caseNo.wrap),
    h("fieldset", { class: "lpr-fieldset" }, h("legend", { text: "What" }), plate.wrap, mode.wrap, start.wrap, end.wrap, reader.wrap,
      h("details", {}, h("summary", { text: "Area (a box on the map)" }), area.map((a) => a.wrap))),
    errors.el,
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      errors.clear();
      replace(results);
      Object.values(fields).forEach((input) => input.removeAttribute("aria-invalid"));
      const json = { purpose: purpose.input.value, case_number: caseNo.input.value.trim(), start: localInputToUtc(start.input.value), end: localInputToUtc(end.input.value) };
      if (plate.input.value.trim()) Object.assign(json, { plate: plate.input.value.trim().toUpperCase(), mode: mode.input.value });
      if (reader.input.value.trim()) json.reader_id = reader.input.value.trim();
      const box = areaOf(area.map((a) => a.input));
      if (box) json.area = box;
      try {
        const out = await apiFetch("/api/lpr/search", { method: "POST", json });
        replace(results, ...resultsTable(out.reads, out.lookups, out.truncated));
      } catch (err) {
        errors.error(err);
        // The refusal names its field ("purpose: ..."): point the officer at it.
        const named = Object.keys(fields).find((name) => String(err.message || "").startsWith(`${name}:`) || (err.detail && err.detail.field === name));
        if (named) {
          fields[named].setAttribute("aria-invalid", "true");
          fields[named].focus();
        }
      }
    });
  });
  container.append(form, results);
}
