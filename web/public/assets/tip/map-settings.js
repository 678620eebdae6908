// The location map's defaults. Where it opens is the deploy config's map_center and where
// its pictures (tiles) come from is its map_tiles (both served in config.json); `center`/
// `zoom` here are only the fallback. A tile server sees the tipster's internet address and
// the area they look at, so there is no default one: without map_tiles the map is a plain
// grid drawn on the phone, and the public tip pages contact no other site at all. With
// one, the page names it, and its Content-Security-Policy allows images from that origin
// only (rtcc.web_security writes it in when the page is served).

export const MAP_SETTINGS = Object.freeze({
  center: [39.8283, -98.5795], // the middle of the contiguous United States
  zoom: 4,
  pinZoom: 16,
  maxZoom: 19,
});
