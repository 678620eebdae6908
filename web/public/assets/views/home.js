// Home: who you are, what you can open, and the API documentation.

import { h, messageBox } from "../dom.js";
import { primaryRole, roleLabel } from "../shell.js";
import { registerView } from "../views.js";

registerView({
  id: "home",
  title: "Home",
  description: "Who you are signed in as and what you can do.",
  roles: [],
  order: 0,
  render(container, { me, views, notices, config }) {
    for (const notice of notices) {
      const box = messageBox();
      container.append(box.el);
      box.error(notice);
    }
    const role = primaryRole(me);
    container.append(
      h(
        "section",
        { class: "card", "aria-labelledby": "home-you" },
        h("h2", { id: "home-you", text: "You" }),
        h(
          "dl",
          { class: "facts" },
          h("dt", { text: "Username" }),
          h("dd", { id: "home-username", text: me.username }),
          me.email ? [h("dt", { text: "Email" }), h("dd", { text: me.email })] : null,
          h("dt", { text: "Role" }),
          h("dd", { id: "home-role", text: role ? roleLabel(role) : "None: ask an administrator to add you to a group" }),
          h("dt", { text: "Can act as" }),
          h("dd", { text: me.roles.length ? me.roles.map(roleLabel).join(", ") : "—" }),
        ),
        h("p", { class: "muted", text: "Everything you open or change here is written to the audit log with your name." }),
      ),
    );

    const others = views.filter((view) => view.id !== "home");
    container.append(
      h(
        "section",
        { class: "card", "aria-labelledby": "home-do" },
        h("h2", { id: "home-do", text: "What you can do" }),
        others.length
          ? h(
              "ul",
              { class: "tiles" },
              others.map((view) =>
                h(
                  "li",
                  {},
                  h(
                    "a",
                    { class: "tile", href: `#/${view.id}` },
                    h("span", { class: "tile-title", text: view.title }),
                    view.description ? h("span", { class: "tile-text", text: view.description }) : null,
                  ),
                ),
              ),
            )
          : h("p", { class: "muted", text: "No sections are open to your role yet." }),
        h(
          "p",
          {},
          h("a", { href: `${config.apiBase}/docs`, class: "btn btn-secondary", text: "API documentation" }),
        ),
      ),
    );
  },
});
