// Plate reads (issue 11): one console view with four pages, chosen by the path after #/lpr:
//   #/lpr                 today's hits, live (officers): accept, or reject with a reason
//   #/lpr/hits/<hit id>   one hit (the watch desk's text links here)
//   #/lpr/hotlists        lists; supervisors create, import files, add BOLO entries
//   #/lpr/search          purpose-bound search of reads (officers; audited)
//   #/lpr/rates           acceptance and rejection rates per list and reader (supervisors)
//   #/lpr/sources         vendors' sources, their secrets and readers (administrators)
// Phone first: one column at 375 px, tables scroll in their own focusable regions.

import { h } from "../dom.js";
import { registerView } from "../views.js";
import { hasRole, sectionNav } from "./lpr/common.js";
import { hitView, hitsView } from "./lpr/hits.js";
import { hotlistsView } from "./lpr/hotlists.js";
import { ratesView } from "./lpr/rates.js";
import { searchView } from "./lpr/search.js";
import { sourcesView } from "./lpr/sources.js";

const HIT = /^hits\/([A-Za-z0-9_.:-]{1,128})$/;

function ensureStyles() {
  if (document.getElementById("lpr-css")) return;
  document.head.append(h("link", { rel: "stylesheet", id: "lpr-css", href: new URL("./lpr/lpr.css", import.meta.url).toString() }));
}

registerView({
  id: "lpr",
  title: "Plate reads",
  description: "Hotlist hits as they happen, hotlists, and purpose-bound search of plate reads.",
  roles: ["officer"],
  capability: "lpr",
  order: 30,
  async render(container, ctx) {
    ensureStyles();
    const params = ctx.params || "";
    const hit = HIT.exec(params);
    const section = hit ? "" : params;
    container.append(sectionNav(ctx.me, section));
    if (hit) return hitView(container, hit[1]);
    if (section === "hotlists") return hotlistsView(container, ctx);
    if (section === "search") return searchView(container, ctx);
    if (section === "rates" && hasRole(ctx.me, "supervisor")) return ratesView(container);
    if (section === "sources") {
      if (!hasRole(ctx.me, "admin")) {
        container.append(h("p", { class: "message message-error", role: "alert", text: "Sources are managed by administrators." }));
        return undefined;
      }
      return sourcesView(container, ctx);
    }
    return hitsView(container, ctx);
  },
});
