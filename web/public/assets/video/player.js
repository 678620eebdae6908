// One live camera player: asks the API for a live session (POST /api/video/sessions, which
// checks the officer's role and the owner's sharing policy, audits the view and gives the
// owner a receipt), plays the HLS URL it answers with hls.js (from our own origin,
// /vendor/hls/) or, where the browser has no Media Source Extensions (older iOS Safari),
// with the browser's own HLS, and keeps it going:
//   - the session is renewed shortly before it expires (a new POST: the policy is checked
//     again, so a live window that closed ends the view within one session, 5 minutes by
//     default, RTCC_VIDEO_SESSION_EXPIRY_S);
//   - on a fatal playback error, or when the picture stops advancing, the player reconnects
//     with a fresh session, waiting 1, 2, 4 ... 30 s (full jitter) between tries;
//   - a refusal (403 role or owner's policy, 404) stops it and says why in words; it is not
//     retried; no video now (409: nothing sent for 30 s) is asked again every 30 s;
//   - a page hidden for a minute stops the player (no view, no receipt, nobody watching);
//     showing the page again starts it.
// It shows how far behind the live edge the picture is ("3.1 s behind live"), and when
// the picture was taken if the playlist dates its fragments (EXT-X-PROGRAM-DATE-TIME).
//
//   const player = livePlayer("cam-123", { label: "Corner store" });
//   container.append(player.el);  ...  player.destroy();

import { ApiError, apiFetch } from "../api.js";
import { h } from "../dom.js";

const VENDOR = new URL("../../vendor/", import.meta.url);
//: Renew this long before the session's expires_at.
const RENEW_BEFORE_MS = 30_000;
//: The picture counts as stalled when currentTime has not moved for this long while playing.
const STALL_MS = 20_000;
//: A hidden page stops its players after this long.
const HIDDEN_STOP_MS = 60_000;
const BACKOFF_MAX_MS = 30_000;
//: How often a camera with no video (409) is asked again.
const WAIT_FOR_VIDEO_MS = 30_000;
//: "Back to live" is offered past this many seconds behind the live edge.
const FAR_BEHIND_S = 12;

const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

let hlsReady = null;

/** hls.js (window.Hls) from /vendor/hls/, loaded once; resolves to null when it cannot load. */
export function loadHls() {
  if (!hlsReady) {
    hlsReady = window.Hls
      ? Promise.resolve(window.Hls)
      : new Promise((resolve) => {
          const script = h("script", { src: new URL("hls/hls.min.js", VENDOR).toString() });
          script.addEventListener("load", () => resolve(window.Hls || null));
          script.addEventListener("error", () => {
            hlsReady = null;
            resolve(null);
          });
          document.head.append(script);
        });
  }
  return hlsReady;
}

/** A refusal of POST /api/video/sessions in words an officer acts on. */
export function refusalText(err) {
  if (!(err instanceof ApiError)) return `Live video stopped: ${err && err.message ? err.message : "an unexpected error"}.`;
  // The API's message names the field ("camera_id: ..."); the reason after it is what adds.
  const reason = (err.message || "").replace(/^[a-z_]+:\s*/, "");
  const why = (sentence, covered) => (reason && !covered.test(reason) ? `${sentence} (${reason}).` : `${sentence}.`);
  if (err.status === 403 && /\brole\b/i.test(reason)) return why("Your role does not allow live video", /\brole\b/i);
  if (err.status === 403) return why("The owner's policy does not allow live view of this camera now", /polic/i);
  if (err.status === 404) return why("There is no such camera", /no such|unknown|not found/i);
  if (err.status === 409) return why("No live video from this camera now", /^$/);
  if (err.status === 0) return err.message;
  return why("Live video is not available", /^$/);
}

/** Whether an answer of the sessions route is final (not worth retrying). */
function isRefusal(err) {
  return err instanceof ApiError && [400, 401, 403, 404, 409, 422].includes(err.status);
}

function backoffMs(attempt) {
  // Full jitter: a street of cameras that dropped together does not come back together.
  return Math.round(Math.random() * Math.min(BACKOFF_MAX_MS, 1000 * 2 ** attempt));
}

/** Seconds between the live edge and the playhead, or null while unknown. */
function behindLive(video, hls) {
  if (hls && Number.isFinite(hls.latency) && hls.latency > 0) return hls.latency;
  const ranges = video.seekable;
  if (!ranges || !ranges.length) return null;
  const edge = ranges.end(ranges.length - 1);
  return Number.isFinite(edge) && edge > 0 ? Math.max(0, edge - video.currentTime) : null;
}

/** When the picture on screen was taken, if the playlist dates its fragments. */
function pictureTime(video, hls) {
  let when = hls ? hls.playingDate : null;
  if (!hls && typeof video.getStartDate === "function") {
    // Safari's own HLS: the date of the stream's start (EXT-X-PROGRAM-DATE-TIME) plus the playhead.
    const start = video.getStartDate();
    when = start && !Number.isNaN(start.getTime()) ? new Date(start.getTime() + video.currentTime * 1000) : null;
  }
  return when instanceof Date && !Number.isNaN(when.getTime()) ? when : null;
}

function playerElements(cameraId, label) {
  const video = h("video", {
    class: "live-video",
    // iOS Safari plays inline (not full screen) and autoplays only muted and inline.
    playsinline: true,
    "webkit-playsinline": true,
    muted: true,
    autoplay: true,
    controls: true,
    "aria-label": `Live video: ${label}`,
  });
  video.muted = true; // the attribute sets only the default; autoplay needs the property
  const status = h("p", { class: "live-status", role: "status", "aria-live": "polite" });
  const latency = h("span", { class: "live-latency", dataset: { latency: "" } });
  const taken = h("span", { class: "live-taken muted" });
  const toLive = h("button", { type: "button", class: "btn btn-quiet live-to-edge", hidden: true, text: "Back to live" });
  const retry = h("button", { type: "button", class: "btn btn-secondary live-retry", hidden: true, text: "Try again" });
  const el = h(
    "figure",
    { class: "live-player", dataset: { camera: cameraId, state: "starting" } },
    h("div", { class: "live-frame" }, video),
    h("figcaption", { class: "live-caption" }, h("strong", { class: "live-name", text: label }), " ", latency, " ", taken),
    status,
    h("div", { class: "live-actions" }, toLive, retry),
  );
  return { el, video, status, latency, taken, toLive, retry };
}

/**
 * A live player for one camera. opts: label (the camera's name, shown and spoken),
 * onSession(session) (each session the API grants: {camera, url, expires_at, mode}),
 * onRefused(err). Returns {el, video, stop(), start(), destroy()}.
 */
export function livePlayer(cameraId, opts = {}) {
  const ui = playerElements(cameraId, opts.label || "Camera");
  const s = { hls: null, session: null, renewTimer: null, retryTimer: null, hiddenTimer: null, attempt: 0, running: false, destroyed: false, lastTime: -1, lastMove: 0 };

  function setState(state, text) {
    ui.el.dataset.state = state;
    if (text !== undefined) ui.status.textContent = text;
  }

  function clearTimers() {
    clearTimeout(s.renewTimer);
    clearTimeout(s.retryTimer);
    s.renewTimer = s.retryTimer = null;
  }

  function detach() {
    if (s.hls) {
      s.hls.destroy();
      s.hls = null;
    }
    ui.video.removeAttribute("src");
    ui.video.load(); // releases the old media pipeline (and its connection) at once
  }

  async function attach(url) {
    const Hls = await loadHls();
    if (s.destroyed || !s.running) return; // stopped while hls.js loaded
    detach();
    if (Hls && Hls.isSupported()) {
      const hls = new Hls({ lowLatencyMode: false, liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 6, backBufferLength: 30 });
      hls.on(Hls.Events.ERROR, (_event, data) => onHlsError(Hls, hls, data));
      hls.loadSource(url);
      hls.attachMedia(ui.video);
      s.hls = hls;
    } else if (ui.video.canPlayType("application/vnd.apple.mpegurl")) {
      ui.video.src = url;
    } else {
      throw new Error("this browser cannot play live video (no HLS and no Media Source Extensions)");
    }
    s.lastMove = Date.now();
    ui.video.play().catch((err) => {
      // Only a refused autoplay needs the person; an AbortError is our own reload (renewal).
      if (err && err.name === "NotAllowedError") setState("paused", "Tap play to watch: the browser did not start the video by itself.");
    });
  }

  let mediaRecoveries = 0;
  function onHlsError(Hls, hls, data) {
    if (!data.fatal || hls !== s.hls) return; // hls.js retries non-fatal errors itself
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
      mediaRecoveries += 1;
      hls.recoverMediaError();
      return;
    }
    // KVS answers 403 (or 404) for a session URL that expired or a stream that went: a fresh one.
    const code = data.response && data.response.code;
    reconnect(`the stream was interrupted (${data.details})`, [401, 403, 404, 410].includes(code));
  }

  async function openSession() {
    const session = await apiFetch("/api/video/sessions", { method: "POST", json: { camera_id: cameraId } });
    if (s.destroyed || !s.running) return null;
    s.session = session;
    if (opts.onSession) opts.onSession(session);
    scheduleRenewal(session);
    return session;
  }

  function scheduleRenewal(session) {
    clearTimeout(s.renewTimer);
    const expires = Date.parse(session.expires_at);
    const wait = Number.isNaN(expires) ? 240_000 : Math.max(10_000, expires - Date.now() - RENEW_BEFORE_MS);
    s.renewTimer = setTimeout(() => renew(), wait);
  }

  async function renew() {
    try {
      const session = await openSession();
      if (session) {
        await attach(session.url);
        s.attempt = 0;
      }
    } catch (err) {
      fail(err);
    }
  }

  async function connect() {
    setState(s.attempt ? "reconnecting" : "connecting", s.attempt ? "Reconnecting…" : "Connecting…");
    try {
      const session = await openSession();
      if (!session) return;
      await attach(session.url);
    } catch (err) {
      fail(err);
    }
  }

  function fail(err) {
    if (s.destroyed || !s.running) return;
    if (err instanceof ApiError && err.status === 409) {
      waitForVideo(err);
      return;
    }
    if (isRefusal(err) || !(err instanceof ApiError)) {
      stop();
      setState("refused", refusalText(err));
      ui.retry.hidden = false;
      if (opts.onRefused) opts.onRefused(err);
      return;
    }
    reconnect(err.message);
  }

  // 409: no video now (the camera sent nothing for 30 s, or its stream is being made). The
  // camera may come back: ask again now and then (a 409 is neither a view nor audited).
  function waitForVideo(err) {
    clearTimers();
    detach();
    setState("waiting", `${refusalText(err)} Trying again every ${WAIT_FOR_VIDEO_MS / 1000} s.`);
    ui.retry.hidden = false;
    s.retryTimer = setTimeout(() => {
      s.retryTimer = null;
      connect();
    }, WAIT_FOR_VIDEO_MS);
  }

  // A new session is another audited view and another receipt for the owner: while the one
  // held has time left it is played again, unless KVS refused its URL (expired, revoked).
  function reconnect(why, fresh = false) {
    if (s.destroyed || !s.running || s.retryTimer) return;
    clearTimeout(s.renewTimer);
    detach();
    const wait = backoffMs(s.attempt);
    s.attempt += 1;
    setState("reconnecting", `Reconnecting: ${why}.`);
    s.retryTimer = setTimeout(() => {
      s.retryTimer = null;
      const left = s.session ? Date.parse(s.session.expires_at) - Date.now() : 0;
      if (!fresh && left > RENEW_BEFORE_MS) resume();
      else connect();
    }, wait);
  }

  async function resume() {
    try {
      await attach(s.session.url);
      scheduleRenewal(s.session);
    } catch (err) {
      fail(err);
    }
  }

  function tick() {
    if (!s.running) return;
    const v = ui.video;
    if (v.currentTime !== s.lastTime) {
      s.lastTime = v.currentTime;
      s.lastMove = Date.now();
      if (!v.paused && ui.el.dataset.state !== "playing") {
        s.attempt = 0;
        mediaRecoveries = 0;
        setState("playing", "Live.");
      }
    } else if (!v.paused && s.session && Date.now() - s.lastMove > STALL_MS) {
      reconnect("the picture stopped");
    }
    const behind = behindLive(v, s.hls);
    ui.latency.dataset.latency = behind == null ? "" : behind.toFixed(1);
    ui.latency.textContent = behind == null ? "" : `${behind.toFixed(1)} s behind live`;
    const taken = pictureTime(v, s.hls);
    ui.taken.textContent = taken ? `picture from ${timeOfDay.format(taken)}` : "";
    ui.toLive.hidden = !(behind != null && behind > FAR_BEHIND_S);
  }

  function toLiveEdge() {
    const v = ui.video;
    const edge = s.hls && Number.isFinite(s.hls.liveSyncPosition) ? s.hls.liveSyncPosition : v.seekable.length ? v.seekable.end(v.seekable.length - 1) - 1 : null;
    if (edge != null) v.currentTime = edge;
    v.play().catch(() => {});
  }

  const ticker = setInterval(tick, 1000);

  function start() {
    if (s.destroyed || s.running) return;
    s.running = true;
    s.attempt = 0;
    ui.retry.hidden = true;
    loadHls(); // fetched while the API opens the session
    connect();
  }

  function stop() {
    s.running = false;
    clearTimers();
    detach();
    s.session = null;
    ui.latency.textContent = ui.taken.textContent = "";
    ui.latency.dataset.latency = "";
  }

  function onVisibility() {
    clearTimeout(s.hiddenTimer);
    if (document.hidden) {
      s.hiddenTimer = setTimeout(() => {
        if (s.running) {
          stop();
          setState("stopped", "Stopped while the page was hidden.");
          s.stoppedHidden = true;
        }
      }, HIDDEN_STOP_MS);
    } else if (s.stoppedHidden) {
      s.stoppedHidden = false;
      start();
    }
  }

  ui.retry.addEventListener("click", () => {
    stop();
    start();
  });
  ui.toLive.addEventListener("click", toLiveEdge);
  // Native HLS reports trouble only as an error event on the element.
  ui.video.addEventListener("error", () => {
    if (!s.hls && s.running && ui.video.getAttribute("src")) reconnect("the stream was interrupted");
  });
  document.addEventListener("visibilitychange", onVisibility);

  function destroy() {
    s.destroyed = true;
    stop();
    clearInterval(ticker);
    clearTimeout(s.hiddenTimer);
    document.removeEventListener("visibilitychange", onVisibility);
  }

  start();
  return { el: ui.el, video: ui.video, start, stop, destroy };
}
