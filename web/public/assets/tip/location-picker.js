// The optional location on /tip: a Leaflet map the tipster opens on purpose, taps to drop
// a pin, and can clear. Nothing about where the tipster is leaves the phone unless they
// press "Use my location". The map is a plain grid drawn here; pictures (tiles) come on top
// only from the tile server the city configured (config.json mapTiles), which the page
// names before the map opens: that server sees the tipster's internet address and the area
// they look at. Without pictures (none configured, offline) the map still takes a tap.

import { loadConfig } from "../config.js";
import { h } from "../dom.js";
import { MAP_SETTINGS } from "./map-settings.js";

const round = (value) => Math.round(value * 1e5) / 1e5; // about a metre

const NO_TILES =
  "The map loads no pictures from anywhere: it is a plain grid drawn on your phone, so no other website learns where you look.";

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

export function locationPicker() {
  let map = null;
  let marker = null;
  let point = null;
  // The deployment's own area (config.json mapCenter, from the city's deploy config);
  // until it arrives, or without one, the map opens on MAP_SETTINGS' default view.
  let start = { center: MAP_SETTINGS.center, zoom: MAP_SETTINGS.zoom };
  // The city's tile server, or none (then no picture is ever requested).
  let tiles = null;
  const source = h("p", { class: "hint", id: "tip-map-source", text: NO_TILES });
  loadConfig()
    .then((c) => {
      if (Array.isArray(c.mapCenter) && c.mapCenter.length === 2) {
        start = { center: c.mapCenter, zoom: c.mapZoom || MAP_SETTINGS.zoom };
        if (map && !point) map.setView(start.center, start.zoom);
      }
      tiles = tileSource(c);
      if (tiles) {
        source.textContent = `The map's pictures come from ${tiles.host}, which sees your internet address and the area you look at once you open the map. No other website is contacted.`;
        if (map) addTiles();
      }
    })
    .catch(() => {}); // no configuration: the default view and the plain grid still work

  const status = h("p", { class: "hint", id: "tip-location-status", "aria-live": "polite", text: "No place marked." });
  const tileNotice = h("p", {
    class: "map-notice",
    id: "tip-map-notice",
    hidden: true,
    text: "The map pictures could not load. You can still tap the map to drop a pin, use your location, or describe the place in your message.",
  });
  const mapEl = h("div", { class: "tip-map", id: "tip-map", role: "application", "aria-label": "Map: tap to mark the place" });
  const clear = h("button", { type: "button", class: "btn btn-quiet", id: "tip-location-clear", hidden: true, text: "Remove the pin" });
  const locate = h("button", { type: "button", class: "btn btn-quiet", id: "tip-use-location", text: "Use my location" });
  const panel = h(
    "div",
    { class: "map-panel", hidden: true },
    h("p", { class: "hint", text: "Tap the map where it happened. You can drag the pin to fine-tune it." }),
    mapEl,
    tileNotice,
    h("div", { class: "map-actions" }, locate, clear),
  );
  const open = h("button", {
    type: "button",
    class: "btn btn-secondary btn-block",
    id: "tip-location-open",
    "aria-expanded": "false",
    text: "Mark the place on a map",
  });

  function setPoint(lat, lng, zoomIn = false) {
    point = { latitude: round(lat), longitude: round(lng) };
    status.textContent = `Pin placed at ${point.latitude.toFixed(5)}, ${point.longitude.toFixed(5)}.`;
    clear.hidden = false;
    if (map) {
      if (marker) marker.setLatLng([lat, lng]);
      else {
        marker = window.L.marker([lat, lng], { draggable: true, keyboard: true, title: "The place of the tip" }).addTo(map);
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
  }

  open.addEventListener("click", () => {
    const opening = panel.hidden;
    panel.hidden = !opening;
    open.setAttribute("aria-expanded", String(opening));
    open.textContent = opening ? "Hide the map" : "Mark the place on a map";
    if (opening) {
      if (!window.L) {
        mapEl.hidden = true;
        tileNotice.hidden = false;
        tileNotice.textContent = "The map could not load. You can use your location, or describe the place in your message.";
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
    status.textContent = "No place marked.";
  });

  locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      status.textContent = "This browser cannot share a location. Tap the map instead.";
      return;
    }
    status.textContent = "Asking your phone for its location…";
    navigator.geolocation.getCurrentPosition(
      (pos) => setPoint(pos.coords.latitude, pos.coords.longitude, true),
      () => {
        status.textContent = "Your location is not available. Tap the map instead, or describe the place.";
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  const wrap = h(
    "div",
    { class: "field" },
    h("span", { class: "field-label", text: "Where (optional)" }),
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
