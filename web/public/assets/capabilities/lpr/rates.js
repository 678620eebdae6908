// Verification rates (supervisors): how often officers accept or reject each list's and each
// reader's hits. A reader whose hits are mostly rejected as misreads needs its camera looked
// at; a list whose hits are rejected as no longer valid needs its source asked for a fresh file.

import { apiFetch } from "../../api.js";
import { h } from "../../dom.js";

function percent(share) {
  return share == null ? "—" : `${Math.round(share * 100)}%`;
}

function table(id, label, key, rows) {
  if (!rows.length) return h("p", { class: "muted", id, text: `No verified hits by ${label.toLowerCase()} yet.` });
  return h(
    "div",
    { class: "lpr-table-wrap", tabindex: "0", role: "region", "aria-label": `Rates by ${label.toLowerCase()}` },
    h(
      "table",
      { class: "lpr-table", id },
      h("thead", {}, h("tr", {}, [label, "Accepted", "Rejected", "Acceptance", "Rejection"].map((c) => h("th", { scope: "col", text: c })))),
      h(
        "tbody",
        {},
        rows.map((r) =>
          h(
            "tr",
            { dataset: { key: r[key] } },
            h("th", { scope: "row", text: r[key] }),
            h("td", { class: "lpr-num", text: String(r.accepted) }),
            h("td", { class: "lpr-num", text: String(r.rejected) }),
            h("td", { class: "lpr-num", text: percent(r.acceptance) }),
            h("td", { class: "lpr-num", text: percent(r.rejection) }),
          ),
        ),
      ),
    ),
  );
}

export async function ratesView(container) {
  const { lists, readers } = await apiFetch("/api/lpr/reports/rates");
  container.append(
    h("h2", { text: "By hotlist" }),
    table("lpr-rates-lists", "List", "list_id", lists),
    h("h2", { text: "By reader" }),
    table("lpr-rates-readers", "Reader", "reader_id", readers),
  );
}
