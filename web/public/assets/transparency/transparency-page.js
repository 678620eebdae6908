// /transparency: the public plate-reader report (GET /api/public/transparency), month by
// month, newest first, in the reader's language. Only counts and the retention in force
// come from the API (rtcc.lpr.transparency checks that before answering); every sentence is
// a catalog key, and numbers and month names are formatted for the language shown.

import { h, messageBox, replace } from "../dom.js";
import { initI18n, language, languageSwitch, onLanguageChange, showMessage, tx } from "../i18n.js";

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);

async function loadReport() {
  const response = await fetch(new URL("api/public/transparency", root), {
    headers: { Accept: "application/json" },
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

function number(value) {
  return new Intl.NumberFormat(language()).format(value);
}

function monthName(month) {
  const [year, index] = month.split("-").map(Number);
  const first = new Date(Date.UTC(year, index - 1, 1));
  return new Intl.DateTimeFormat(language(), { month: "long", year: "numeric", timeZone: "UTC" }).format(first);
}

function retentionCard(retention) {
  const days = { days: number(retention.days) };
  return h(
    "section",
    { class: "card", "aria-labelledby": "retention-title" },
    h("h2", { id: "retention-title", ...tx("transparency.retention.title") }),
    h("p", tx("transparency.retention.days", days)),
    retention.citation ? h("p", tx("transparency.retention.law", { citation: retention.citation })) : null,
    h("p", { class: "hint", ...tx("transparency.retention.cases") }),
  );
}

function figure(key, value) {
  return [h("dt", tx(key)), h("dd", { text: number(value) })];
}

function monthCard(row) {
  const id = `month-${row.month}`;
  const purposes = Object.entries(row.searches.by_purpose);
  return h(
    "section",
    { class: "card transparency-month", "aria-labelledby": id },
    h("h2", { id, text: monthName(row.month) }),
    h(
      "dl",
      { class: "transparency-figures" },
      figure("transparency.reads", row.reads),
      figure("transparency.readers", row.readers),
      figure("transparency.hits", row.hits),
      figure("transparency.accepted", row.accepted),
      figure("transparency.rejected", row.rejected),
      figure("transparency.searches", row.searches.total),
    ),
    purposes.length
      ? h(
          "div",
          {},
          h("h3", tx("transparency.byPurpose")),
          // The purposes are the city's own labels, published as configured.
          h(
            "ul",
            { class: "transparency-purposes" },
            purposes.map(([label, count]) => h("li", {}, h("span", { text: label }), h("span", { text: number(count) }))),
          ),
        )
      : null,
  );
}

function render(app, doc) {
  const months = doc.months.slice().reverse();
  replace(
    app,
    retentionCard(doc.retention),
    months.length ? months.map(monthCard) : h("p", { class: "card", ...tx("transparency.empty") }),
  );
}

async function start() {
  const app = document.getElementById("transparency-app");
  let doc;
  try {
    doc = await loadReport();
  } catch {
    const box = messageBox();
    replace(app, box.el);
    showMessage(box, "error", "transparency.error");
    return;
  }
  render(app, doc);
  // Month names and numbers are formatted, not keyed: build them again in the new language.
  onLanguageChange(() => render(app, doc));
}

await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
await start();
