// The location map's defaults and where its pictures (tiles) come from. Where it opens is
// the deploy config's map_center (served in config.json); `center`/`zoom` here are only the
// fallback. The tile server is the only other site the public
// tip pages ever contact, and only after the tipster opens the map; it must also be listed
// in img-src of the Content-Security-Policy in tip.html and tip-follow-up.html.

export const MAP_SETTINGS = Object.freeze({
  center: [39.8283, -98.5795], // the middle of the contiguous United States
  zoom: 4,
  pinZoom: 16,
  tileUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  maxZoom: 19,
});
