// /alerts: the alerts the city sent, newest first, and one alert when the address names it
// (/alerts#<id>, the link in the feeds and CAP documents). Public, no login: it reads the
// public feed's JSON (/api/public/alerts/sent) and shows each alert as it was sent, in the
// reader's language when the alert was sent in it.

import { h, localTime, messageBox, replace } from "../dom.js";
import { initI18n, language, languageSwitch, onLanguageChange, showMessage, tx, txAttrs } from "../i18n.js";

const root = new URL(document.querySelector('meta[name="rtcc-root"]')?.content || "./", document.baseURI);
const ID = /^[A-Za-z0-9_-]{1,128}$/;
const TIERS = new Set(["emergency", "advisory", "community"]);
const app = document.getElementById("alerts-app");

class NotFound extends Error {}

/** GET /api/public/alerts/sent[/<id>] in the page's language, under the site root (stage path kept). */
async function getPublic(id) {
  const url = new URL(`api/public/alerts/sent${id ? `/${encodeURIComponent(id)}` : ""}`, root);
  url.searchParams.set("lang", language());
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "omit", referrerPolicy: "no-referrer" });
  if (response.status === 404) throw new NotFound();
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

function tierBadge(tier) {
  const known = TIERS.has(tier) ? tier : "community";
  return h("span", { class: `alert-tier alert-tier-${known}`, ...tx(`alertsPage.tier.${known}`) });
}

function when(alert) {
  return h(
    "p",
    { class: "alert-when muted" },
    h("span", tx("alertsPage.sent")),
    " ",
    localTime(alert.sentAt),
    alert.expiresAt ? [" · ", h("span", tx(alert.expired ? "alertsPage.expired" : "alertsPage.expires")), " ", localTime(alert.expiresAt)] : null,
  );
}

function detail(alert) {
  const others = alert.languages.filter((code) => code !== alert.language);
  return h(
    "article",
    { class: "card alert-detail", id: "alert-detail", lang: alert.language, dataset: { id: alert.id } },
    h("p", {}, tierBadge(alert.tier)),
    h("h2", { id: "alert-headline", tabindex: "-1", text: alert.headline }),
    h("p", { class: "alert-text", text: alert.text }),
    when(alert),
    h("p", { class: "alert-areas" }, h("strong", tx("alertsPage.areas")), " ", alert.areas.join(", ")),
    h("p", { class: "alert-from muted", text: alert.senderName }),
    h(
      "ul",
      { class: "alert-links" },
      others.map((code) => h("li", {}, h("a", { href: alert.links.pages[code], lang: code, hreflang: code, text: code }))),
      h("li", {}, h("a", { href: alert.links.cap, type: "application/cap+xml", ...tx("alertsPage.capOne") })),
      h("li", {}, h("a", { href: "#", id: "alerts-all", ...tx("alertsPage.all") })),
    ),
  );
}

function listItem(alert) {
  return h(
    "li",
    { class: "alert-item", lang: alert.language, dataset: { id: alert.id } },
    tierBadge(alert.tier),
    " ",
    h("a", { href: `#${encodeURIComponent(alert.id)}`, text: alert.headline }),
    when(alert),
  );
}

function list(alerts) {
  if (!alerts.length) return h("p", { class: "muted", id: "alerts-none", ...tx("alertsPage.none") });
  return h("ul", { class: "alerts-list", id: "alerts-list", ...txAttrs({ "aria-label": "alertsPage.listLabel" }) }, alerts.map(listItem));
}

async function show() {
  const wanted = decodeURIComponent(location.hash.slice(1));
  const status = messageBox();
  replace(app, h("p", { class: "muted", ...tx("alertsPage.loading") }));
  try {
    if (wanted && ID.test(wanted)) {
      replace(app, detail(await getPublic(wanted)));
      document.getElementById("alert-headline").focus();
    } else {
      replace(app, list((await getPublic("")).alerts));
    }
  } catch (err) {
    showMessage(status, "error", err instanceof NotFound ? "alertsPage.notFound" : "alertsPage.failed");
    replace(app, status.el, h("p", {}, h("a", { href: "#", ...tx("alertsPage.all") })));
  }
}

// The texts first: the page is built in the reader's language; a switch re-reads the
// alerts, which may have been sent in that language too.
await initI18n();
document.getElementById("lang-switch-slot").replaceWith(languageSwitch());
window.addEventListener("hashchange", show);
onLanguageChange(show);
show();
