"""The city boundary a registered camera must stand in: the outline of the alerts program's
zones (rtcc.alerts.zone_config: the deploy config's zones file, the demo city locally), so
the city draws its outline once. A point in no zone is outside. With no shaped zone at all
(a deployment with ZIP codes only) there is no outline to check against and every point is
accepted; the README says so."""

from __future__ import annotations


def inside_city(lat: float, lon: float) -> bool:
    from rtcc.alerts.zone_config import configured_zones

    zones = configured_zones()
    if not any(zone.geometry is not None for zone in zones.list()):
        return True
    return bool(zones.zones_at(lat, lon))
