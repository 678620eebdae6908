// Cameras (issue 12): the console's views of the camera capability.
//   #/map                 the operations map: incidents live, their nearest cameras, layers
//                         (web/public/assets/cameras/map.js)
// The footage requests' views (#/footage, #/footage/<id>) register from
// ../cameras/footage.js: its import goes in the "Footage views" place below.

import { registerView } from "../views.js";
import { mapView } from "../cameras/map.js";

// --- Footage views (lane F): import "../cameras/footage.js" here. ---------------------------
import "../cameras/footage.js"; // #/footage, #/footage/<id>

registerView({
  id: "map",
  title: "Operations map",
  description: "Incidents as they come in, the cameras nearest each, and the map's layers.",
  roles: ["officer"],
  capability: "cameras",
  order: 15,
  render(container, ctx) {
    return mapView(container, ctx);
  },
});
