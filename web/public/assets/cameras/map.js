// The operations map (#/map): incidents live from the `incidents` feed, the nearest cameras of
// an incident with their distance, facing and sharing policy, and switchable layers served by
// the platform (GET /api/map/layers/<name>?bbox=s,w,n,e): cameras by level, policy and status,
// tips with a place, today's plate hits at their reader, alert zones.
//
// Phone first and one-handed at 375 px: the map on top, big controls under the thumb below it.
// Tapping the map drops a draft pin and opens the report form (type, notes); "Report at the
// map's centre" does the same from the keyboard. Every marker is a labelled button; the
// incidents are also a plain list under the map. Tiles come from config.json's mapTiles (the
// deploy config's map_tiles); with none the map is a plain grid drawn here, and works.
// #/map/@<lat>,<lon>,<zoom> opens the map on a place.

import { ApiError, apiFetch } from "../api.js";
import { loadConfig } from "../config.js";
import { busy, h, localTime, messageBox, replace } from "../dom.js";
import { followFeed } from "../feed.js";

const VENDOR = new URL("../../vendor/", import.meta.url);
const DEFAULT_VIEW = { center: [39.8283, -98.5795], zoom: 4 };
const MAX_ZOOM = 19;
//: The widest box the layers answer for (rtcc.map_layers.MAX_SPAN_DEG).
const MAX_SPAN_DEG = 1.0;
//: How often the motion layer (when shown) is asked again.
const MOTION_REFRESH_MS = 30_000;
const LEVEL_LABELS = { register: "Registered", integrate: "Integrated (live feed)", city: "City camera" };
const POLICY_LABELS = { request: "Footage on request", incident: "Live during incidents", always: "Live any time" };
const OPTIONAL_LAYERS = [
  ["cameras", "Cameras", true],
  ["tips", "Tips with a place", false],
  ["lpr-hits", "Plate hits today", false],
  ["alert-zones", "Alert zones", false],
  // [name, label, on, the capability that serves it]: drawn only when config.json lists it.
  ["motion", "Motion at live cameras", false, "video"],
];

let leafletReady = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = h("script", { src });
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
    document.head.append(script);
  });
}

function loadStyles() {
  for (const [id, href] of [
    ["leaflet-css", new URL("leaflet/leaflet.css", VENDOR)],
    ["markercluster-css", new URL("leaflet-markercluster/MarkerCluster.css", VENDOR)],
    ["ops-map-css", new URL("./map.css", import.meta.url)],
  ]) {
    if (!document.getElementById(id)) document.head.append(h("link", { rel: "stylesheet", id, href: href.toString() }));
  }
}

/** Leaflet, then the cluster plugin (it extends window.L): loaded once, from our own origin. */
export function loadLeaflet() {
  loadStyles();
  if (!leafletReady) {
    leafletReady = (window.L ? Promise.resolve() : loadScript(new URL("leaflet/leaflet.js", VENDOR).toString()))
      .then(() => (window.L.markerClusterGroup ? null : loadScript(new URL("leaflet-markercluster/leaflet.markercluster.js", VENDOR).toString())))
      .catch((err) => {
        leafletReady = null;
        throw err;
      });
  }
  return leafletReady;
}

function tileSource(config) {
  if (typeof config.mapTiles !== "string" || !config.mapTiles) return null;
  try {
    new URL(config.mapTiles.replace(/[{}]/g, ""));
  } catch {
    return null;
  }
  const credit = typeof config.mapTilesAttribution === "string" ? config.mapTilesAttribution.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`) : "";
  return { url: config.mapTiles, attribution: credit };
}

// A DivIcon whose element carries an accessible name (Leaflet gives keyboard markers
// role=button; the name must be on that element) and whose content is built as nodes.
function labelledIcon(L) {
  return L.DivIcon.extend({
    createIcon(old) {
      const el = L.DivIcon.prototype.createIcon.call(this, old);
      el.setAttribute("aria-label", this.options.label);
      return el;
    },
  });
}

function cameraLabel(p) {
  const facing = p.bearing_deg == null ? "" : `, faces ${p.bearing_deg}°`;
  return `Camera ${p.name}: ${LEVEL_LABELS[p.level] || p.level}, ${POLICY_LABELS[p.policy] || p.policy}, ${p.status}${facing}`;
}

// #/map/@<lat>,<lon>,<zoom>: a link to a place on the map (a text, a colleague's screen).
const LINKED = /^@(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)(?:,(\d{1,2}))?$/;

function linkedView(params) {
  const match = LINKED.exec(params || "");
  if (!match) return null;
  const [lat, lon, zoom] = [Number(match[1]), Number(match[2]), Number(match[3] || 16)];
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { center: [lat, lon], zoom: Math.min(zoom, MAX_ZOOM) };
}

function metres(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} km` : `${Math.round(value)} m`;
}

function boxOf(map) {
  const b = map.getBounds();
  return { south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast() };
}

/** The layer switcher: checkboxes, each a layer the map draws or hides. */
function layerSwitcher(optional, onChange) {
  const boxes = optional.map(([name, label, on]) => {
    const input = h("input", { type: "checkbox", id: `ops-layer-${name}`, checked: on, dataset: { layer: name } });
    input.addEventListener("change", () => onChange(name, input.checked));
    return h("label", { class: "ops-check", for: `ops-layer-${name}` }, input, ` ${label}`);
  });
  const legend = h(
    "ul",
    { class: "ops-legend", "aria-label": "What the camera markers mean" },
    h("li", {}, h("span", { class: "ops-key ops-shape-register", "aria-hidden": "true" }), " Circle: registered"),
    h("li", {}, h("span", { class: "ops-key ops-shape-integrate", "aria-hidden": "true" }), " Square: integrated (live feed)"),
    h("li", {}, h("span", { class: "ops-key ops-shape-city", "aria-hidden": "true" }), " Diamond: city camera"),
    h("li", {}, h("span", { class: "ops-key ops-policy-always", "aria-hidden": "true" }), " Green: live any time"),
    h("li", {}, h("span", { class: "ops-key ops-policy-incident", "aria-hidden": "true" }), " Amber: live during incidents"),
    h("li", {}, h("span", { class: "ops-key ops-policy-request", "aria-hidden": "true" }), " Blue: footage on request"),
    h("li", {}, h("span", { class: "ops-key ops-status-paused", "aria-hidden": "true" }), " Hollow: paused or offline"),
  );
  return h("fieldset", { class: "ops-layers" }, h("legend", { text: "Layers" }), h("div", { class: "ops-checks" }, boxes), legend);
}

export async function mapView(container, ctx) {
  const status = messageBox();
  const announce = h("p", { class: "visually-hidden", id: "ops-announce", "aria-live": "polite" });
  const mapEl = h("div", { class: "ops-map", id: "ops-map", role: "region", "aria-label": "Operations map: tap to report an incident" });
  const zoomHint = h("p", { class: "hint", id: "ops-zoom-hint", hidden: true, text: "Zoom in to see cameras, tips, hits and zones here." });
  const reportAtCentre = h("button", { type: "button", class: "btn btn-secondary", id: "ops-report-centre", text: "Report at the map's centre" });
  const form = reportForm();
  const panel = h("section", { class: "ops-panel card", id: "ops-incident", "aria-labelledby": "ops-incident-title", hidden: true });
  const list = h("ul", { class: "ops-incidents", id: "ops-incident-list" });
  const layers = {};
  const state = { board: [], open: null, draft: null, stop: null, timer: null, destroyed: false };
  const optional = OPTIONAL_LAYERS.filter(([, , , needs]) => !needs || (ctx.config?.capabilities || []).includes(needs));
  // Live video (the video capability, ../capabilities/video.js): cameras that stream and whose
  // owners may let them be watched (never those shared on request only, nor paused ones; the
  // API decides the rest). In an incident's list: only those it lets one watch now.
  const watchable = (c) =>
    (ctx.config?.capabilities || []).includes("video") && (c.level === "integrate" || c.level === "city") && c.policy !== "request" && c.status !== "paused";
  const watchableNow = (c) => watchable(c) && (c.policy === "always" || c.live_window);

  container.append(
    status.el,
    announce,
    mapEl,
    zoomHint,
    h("div", { class: "ops-actions" }, reportAtCentre),
    form.el,
    panel,
    h("h3", { class: "ops-heading", text: "Open and recent incidents" }),
    list,
    layerSwitcher(optional, (name, on) => toggleLayer(name, on)),
  );

  try {
    await loadLeaflet();
  } catch {
    status.error("The map could not be loaded. The incident list below still works.");
  }
  const config = await loadConfig().catch(() => ({}));
  const L = window.L;
  let map = null;
  let Icon = null;
  let draftMarker = null;
  if (L) {
    Icon = labelledIcon(L);
    const start = linkedView(ctx.params) || (Array.isArray(config.mapCenter) && config.mapCenter.length === 2 ? { center: config.mapCenter, zoom: config.mapZoom || 13 } : DEFAULT_VIEW);
    map = L.map(mapEl, { center: start.center, zoom: start.zoom, tapTolerance: 20, maxZoom: MAX_ZOOM });
    const Grid = L.GridLayer.extend({ createTile: () => h("div", { class: "ops-grid-tile" }) });
    new Grid({ maxZoom: MAX_ZOOM }).addTo(map);
    const tiles = tileSource(config);
    if (tiles) L.tileLayer(tiles.url, { maxZoom: MAX_ZOOM, attribution: tiles.attribution, referrerPolicy: "strict-origin" }).addTo(map);
    layers.incidents = L.layerGroup().addTo(map);
    for (const [name, , on] of optional) {
      layers[name] = name === "cameras" || name === "tips" || name === "lpr-hits" ? clusterGroup(name) : L.layerGroup();
      if (on) layers[name].addTo(map);
    }
    map.on("click", (event) => startReport(event.latlng.lat, event.latlng.lng));
    map.on("moveend", () => scheduleLayers());
    requestAnimationFrame(() => map && map.invalidateSize());
  }

  function clusterGroup(name) {
    if (!L.markerClusterGroup) return L.layerGroup(); // the plugin failed: markers unclustered
    return L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      iconCreateFunction(cluster) {
        const n = cluster.getChildCount();
        return new Icon({
          className: `ops-cluster ops-cluster-${name}`,
          html: h("span", { text: String(n) }),
          iconSize: [40, 40],
          label: `${n} ${name === "cameras" ? "cameras" : "items"} here: zoom in`,
        });
      },
    });
  }

  // `inner` classes go on the picture inside the icon: Leaflet positions the icon element with
  // its own transform, so a shape (the city's diamond is a turned square) is drawn inside it.
  function marker(lat, lon, className, label, content, onOpen, inner = "") {
    const m = L.marker([lat, lon], {
      keyboard: true,
      title: label,
      icon: new Icon({ className, html: h("span", { class: inner || null, "aria-hidden": "true", text: content }), iconSize: [28, 28], label }),
    });
    if (onOpen) {
      m.on("click", onOpen);
      // Leaflet 1.9 gives a focused marker role=button but turns Enter only into opening a
      // popup (there is none): Enter and Space open it here, as they would a button.
      m.on("keypress", (event) => {
        if (![13, 32].includes(event.originalEvent.keyCode)) return;
        event.originalEvent.preventDefault(); // Space would also scroll the page
        onOpen(event);
      });
    }
    return m;
  }

  // --- the optional layers, from the platform's map routes ------------------------------------
  function scheduleLayers() {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => loadLayers(), 250);
  }

  // `only`: one layer's name (the motion layer refreshes on its own: motion is news).
  async function loadLayers(only = null) {
    if (!map || state.destroyed) return;
    const box = boxOf(map);
    const wide = box.north - box.south > MAX_SPAN_DEG || box.east - box.west > MAX_SPAN_DEG;
    zoomHint.hidden = !wide;
    if (wide) return;
    const bbox = [box.south, box.west, box.north, box.east].map((v) => v.toFixed(5)).join(",");
    for (const [name] of optional) {
      if (!map.hasLayer(layers[name]) || (only && name !== only)) continue;
      try {
        const out = await apiFetch(`/api/map/layers/${name}`, { query: { bbox } });
        if (!state.destroyed) drawLayer(name, out.features || []);
      } catch (err) {
        status.error(`The ${name} layer could not be loaded: ${err.message || err}`);
      }
    }
  }

  function drawLayer(name, features) {
    const group = layers[name];
    group.clearLayers();
    for (const f of features) {
      const [lon, lat] = f.geometry.type === "Point" ? f.geometry.coordinates : [null, null];
      const p = f.properties || {};
      if (name === "alert-zones") {
        L.geoJSON(f, { interactive: false, style: { className: "ops-zone" } }).addTo(group);
      } else if (name === "cameras") {
        const hollow = p.status === "paused" || p.status === "offline" ? " ops-status-paused" : "";
        const shape = `ops-pin ops-shape-${p.level} ops-policy-${p.policy}${hollow}`;
        const live = watchable(p) ? () => ctx.navigate(`#/live/${encodeURIComponent(p.camera_id)}`) : null;
        marker(lat, lon, "ops-camera", `${cameraLabel(p)}${live ? ": watch live" : ""}`, "", live, shape).addTo(group);
      } else if (name === "tips") {
        marker(lat, lon, "ops-tip", `Tip ${p.code}: ${p.status}, ${p.priority}`, "T", () => ctx.navigate(`#/tips/${encodeURIComponent(p.code)}`)).addTo(group);
      } else if (name === "lpr-hits") {
        const what = `Plate hit on ${p.list_name || "a hotlist"} at ${p.reader_name || "a reader"}`;
        marker(lat, lon, "ops-hit", what, "P", () => ctx.navigate(`#/lpr/hits/${encodeURIComponent(p.hit_id)}`)).addTo(group);
      } else if (name === "motion") {
        const when = new Date(p.motion_at).toLocaleTimeString();
        marker(lat, lon, "ops-motion", `Motion at ${p.name} at ${when}: watch live`, "M", () => ctx.navigate(`#/live/${encodeURIComponent(p.camera_id)}`)).addTo(group);
      }
    }
  }

  function toggleLayer(name, on) {
    if (!map) return;
    if (on) {
      layers[name].addTo(map);
      loadLayers();
    } else {
      map.removeLayer(layers[name]);
    }
  }

  // --- incidents: the board, live from the feed ---------------------------------------------
  async function loadBoard() {
    const out = await apiFetch("/api/incidents");
    state.board = out.incidents;
    drawBoard();
    return out.feed_cursor;
  }

  function drawBoard() {
    replace(
      list,
      state.board.length
        ? state.board.map((i) =>
            h(
              "li",
              { dataset: { incident: i.incident_id } },
              h(
                "button",
                { type: "button", class: `ops-incident-item${i.active ? "" : " ops-closed"}`, onclick: () => openIncident(i.incident_id) },
                h("strong", { text: i.type }),
                ` · ${i.active ? "open" : "closed"} · ${i.source === "cad" ? "CAD" : "officer"} · `,
                localTime(i.updated_at),
              ),
            ),
          )
        : [h("li", { class: "muted", text: "No open or recent incidents." })],
    );
    if (!map) return;
    layers.incidents.clearLayers();
    for (const i of state.board) {
      const label = `Incident ${i.type}, ${i.active ? "open" : "closed"}`;
      marker(i.lat, i.lon, `ops-incident${i.active ? "" : " ops-closed"}`, label, "!", () => openIncident(i.incident_id)).addTo(layers.incidents);
    }
  }

  async function onFeed(items) {
    await loadBoard();
    for (const item of items) {
      const what = item.kind === "new" ? "New incident" : item.kind === "closed" ? "Incident closed" : "Incident updated";
      announce.textContent = `${what}: ${item.summary.type || item.ref}`;
      if (state.open === item.ref) await openIncident(item.ref, false);
    }
  }

  // --- one incident: its nearest cameras, closing it -----------------------------------------
  async function openIncident(incidentId, focus = true) {
    state.open = incidentId;
    let out;
    try {
      out = await apiFetch(`/api/incidents/${encodeURIComponent(incidentId)}`);
    } catch (err) {
      status.error(err);
      return;
    }
    const i = out.incident;
    const closeButton = h("button", { type: "button", class: "btn btn-secondary", id: "ops-close-incident", text: "Close incident" });
    closeButton.addEventListener("click", () => closeIncident(i, closeButton));
    const cameras = out.cameras.length
      ? h(
          "ol",
          { class: "ops-cameras", id: "ops-nearest" },
          out.cameras.map((c) =>
            h(
              "li",
              { dataset: { camera: c.camera_id } },
              h("strong", { text: c.name }),
              h("span", { text: ` · ${metres(c.distance_m)} · ${c.facing ? "faces it" : "not facing it"} · ${POLICY_LABELS[c.policy] || c.policy}` }),
              c.live_window ? h("span", { class: "ops-badge", text: "Live now" }) : null,
              h("span", { class: "muted", text: ` · ${LEVEL_LABELS[c.level] || c.level} · ${c.status}` }),
              watchableNow(c) ? h("a", { class: "ops-watch", href: `#/live/${encodeURIComponent(c.camera_id)}`, "aria-label": `Watch live: ${c.name}`, text: "Watch live" }) : null,
            ),
          ),
        )
      : h("p", { class: "muted", id: "ops-nearest", text: "No registered camera near this incident." });
    replace(
      panel,
      h("h3", { id: "ops-incident-title", tabindex: "-1", text: `${i.type} (${i.active ? "open" : "closed"})` }),
      h("p", {}, `Reported by ${i.source === "cad" ? "CAD" : i.created_by} · `, localTime(i.opened_at)),
      i.address ? h("p", { text: i.address }) : null,
      i.notes ? h("p", { class: "ops-notes", text: i.notes }) : null,
      h("h4", { text: "Nearest cameras" }),
      cameras,
      i.active ? h("div", { class: "ops-actions" }, closeButton) : h("p", { class: "muted" }, "Closed · ", localTime(i.closed_at)),
      // The footage form takes the incident's point from its id, which this panel never shows.
      h("p", {}, h("a", { href: `#/footage/incident/${encodeURIComponent(i.incident_id)}`, id: "ops-request-footage", text: "Request footage near this incident" })),
      i.active && out.cameras.some(watchableNow) ? h("p", {}, h("a", { href: `#/live/incident/${encodeURIComponent(i.incident_id)}`, id: "ops-watch-incident", text: "Watch the nearest cameras live" })) : null,
    );
    panel.hidden = false;
    if (map) map.panTo([i.lat, i.lon]);
    if (focus) panel.querySelector("#ops-incident-title").focus();
  }

  async function closeIncident(incident, button) {
    if (!window.confirm(`Close the incident "${incident.type}"? Live views it opened end.`)) return;
    await busy(button, async () => {
      try {
        await apiFetch(`/api/incidents/${encodeURIComponent(incident.incident_id)}/close`, { method: "POST" });
        status.ok("Incident closed.");
        await loadBoard();
        await openIncident(incident.incident_id, false);
      } catch (err) {
        status.error(err instanceof ApiError && err.status === 409 ? "This incident was already closed." : err);
      }
    });
  }

  // --- reporting an incident ----------------------------------------------------------------
  function reportForm() {
    const type = h("input", { id: "ops-type", name: "type", required: true, maxlength: 64, autocomplete: "off" });
    const notes = h("textarea", { id: "ops-notes", name: "notes", rows: 3, maxlength: 2000 });
    const where = h("p", { class: "hint", id: "ops-where", "aria-live": "polite" });
    const errors = messageBox();
    const submit = h("button", { type: "submit", class: "btn btn-primary", id: "ops-report", text: "Report incident" });
    const cancel = h("button", { type: "button", class: "btn btn-quiet", id: "ops-report-cancel", text: "Cancel" });
    const el = h(
      "form",
      { class: "ops-report card", id: "ops-report-form", hidden: true, "aria-labelledby": "ops-report-title" },
      h("h3", { id: "ops-report-title", tabindex: "-1", text: "Report an incident here" }),
      where,
      h("div", { class: "field" }, h("label", { for: "ops-type", text: "Type" }), type),
      h("div", { class: "field" }, h("label", { for: "ops-notes", text: "Notes (officers only)" }), notes),
      errors.el,
      h("div", { class: "ops-actions" }, submit, cancel),
    );
    return { el, type, notes, where, errors, submit, cancel };
  }

  function startReport(lat, lon) {
    state.draft = { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
    form.where.textContent = `At ${state.draft.lat.toFixed(5)}, ${state.draft.lon.toFixed(5)}`;
    form.errors.clear();
    form.el.hidden = false;
    if (map) {
      if (draftMarker) draftMarker.setLatLng([lat, lon]);
      else draftMarker = marker(lat, lon, "ops-draft", "Where the incident will be reported", "+", null).addTo(map);
    }
    form.el.querySelector("#ops-report-title").focus();
  }

  function endReport() {
    form.el.hidden = true;
    state.draft = null;
    if (draftMarker && map) map.removeLayer(draftMarker);
    draftMarker = null;
  }

  form.cancel.addEventListener("click", endReport);
  form.el.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!state.draft) return;
    busy(form.submit, async () => {
      form.errors.clear();
      try {
        const out = await apiFetch("/api/incidents", {
          method: "POST",
          json: { lat: state.draft.lat, lon: state.draft.lon, type: form.type.value.trim(), notes: form.notes.value.trim() || null },
        });
        form.type.value = "";
        form.notes.value = "";
        endReport();
        status.ok("Incident reported.");
        await loadBoard();
        await openIncident(out.incident.incident_id);
      } catch (err) {
        form.errors.error(err);
      }
    });
  });
  reportAtCentre.addEventListener("click", () => {
    const centre = map ? map.getCenter() : { lat: DEFAULT_VIEW.center[0], lng: DEFAULT_VIEW.center[1] };
    startReport(centre.lat, centre.lng);
  });

  // --- start ----------------------------------------------------------------------------------
  try {
    const cursor = await loadBoard();
    state.stop = followFeed("incidents", onFeed, { cursor, onReset: loadBoard });
  } catch (err) {
    status.error(err);
  }
  loadLayers();
  const motionTimer = layers.motion ? setInterval(() => loadLayers("motion"), MOTION_REFRESH_MS) : null;

  return () => {
    state.destroyed = true;
    if (state.stop) state.stop();
    if (state.timer) clearTimeout(state.timer);
    clearInterval(motionTimer);
    if (map) map.remove();
  };
}
