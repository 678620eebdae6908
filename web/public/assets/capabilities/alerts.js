// Community alerts (supervisors): the composer and the delivery view. Routes: #/alerts (compose,
// recent alerts) and #/alerts/<alert id> (delivery counts per zone, approve, cancel).
// Built for one hand on a 375 px phone: one column, large targets, the send button at the
// end of the form, and the segment counter right under each text as it is typed.

import { apiFetch } from "../api.js";
import { busy, h, localInputToUtc, localTime, messageBox, replace } from "../dom.js";
import { MAX_SEGMENTS, segments } from "../sms-segments.js";
import { registerView } from "../views.js";

const ID = /^[A-Za-z0-9_-]{1,128}$/;
// How often the delivery view asks for counts: the issue's "live", without a feed item per SMS.
const POLL_MS = 2500;
const TIERS = [
  ["emergency", "Emergency", "Act now: every subscriber in the zones gets it"],
  ["advisory", "Advisory", "Act soon: road closures, boil-water notices"],
  ["community", "Community", "Information: events, meetings, planned closures"],
];
// Offered when the zones endpoint names none (the same words rtcc.alerts.cap maps to CAP).
const DEFAULT_CATEGORIES = ["crime", "traffic", "weather", "missing person", "utilities", "community"];
const STATUSES = ["queued", "sent", "delivered", "undelivered", "failed", "cancelled", "unknown"];

function ensureStyles() {
  if (document.getElementById("alerts-css")) return;
  document.head.append(h("link", { rel: "stylesheet", id: "alerts-css", href: new URL("./alerts/alerts.css", import.meta.url).toString() }));
}

/** The city's languages: the public pages' catalogs (web/public/i18n/index.json), English first. */
async function cityLanguages() {
  try {
    const response = await fetch(new URL("i18n/index.json", document.baseURI), { cache: "no-store" });
    const codes = (await response.json()).languages.map((l) => ({ code: l.code, name: l.name }));
    return codes.sort((a, b) => (a.code === "en" ? -1 : b.code === "en" ? 1 : 0));
  } catch {
    return [{ code: "en", name: "English" }];
  }
}

function choiceList(name, legend, items, type) {
  const inputs = items.map(([value, label, hint], i) => {
    const id = `alert-${name}-${i}`;
    const input = h("input", { type, id, name: `alert-${name}`, value, checked: type === "radio" && i === 0 });
    return h("label", { class: "alert-choice", for: id }, input, h("span", {}, h("strong", { text: label }), hint ? h("small", { class: "muted", text: ` ${hint}` }) : null));
  });
  return h("fieldset", { class: "alert-fieldset", id: `alert-${name}` }, h("legend", { text: legend }), inputs);
}

const SVG = "http://www.w3.org/2000/svg";

function outerRings(outline) {
  if (outline.type === "Polygon") return [outline.coordinates[0]];
  if (outline.type === "MultiPolygon") return outline.coordinates.map((polygon) => polygon[0]);
  return [];
}

/**
 * The shaped zones drawn to scale (no tiles, no third-party map): tapping one ticks or
 * unticks its box in the list, which stays the accessible way to choose (the drawing is
 * hidden from screen readers and keyboards, so nothing is offered twice).
 */
function zoneMap(zones, form) {
  const shaped = zones.map((z, i) => ({ ...z, index: i, rings: z.outline ? outerRings(z.outline) : [] })).filter((z) => z.rings.length);
  if (!shaped.length) return null;
  const points = shaped.flatMap((z) => z.rings.flat());
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const [minLon, maxLat] = [Math.min(...lons), Math.max(...lats)];
  const scale = Math.cos(((Math.min(...lats) + maxLat) / 2) * (Math.PI / 180)); // degrees of longitude shrink
  const x = (lon) => (lon - minLon) * scale * 1000;
  const y = (lat) => (maxLat - lat) * 1000;
  const svg = document.createElementNS(SVG, "svg");
  const width = x(Math.max(...lons));
  const height = y(Math.min(...lats));
  svg.setAttribute("viewBox", `-2 -2 ${width + 4} ${height + 4}`);
  svg.setAttribute("class", "alert-zone-map");
  svg.setAttribute("aria-hidden", "true");
  svg.id = "alert-zone-map";
  // Big areas (wards) first, so the smaller ones drawn over them can still be tapped.
  const area = (z) => z.rings.reduce((n, ring) => n + Math.abs(ring.reduce((a, p, i) => a + (i ? (ring[i - 1][0] - p[0]) * (ring[i - 1][1] + p[1]) : 0), 0)), 0);
  for (const zone of shaped.sort((a, b) => area(b) - area(a))) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", zone.rings.map((ring) => `M${ring.map((p) => `${x(p[0]).toFixed(2)},${y(p[1]).toFixed(2)}`).join("L")}Z`).join(""));
    path.dataset.zone = zone.id;
    const box = () => form.querySelector(`#alert-zones-${zone.index}`);
    const title = document.createElementNS(SVG, "title");
    title.textContent = zone.name;
    path.append(title);
    path.addEventListener("click", () => {
      box().checked = !box().checked;
      form.dispatchEvent(new Event("change"));
    });
    form.addEventListener("change", () => path.classList.toggle("selected", box().checked));
    svg.append(path);
  }
  return h("div", { class: "alert-zone-map-wrap" }, h("p", { class: "muted", text: "Tap areas on the drawing, or tick them in the list." }), svg);
}

function checked(form, name) {
  return [...form.querySelectorAll(`input[name="alert-${name}"]:checked`)].map((i) => i.value);
}

/** One language's headline and text, with the live segment counter under the text. */
function languageBlock({ code, name }, onChange) {
  const text = h("textarea", { id: `alert-text-${code}`, name: `text-${code}`, rows: 5, lang: code, "aria-describedby": `alert-count-${code}`, required: code === "en" });
  const headline = h("input", { id: `alert-headline-${code}`, name: `headline-${code}`, type: "text", maxlength: 120, lang: code });
  const count = h("p", { class: "alert-count", id: `alert-count-${code}`, "aria-live": "polite" });
  const update = () => {
    const s = segments(text.value);
    const over = s.segments > MAX_SEGMENTS;
    count.textContent = over
      ? `Too long: ${s.segments} segments (at most ${MAX_SEGMENTS}). Shorten the text.`
      : `${s.segments} ${s.segments === 1 ? "segment" : "segments"} · ${s.encoding} · ${s.units} characters`;
    count.classList.toggle("alert-count-over", over);
    text.setAttribute("aria-invalid", over ? "true" : "false");
    onChange();
  };
  text.addEventListener("input", update);
  update();
  const block = h(
    "fieldset",
    { class: "alert-fieldset alert-language", dataset: { lang: code } },
    h("legend", { text: `${name} (${code})${code === "en" ? "" : " · optional"}` }),
    h("div", { class: "field" }, h("label", { for: headline.id, text: "Headline (the public page's title)" }), headline),
    h("div", { class: "field" }, h("label", { for: text.id, text: "Text message" }), text, count),
  );
  return { block, code, text, headline, segments: () => segments(text.value).segments };
}

function draftFrom(form, blocks) {
  const texts = {};
  const headline = {};
  for (const b of blocks) {
    if (!b.text.value.trim()) continue;
    texts[b.code] = b.text.value;
    if (b.headline.value.trim()) headline[b.code] = b.headline.value.trim();
  }
  return { tier: checked(form, "tier")[0], zones: checked(form, "zones"), categories: checked(form, "categories"), texts, headline };
}

/** What is wrong with the draft, in the supervisor's words, or "" when it can be sent. */
function problem(draft, blocks) {
  if (blocks.some((b) => b.segments() > MAX_SEGMENTS)) return `A text is over ${MAX_SEGMENTS} segments: shorten it.`;
  if (!draft.texts.en) return "Write the English text (residents without another language get it).";
  if (!draft.zones.length) return "Choose at least one zone.";
  return "";
}

async function composer(container, ctx, options, languages) {
  const errors = messageBox();
  const reach = h("p", { class: "alert-reach", id: "alert-reach", "aria-live": "polite" });
  const zoneItems = options.zones.map((z) => [z.id, z.name, z.kind]);
  const categories = (options.categories.length ? options.categories : DEFAULT_CATEGORIES).map((c) => [c, c]);
  const form = h("form", { id: "alerts-composer", class: "stack alert-form", novalidate: true });
  let blocks = [];
  const previewButton = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "alert-preview", text: "Preview reach" });
  const sendButton = h("button", { type: "submit", class: "btn btn-primary btn-block", id: "alert-send", text: "Send alert" });
  const refresh = () => {
    reach.textContent = "";
    sendButton.disabled = blocks.some((b) => b.segments() > MAX_SEGMENTS);
  };
  blocks = languages.map((lang) => languageBlock(lang, refresh));
  const expires = h("input", { type: "datetime-local", id: "alert-expires", name: "expires" });
  form.append(
    choiceList("tier", "Tier", TIERS, "radio"),
    zoneItems.length ? choiceList("zones", "Zones", zoneItems, "checkbox") : h("p", { class: "muted", text: "No zones are configured." }),
    ...[zoneMap(options.zones, form)].filter(Boolean),
    choiceList("categories", "Categories", categories, "checkbox"),
    ...blocks.map((b) => b.block),
    h("div", { class: "field" }, h("label", { for: expires.id, text: "Expires (optional, your local time)" }), expires),
    errors.el,
    reach,
    previewButton,
    sendButton,
  );
  form.addEventListener("change", refresh);
  refresh();
  // One idempotency key per composed alert: Send pressed again on the same draft (an answer
  // lost, a 503) reuses it, so the server answers the first send's alert instead of sending
  // it twice; any edit makes it another alert, with a new key.
  let sendKey = crypto.randomUUID();
  const newKey = () => {
    sendKey = crypto.randomUUID();
  };
  form.addEventListener("input", newKey);
  form.addEventListener("change", newKey);

  previewButton.addEventListener("click", () =>
    busy(previewButton, async () => {
      errors.clear();
      const draft = draftFrom(form, blocks);
      const wrong = problem(draft, blocks);
      if (wrong) return errors.error(wrong);
      try {
        const { tier, zones, categories: cats, texts } = draft;
        const out = await apiFetch("/api/alerts/preview", { method: "POST", json: { tier, zones, categories: cats, texts } });
        reach.textContent = `Reaches ${out.reach} ${out.reach === 1 ? "resident" : "residents"} now.`;
      } catch (err) {
        errors.error(err);
      }
    }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(sendButton, async () => {
      errors.clear();
      const draft = draftFrom(form, blocks);
      const wrong = problem(draft, blocks);
      if (wrong) return errors.error(wrong);
      const at = localInputToUtc(expires.value);
      try {
        const out = await apiFetch("/api/alerts", {
          method: "POST",
          json: at ? { ...draft, expires_at: at } : draft,
          headers: { "Idempotency-Key": sendKey },
        });
        ctx.navigate(`#/alerts/${encodeURIComponent(out.alert_id)}`);
      } catch (err) {
        errors.error(err);
      }
    });
  });
  container.append(h("h2", { text: "New alert" }), form);
}

function countsTable(counts) {
  const zones = Object.keys(counts).sort();
  const total = Object.fromEntries(STATUSES.map((s) => [s, zones.reduce((n, z) => n + (counts[z][s] || 0), 0)]));
  const row = (label, values) =>
    h("tr", {}, h("th", { scope: "row", text: label }), STATUSES.map((s) => h("td", { dataset: { status: s }, text: String(values[s] || 0) })));
  return h(
    "div",
    { class: "alert-table-wrap", tabindex: "0", role: "region", "aria-label": "Delivery counts per zone" },
    h(
      "table",
      { class: "alert-counts", id: "alert-counts" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Zone" }), STATUSES.map((s) => h("th", { scope: "col", text: s })))),
      h("tbody", {}, zones.map((z) => row(z, counts[z]))),
      h("tfoot", {}, row("All zones", total)),
    ),
  );
}

function deliveryView(container, ctx, alertId) {
  const errors = messageBox();
  const head = h("div", { id: "alert-delivery-head" });
  const table = h("div", { id: "alert-delivery" });
  const actions = h("div", { class: "stack" });
  container.append(h("p", {}, h("a", { href: "#/alerts", text: "← New alert" })), head, errors.el, table, actions);
  let timer = null;
  let stopped = false;

  const act = (button, verb) =>
    busy(button, async () => {
      try {
        await apiFetch(`/api/alerts/${encodeURIComponent(alertId)}/${verb}`, { method: "POST" });
        await load();
      } catch (err) {
        errors.error(err);
      }
    });
  const show = ({ alert, counts, settled }) => {
    // A sending alert with nothing left queued is done: "sent"; cancelling it then stops
    // nothing and only withdraws it (the public CAP feed publishes a Cancel).
    const status = alert.status === "sending" && settled ? "sent" : alert.status;
    replace(
      head,
      h("h2", { text: alert.headline.en || Object.values(alert.headline)[0] || alert.alert_id }),
      h("p", {}, h("strong", { id: "alert-status", text: status }), ` · ${alert.tier} · ${alert.recipients} ${alert.recipients === 1 ? "recipient" : "recipients"} · `, localTime(alert.created_at)),
    );
    if (alert.unqueued > 0) {
      // Pages the fan-out queue refused (the send answered 503): sending the same alert again
      // from the composer re-queues them; until then these residents are not reached.
      head.append(h("p", { class: "message message-error", id: "alert-unqueued", role: "status", text: `${alert.unqueued} ${alert.unqueued === 1 ? "recipient" : "recipients"} not queued: send the same alert again to queue them.` }));
    }
    replace(table, countsTable(counts));
    const buttons = [];
    if (alert.status === "awaiting-approval") {
      const approve = h("button", { type: "button", class: "btn btn-primary btn-block", id: "alert-approve", text: "Approve and send (second supervisor)" });
      approve.addEventListener("click", () => act(approve, "approve"));
      buttons.push(approve);
    }
    if (alert.status !== "cancelled") {
      const label = status === "sent" ? "Withdraw alert (publish a cancellation)" : "Cancel remaining sends";
      const cancel = h("button", { type: "button", class: "btn btn-secondary btn-block", id: "alert-cancel", text: label });
      cancel.addEventListener("click", () => act(cancel, "cancel"));
      buttons.push(cancel);
    }
    replace(actions, ...buttons);
  };
  async function load() {
    try {
      show(await apiFetch(`/api/alerts/${encodeURIComponent(alertId)}`));
      errors.clear();
    } catch (err) {
      errors.error(err);
    }
  }
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) await load();
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function recentList(container) {
  try {
    const { alerts } = await apiFetch("/api/alerts");
    if (!alerts.length) return;
    const items = alerts.slice(0, 10).map((a) =>
      h("li", {}, h("a", { href: `#/alerts/${encodeURIComponent(a.alert_id)}`, text: a.headline.en || Object.values(a.headline)[0] || a.alert_id }), ` · ${a.status} · `, localTime(a.created_at)),
    );
    container.append(h("h2", { text: "Recent alerts" }), h("ul", { class: "alert-recent", id: "alert-recent" }, items));
  } catch {
    // The composer works without the list; its own errors say what failed.
  }
}

registerView({
  id: "alerts",
  title: "Alerts",
  description: "Send a community alert by zone and watch it deliver.",
  roles: ["supervisor"],
  capability: "alerts",
  order: 20,
  async render(container, ctx) {
    ensureStyles();
    if (ID.test(ctx.params)) return deliveryView(container, ctx, ctx.params);
    const [options, languages] = await Promise.all([
      apiFetch("/api/public/alerts/zones", { auth: false }).catch(() => ({ zones: [], categories: [] })),
      cityLanguages(),
    ]);
    await composer(container, ctx, { zones: options.zones || [], categories: options.categories || [] }, languages);
    await recentList(container);
    return undefined;
  },
});
