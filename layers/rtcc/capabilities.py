"""Every capability this deployment has, in order: the one list to add a capability to.

Each entry is a capability's declaration (`rtcc.capability.Capability`) from its own
package; see the README's "How to add a capability".
"""

from __future__ import annotations

from rtcc.alerts.capability import ALERTS
from rtcc.cameras.capability import CAMERAS
from rtcc.capability import Capability
from rtcc.lpr.capability import LPR
from rtcc.tips.capability import TIPS
from rtcc.video.capability import VIDEO

CAPABILITIES: tuple[Capability, ...] = (TIPS, ALERTS, LPR, CAMERAS, VIDEO)
