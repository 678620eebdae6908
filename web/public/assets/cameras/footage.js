// Footage requests in the officer console (issue 12), registered from capabilities/cameras.js:
//   #/footage        recent requests and the new-request form (a point from an incident id or
//                    lat/lon, radius, time window, case number, the reason owners will read)
//   #/footage/incident/<incident id>   the same, the form's incident filled in (the map's link)
//   #/footage/<id>   one request: owners' notices by status, evidence with its SHA-256, and the
//                    export button, and a download button (a fresh audited link) once ready
// The API refuses a too-wide area or too-long window at its field (rtcc.cameras.footage);
// the form shows that message next to the field it names.

import { ApiError, apiFetch } from "../api.js";
import { busy, field, h, localInputToUtc, localTime, messageBox, replace } from "../dom.js";
import { registerView } from "../views.js";

const ONE = /^([a-z0-9-]{1,40})$/;

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function requestRow(r) {
  const link = h("a", { href: `#/footage/${r.request_id}`, text: `Case ${r.case_number}` });
  const reach = `${plural(r.owners, "owner")} asked · ${r.unreachable} unreachable · ${r.paused} paused`;
  return h("li", { class: "card" }, h("p", {}, link, ` · ${r.status}`), h("p", { class: "hint", text: reach }), h("p", { class: "hint" }, "Sent ", localTime(r.created_at), ` by ${r.requested_by}`));
}

async function pointOf(incident, lat, lon) {
  if (!incident) return { lat: Number(lat), lon: Number(lon) };
  const found = await apiFetch(`/api/incidents/${encodeURIComponent(incident)}`);
  const where = found.incident || found;
  return { lat: Number(where.lat ?? where.location?.lat), lon: Number(where.lon ?? where.location?.lon) };
}

function newRequestForm(onSent, incident) {
  const box = messageBox();
  const fields = {
    incident: field("fr-incident", "Incident id (or give a point below)", { type: "text", maxlength: 64, autocomplete: "off" }),
    lat: field("fr-lat", "Latitude", { type: "number", step: "any", inputmode: "decimal" }),
    lon: field("fr-lon", "Longitude", { type: "number", step: "any", inputmode: "decimal" }),
    radius_m: field("fr-radius", "Radius (metres)", { type: "number", min: 25, value: 200, inputmode: "numeric" }),
    start: field("fr-start", "From (local time)", { type: "datetime-local" }),
    end: field("fr-end", "To (local time)", { type: "datetime-local" }),
    case_number: field("fr-case", "Case number", { type: "text", maxlength: 40, autocomplete: "off" }),
    reason: field("fr-reason", "Reason (owners read this)", { tag: "textarea", rows: 3, maxlength: 280 }, "At most 280 characters, in plain words."),
  };
  if (incident) fields.incident.input.value = incident; // #/footage/incident/<id>: from the map's panel
  const send = h("button", { type: "submit", class: "btn btn-primary", id: "fr-send", text: "Send the request" });
  const form = h("form", { class: "card stack", id: "footage-form", "aria-labelledby": "fr-title", novalidate: true },
    h("h2", { id: "fr-title", text: "New footage request" }), ...Object.values(fields).map((f) => f.wrap), box.el, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.clear();
    for (const f of Object.values(fields)) f.input.removeAttribute("aria-invalid");
    busy(send, async () => {
      try {
        const point = await pointOf(fields.incident.input.value.trim(), fields.lat.input.value, fields.lon.input.value);
        const body = {
          ...point, radius_m: Number(fields.radius_m.input.value), start: localInputToUtc(fields.start.input.value),
          end: localInputToUtc(fields.end.input.value), case_number: fields.case_number.input.value.trim(),
          reason: fields.reason.input.value.trim(), incident_id: fields.incident.input.value.trim() || null,
        };
        const sent = await apiFetch("/api/footage", { method: "POST", json: body });
        onSent(sent.request);
      } catch (err) {
        const named = err instanceof ApiError ? (/^(\w+):/.exec(err.message) || [])[1] : null;
        if (named && fields[named]) fields[named].input.setAttribute("aria-invalid", "true");
        box.error(err);
      }
    });
  });
  return form;
}

async function listView(container, incident) {
  const list = h("ul", { class: "stack", id: "footage-list", "aria-label": "Recent footage requests" });
  container.append(newRequestForm((r) => { location.hash = `#/footage/${r.request_id}`; }, incident), h("h2", { text: "Recent requests" }), list);
  const { requests } = await apiFetch("/api/footage");
  replace(list, ...(requests.length ? requests.map(requestRow) : [h("li", { text: "No requests yet." })]));
}

function evidenceTable(items) {
  if (!items.length) return h("p", { text: "No clips yet." });
  const rows = items.map((e) => h("tr", {}, h("td", { text: e.file_name }), h("td", { text: e.status + (e.refused ? ` (${e.refused})` : "") }),
    h("td", {}, h("code", { class: "sha", text: e.sha256 || "—" })), h("td", { text: e.size ?? "" }), h("td", {}, e.received_at ? localTime(e.received_at) : "")));
  const head = h("tr", {}, ...["File", "Status", "SHA-256", "Bytes", "Received"].map((t) => h("th", { scope: "col", text: t })));
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Evidence" }, h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows)));
}

function exportsBlock(detail, requestId, refresh) {
  const box = messageBox();
  const button = h("button", { type: "button", class: "btn btn-primary", id: "fr-export", text: "Export the case's evidence" });
  button.addEventListener("click", () => busy(button, async () => {
    try {
      await apiFetch(`/api/footage/${requestId}/exports`, { method: "POST" });
      box.ok("Export queued: the link appears here when the zip is ready.");
      setTimeout(refresh, 3000);
    } catch (err) {
      box.error(err);
    }
  }));
  // Each download is signed afresh by an audited route (requesters only): no link is listed.
  const download = (x) => {
    const link = h("button", { type: "button", class: "btn", text: `Download the zip (${x.files} files)` });
    link.addEventListener("click", () => busy(link, async () => {
      try {
        const got = await apiFetch(`/api/footage/${requestId}/exports/${x.export_id}/download`, { method: "POST" });
        window.location.assign(got.url);
      } catch (err) {
        box.error(err);
      }
    }));
    return [" · ", link];
  };
  const items = detail.exports.map((x) => h("li", {}, `${x.export_id} · ${x.status}`, x.status === "ready" ? download(x) : ""));
  return h("section", { class: "card stack", "aria-labelledby": "fr-exports" }, h("h2", { id: "fr-exports", text: "Exports" }), h("ul", {}, ...items), box.el, button);
}

async function oneView(container, requestId) {
  const refresh = async () => {
    const detail = await apiFetch(`/api/footage/${requestId}`);
    const r = detail.request;
    const byStatus = {};
    for (const n of detail.notices) (byStatus[n.status] ||= []).push(n);
    const notices = Object.entries(byStatus).map(([status, ns]) => h("li", { text: `${status}: ${ns.length}` }));
    replace(container,
      h("p", {}, h("a", { href: "#/footage", text: "All footage requests" })),
      h("h2", { id: "fr-case-title", text: `Case ${r.case_number}` }),
      h("p", {}, `${r.status} · ${r.radius_m} m around ${r.lat.toFixed(5)}, ${r.lon.toFixed(5)} · `, localTime(r.start), " to ", localTime(r.end)),
      h("p", { text: r.reason }),
      h("p", { class: "hint", text: `${plural(r.cameras, "camera")} in the area · ${r.unreachable} unreachable · ${r.paused} paused` }),
      h("section", { class: "card stack", "aria-labelledby": "fr-notices" }, h("h2", { id: "fr-notices", text: "Owners' answers" }), h("ul", {}, ...notices)),
      h("section", { class: "card stack", "aria-labelledby": "fr-evidence" }, h("h2", { id: "fr-evidence", text: "Evidence" }), evidenceTable(detail.evidence)),
      exportsBlock(detail, requestId, refresh));
  };
  await refresh();
}

registerView({
  id: "footage",
  title: "Footage requests",
  description: "Ask camera owners near a place for footage; the clips they share, with their hashes.",
  roles: ["officer"],
  capability: "cameras",
  order: 16,
  render(container, ctx) {
    const one = ONE.exec(ctx.params || "");
    const from = /^incident\/(.+)$/.exec(ctx.params || "");
    return one ? oneView(container, one[1]) : listView(container, from && from[1]);
  },
});
