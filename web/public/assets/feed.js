// followFeed: the one way a view hears of news without a reload. It polls the platform's
// live feed, GET /api/feed/<channel>?after=<cursor>, and hands new items to the view.
//
//   import { followFeed } from "../feed.js";
//   const stop = followFeed("tips", async (items) => { ... }, { cursor: page.feed_cursor, onReset: reload });
//   // when the view is left:
//   stop();
//
// - Every `everyMs` (3 s) while the tab is visible; nothing while it is hidden, and one poll
//   as soon as it shows again.
// - Items are references ({cursor, at, kind, ref, summary}); fetch what they refer to through
//   the capability's own routes. The server hands recent items out more than once (a write
//   can land a few seconds after the time it carries); each is delivered here once.
// - The cursor moves on only once onItems has finished: if it throws, the same items come
//   again on the next poll. Errors back off (doubling, up to `maxBackoffMs`).
// - `reset` (a cursor too old to replay): onReset() reloads the view; the feed follows on.

import { apiFetch } from "./api.js";

export const FEED_EVERY_MS = 3000;

/**
 * Follow `channel`; returns stop(). opts: everyMs, cursor (from the data the view loaded;
 * none: from now), onReset(), onError(err, failures), maxBackoffMs.
 */
export function followFeed(channel, onItems, opts = {}) {
  const { everyMs = FEED_EVERY_MS, onReset = null, onError = null, maxBackoffMs = 60000 } = opts;
  let cursor = opts.cursor || null;
  let timer = null;
  let running = false;
  let stopped = false;
  let failures = 0;
  // Cursors delivered that the server may send again (newer than its cursor).
  const delivered = new Set();
  const path = `/api/feed/${encodeURIComponent(channel)}`;

  const visible = () => document.visibilityState === "visible";

  async function poll() {
    timer = null;
    if (stopped || running || !visible()) return;
    running = true;
    let delay = everyMs;
    try {
      const page = await apiFetch(path, { query: { after: cursor } });
      if (stopped) return;
      if (page.reset) {
        delivered.clear();
        if (onReset) await onReset();
      } else {
        const fresh = page.items.filter((item) => !delivered.has(item.cursor));
        if (fresh.length) await onItems(fresh);
        for (const item of fresh) delivered.add(item.cursor);
        for (const seen of delivered) if (seen <= page.cursor) delivered.delete(seen);
        if (page.more) delay = 0;
      }
      cursor = page.cursor;
      failures = 0;
    } catch (err) {
      failures += 1;
      delay = Math.min(everyMs * 2 ** failures, maxBackoffMs);
      if (onError && !stopped) onError(err, failures);
    } finally {
      running = false;
      schedule(delay);
    }
  }

  function schedule(delay) {
    if (stopped || timer || running || !visible()) return; // resumed by visibilitychange
    timer = setTimeout(poll, delay);
  }

  function onVisibility() {
    if (visible()) {
      if (timer) clearTimeout(timer);
      timer = null;
      schedule(0);
    } else if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  }
  document.addEventListener("visibilitychange", onVisibility);
  schedule(cursor ? everyMs : 0);

  return function stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    document.removeEventListener("visibilitychange", onVisibility);
  };
}
