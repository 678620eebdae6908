// The optional location on /tip: a Leaflet map the tipster opens on purpose, taps to drop
// a pin, and can clear. Nothing about where the tipster is leaves the phone unless they
// press "Use my location". The map is a plain grid drawn here; pictures (tiles) come on top
// only from the tile server the city configured (config.json mapTiles), which the page
// names before the map opens: that server sees the tipster's internet address and the area
// they look at. Without pictures (none configured, offline) the map still takes a tap.

import { loadConfig } from "../config.js";
import { h } from "../dom.js";
import { setText, t, tx, txAttrs } from "../i18n.js";
import { MAP_SETTINGS } from "./map-settings.js";

const round = (value) => Math.round(value * 1e5) / 1e5; // about a metre

// Leaflet writes attributions as HTML; the configured credit is plain text.
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function tileSource(config) {
  if (typeof config.mapTiles !== "string" || !config.mapTiles) return null;
  try {
    const host = new URL(config.mapTiles.replace(/[{}]/g, "")).host;
    const attribution = typeof config.mapTilesAttribution === "string" ? escapeHtml(config.mapTilesAttribution) : "";
    return { url: config.mapTiles, host, attribution };
  } catch {
    return null; // not a URL: no pictures rather than a broken map
  }
}

// Grid squares drawn on the phone (tip.css): a surface to pan and tap, with no request.
function plainGrid(L) {
  const Grid = L.GridLayer.extend({
    createTile() {
      const tile = document.createElement("div");
      tile.className = "tip-grid-tile";
      return tile;
    },
  });
  return new Grid({ maxZoom: MAP_SETTINGS.maxZoom });
}

// The picker's texts by name; a page may replace some (`keys` below).
const MAP_KEYS = Object.freeze({
  clear: "map.clear",
  failed: "map.failed",
  hide: "map.hide",
  label: "map.label",
  locating: "map.locating",
  locationUnavailable: "map.locationUnavailable",
  noGeolocation: "map.noGeolocation",
  noTiles: "map.noTiles",
  none: "map.none",
  open: "map.open",
  pinTitle: "map.pinTitle",
  pinned: "map.pinned",
  region: "map.region",
  tapHint: "map.tapHint",
  tilesFailed: "map.tilesFailed",
  tilesFrom: "map.tilesFrom",
  useLocation: "map.useLocation",
});

/**
 * The picker. `prefix` names its elements' ids (`tip-map`, ...); `keys` replaces catalog
 * keys by name ({label: "signup.pin.label"}; the rest stay `map.*`); `onMap(map, L)` is
 * called once the map exists (a page may draw on it); `onChange(point)` after each change.
 */
export function locationPicker({ prefix = "tip", keys = {}, onMap = null, onChange = null } = {}) {
  const key = (name) => keys[name] || MAP_KEYS[name];
  let map = null;
  let marker = null;
  let point = null;
  // The deployment's own area (config.json mapCenter, from the city's deploy config);
  // until it arrives, or without one, the map opens on MAP_SETTINGS' default view.
  let start = { center: MAP_SETTINGS.center, zoom: MAP_SETTINGS.zoom };
  // The city's tile server, or none (then no picture is ever requested).
  let tiles = null;
  const source = h("p", { class: "hint", id: `${prefix}-map-source`, ...tx(key("noTiles")) });
  loadConfig()
    .then((c) => {
      if (Array.isArray(c.mapCenter) && c.mapCenter.length === 2) {
        start = { center: c.mapCenter, zoom: c.mapZoom || MAP_SETTINGS.zoom };
        if (map && !point) map.setView(start.center, start.zoom);
      }
      tiles = tileSource(c);
      if (tiles) {
        setText(source, key("tilesFrom"), { host: tiles.host });
        if (map) addTiles();
      }
    })
    .catch(() => {}); // no configuration: the default view and the plain grid still work

  const status = h("p", { class: "hint", id: `${prefix}-location-status`, "aria-live": "polite", ...tx(key("none")) });
  const tileNotice = h("p", {
    class: "map-notice",
    id: `${prefix}-map-notice`,
    hidden: true,
    ...tx(key("tilesFailed")),
  });
  const mapEl = h("div", { class: "tip-map", id: `${prefix}-map`, role: "application", ...txAttrs({ "aria-label": key("region") }) });
  const clear = h("button", { type: "button", class: "btn btn-quiet", id: `${prefix}-location-clear`, hidden: true, ...tx(key("clear")) });
  const locate = h("button", { type: "button", class: "btn btn-quiet", id: `${prefix}-use-location`, ...tx(key("useLocation")) });
  const panel = h(
    "div",
    { class: "map-panel", hidden: true },
    h("p", { class: "hint", ...tx(key("tapHint")) }),
    mapEl,
    tileNotice,
    h("div", { class: "map-actions" }, locate, clear),
  );
  const open = h("button", {
    type: "button",
    class: "btn btn-secondary btn-block",
    id: `${prefix}-location-open`,
    "aria-expanded": "false",
    ...tx(key("open")),
  });

  function setPoint(lat, lng, zoomIn = false) {
    point = { latitude: round(lat), longitude: round(lng) };
    // Coordinates keep the dot in every language: they are read back as numbers.
    setText(status, key("pinned"), { latitude: point.latitude.toFixed(5), longitude: point.longitude.toFixed(5) });
    clear.hidden = false;
    if (onChange) onChange(point);
    if (map) {
      if (marker) marker.setLatLng([lat, lng]);
      else {
        marker = window.L.marker([lat, lng], { draggable: true, keyboard: true, title: t(key("pinTitle")) }).addTo(map);
        marker.on("dragend", () => {
          const at = marker.getLatLng();
          setPoint(at.lat, at.lng);
        });
      }
      if (zoomIn) map.setView([lat, lng], MAP_SETTINGS.pinZoom);
    }
  }

  function addTiles() {
    let failures = 0;
    window.L.tileLayer(tiles.url, {
      maxZoom: MAP_SETTINGS.maxZoom,
      attribution: tiles.attribution,
      // The tile server learns only our origin (which some usage policies require),
      // never the page path.
      referrerPolicy: "strict-origin",
      crossOrigin: false,
    })
      .on("tileerror", () => {
        failures += 1;
        tileNotice.hidden = false;
      })
      .on("tileload", () => {
        if (!failures) tileNotice.hidden = true;
      })
      .addTo(map);
  }

  function createMap() {
    if (map || !window.L) return;
    const L = window.L;
    map = L.map(mapEl, { center: start.center, zoom: start.zoom, tapTolerance: 20 });
    plainGrid(L).addTo(map); // under the pictures, and what shows when there are none
    if (tiles) addTiles();
    map.on("click", (event) => setPoint(event.latlng.lat, event.latlng.lng));
    if (onMap) onMap(map, L);
  }

  open.addEventListener("click", () => {
    const opening = panel.hidden;
    panel.hidden = !opening;
    open.setAttribute("aria-expanded", String(opening));
    setText(open, opening ? key("hide") : key("open"));
    if (opening) {
      if (!window.L) {
        mapEl.hidden = true;
        tileNotice.hidden = false;
        setText(tileNotice, key("failed"));
      }
      createMap();
      if (map) requestAnimationFrame(() => map.invalidateSize());
    }
  });

  clear.addEventListener("click", () => {
    point = null;
    if (marker && map) map.removeLayer(marker);
    marker = null;
    clear.hidden = true;
    setText(status, key("none"));
    if (onChange) onChange(null);
  });

  locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      setText(status, key("noGeolocation"));
      return;
    }
    setText(status, key("locating"));
    navigator.geolocation.getCurrentPosition(
      (pos) => setPoint(pos.coords.latitude, pos.coords.longitude, true),
      () => {
        setText(status, key("locationUnavailable"));
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  const wrap = h(
    "div",
    { class: "field" },
    h("span", { class: "field-label", ...tx(key("label")) }),
    open,
    source,
    panel,
    status,
  );
  return {
    wrap,
    value: () => point,
    reset: () => clear.click(),
  };
}
