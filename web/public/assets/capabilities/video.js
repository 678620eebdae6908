// Live video (issue 13): the console's views of the video capability.
//   #/live                          open incidents, each a way into its cameras' grid
//   #/live/<camera_id>              one camera live (../video/player.js) and "Save clip to case"
//   #/live/incident/<incident_id>   the nearest live cameras of an incident, up to 4, each
//                                   its own player (GET /api/video/incidents/{id}/cameras)
// "Watch live" links to these views sit on the operations map's integrated cameras and an
// incident's nearest cameras (../cameras/map.js).

import { apiFetch } from "../api.js";
import { h, localTime, messageBox, replace } from "../dom.js";
import { registerView } from "../views.js";
import { clipForm } from "../video/clip-form.js";
import { livePlayer } from "../video/player.js";

const CAMERA_ID = /^(cam-[0-9a-f]{12}|city-[A-Za-z0-9_-]{1,64})$/;
const INCIDENT_ID = /^(inc-[0-9a-f]{12}|cad-[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

function loadStyles() {
  if (!document.getElementById("live-video-css")) {
    document.head.append(h("link", { rel: "stylesheet", id: "live-video-css", href: new URL("../video/video.css", import.meta.url).toString() }));
  }
}

function metres(value) {
  if (typeof value !== "number") return "";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} km` : `${Math.round(value)} m`;
}

/** #/live/<camera_id>: one player, the camera's facts once the API has answered, the clip form. */
function cameraView(container, cameraId) {
  const facts = h("p", { class: "muted live-facts", id: "live-facts" });
  const clips = clipForm(cameraId);
  const player = livePlayer(cameraId, {
    label: cameraId,
    onSession(session) {
      const c = session.camera || {};
      if (c.name) player.el.querySelector(".live-name").textContent = c.name;
      if (c.name) player.video.setAttribute("aria-label", `Live video: ${c.name}`);
      replace(facts, [c.type, c.level === "city" ? "city camera" : c.level === "integrate" ? "integrated" : c.level, c.bearing_deg == null ? null : `faces ${c.bearing_deg}°`].filter(Boolean).join(" · "));
    },
  });
  container.append(h("div", { class: "live-single" }, player.el, facts), clips.el, h("p", {}, h("a", { href: "#/map", text: "Back to the operations map" })));
  return () => {
    player.destroy();
    clips.destroy();
  };
}

function gridCaption(c) {
  const bits = [metres(c.distance_m), c.motion_at ? "motion " : null].filter(Boolean);
  return h("p", { class: "hint live-grid-facts" }, bits.join(" · "), c.motion_at ? localTime(c.motion_at) : null);
}

/** #/live/incident/<incident_id>: up to grid_size players, nearest first. */
function incidentView(container, incidentId) {
  const status = messageBox();
  const grid = h("div", { class: "live-grid", id: "live-grid" });
  const refresh = h("button", { type: "button", class: "btn btn-secondary", id: "live-grid-refresh", text: "Refresh cameras" });
  let players = [];

  function clear() {
    for (const p of players) p.destroy();
    players = [];
    replace(grid);
  }

  async function load() {
    status.clear();
    let out;
    try {
      out = await apiFetch(`/api/video/incidents/${encodeURIComponent(incidentId)}/cameras`);
    } catch (err) {
      status.error(err);
      return;
    }
    clear();
    const cameras = (out.cameras || []).slice(0, 4);
    if (!cameras.length) {
      status.info("No integrated camera near this incident may be watched live now.");
      return;
    }
    for (const c of cameras) {
      const player = livePlayer(c.camera_id, { label: c.name || c.camera_id });
      players.push(player);
      grid.append(h("div", { class: "live-cell" }, player.el, gridCaption(c), h("a", { href: `#/live/${encodeURIComponent(c.camera_id)}`, text: `Open ${c.name || c.camera_id} alone` })));
    }
    status.info(`${cameras.length} live ${cameras.length === 1 ? "camera" : "cameras"} nearest the incident.`);
  }

  refresh.addEventListener("click", load);
  container.append(
    status.el,
    grid,
    h("div", { class: "live-actions" }, refresh, h("a", { class: "btn btn-quiet", href: `#/footage/incident/${encodeURIComponent(incidentId)}`, text: "Request footage instead" })),
  );
  load();
  return clear;
}

/** #/live: the open incidents, each a way into its cameras. */
async function landingView(container) {
  const status = messageBox();
  const list = h("ul", { class: "live-incidents", id: "live-incidents" });
  container.append(
    h("p", {}, "Open a camera's live view from the ", h("a", { href: "#/map", text: "operations map" }), ", or watch the cameras nearest an open incident:"),
    status.el,
    list,
  );
  try {
    const out = await apiFetch("/api/incidents");
    const open = (out.incidents || []).filter((i) => i.active);
    replace(
      list,
      open.length
        ? open.map((i) => h("li", {}, h("a", { href: `#/live/incident/${encodeURIComponent(i.incident_id)}`, text: `${i.type}: nearest cameras` }), " · ", localTime(i.updated_at)))
        : [h("li", { class: "muted", text: "No open incidents." })],
    );
  } catch (err) {
    status.error(err);
  }
}

registerView({
  id: "live",
  title: "Live video",
  description: "Watch integrated cameras live, as their owners' policies allow, and save clips to a case.",
  roles: ["officer"],
  capability: "video",
  order: 17,
  render(container, ctx) {
    loadStyles();
    const params = ctx.params || "";
    const incident = /^incident\/(.+)$/.exec(params);
    if (incident) {
      if (!INCIDENT_ID.test(incident[1])) return notFound(container, "There is no such incident.");
      return incidentView(container, incident[1]);
    }
    if (params) {
      if (!CAMERA_ID.test(params)) return notFound(container, "There is no such camera.");
      return cameraView(container, params);
    }
    return landingView(container);
  },
});

function notFound(container, text) {
  const box = messageBox();
  container.append(box.el, h("p", {}, h("a", { href: "#/live", text: "Live video" })));
  box.error(text);
}
