// Tips inbox (officers and up): the list with filters, new tips arriving without a reload,
// and a tip's detail. Phones show the list, then the tip (with a way back); wide screens
// show both side by side. Route: #/tips and #/tips/<tip code>.

import { apiFetch } from "../api.js";
import { h, messageBox } from "../dom.js";
import { registerView } from "../views.js";
import { tipDetail } from "./tips/detail.js";
import { inboxList } from "./tips/inbox-list.js";

const CODE = /^T-[2-9A-HJKMNP-Z]{4,8}$/;

// The view's stylesheet, added once next to the console's own.
function ensureStyles() {
  if (document.getElementById("tips-css")) return;
  const link = h("link", { rel: "stylesheet", id: "tips-css", href: new URL("./tips/tips.css", import.meta.url).toString() });
  document.head.append(link);
}

let options = null;

/** The unread badge above the list (the feed keeps it current while the view is open). */
function setBadge(count) {
  const badge = document.getElementById("tips-unread");
  if (!badge) return;
  badge.textContent = `${count} unread`;
  badge.hidden = count === 0;
}

registerView({
  id: "tips",
  title: "Tips",
  description: "Anonymous tips by text and web: triage, reply, follow up.",
  roles: ["officer"],
  capability: "tips",
  order: 10,
  async render(container, ctx) {
    ensureStyles();
    const code = CODE.test(ctx.params) ? ctx.params : "";
    const errors = messageBox();
    const unread = h("span", { class: "tips-unread-badge", id: "tips-unread", hidden: true, title: "Unread tips in this list" });

    if (!options) options = await apiFetch("/api/tips/options");

    const listPane = h("div", { class: "tips-list-pane", id: "tips-list-pane" }, h("p", { class: "tips-list-head" }, unread));
    const detailPane = h("div", { class: "tips-detail-pane", id: "tips-detail-pane" });
    const layout = h("div", { class: `tips-layout${code ? " has-detail" : ""}` }, listPane, detailPane);
    container.append(errors.el, layout);

    let detail = null;
    const list = inboxList({
      options,
      selected: code,
      onActivity: (summary) => {
        if (detail && summary.code === code) detail.activity(summary);
      },
      onUnread: setBadge,
      onError: (err) => errors.error(err),
    });
    listPane.append(list.el);

    if (code) {
      detail = tipDetail(detailPane, code, {
        ctx,
        options,
        onSaved: (tip) => list.upsert(tip),
        onBack: () => ctx.navigate("#/tips"),
      });
    } else {
      detailPane.append(h("p", { class: "muted tips-placeholder", text: "Choose a tip to read it." }));
    }

    return () => {
      list.dispose();
      if (detail) detail.dispose();
    };
  },
});
