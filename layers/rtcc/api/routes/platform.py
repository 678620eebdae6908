"""Platform routes: health, console configuration, the caller's identity."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from rtcc import __version__
from rtcc.api.security import principal
from rtcc.models.platform import ConsoleConfig, Health, Me
from rtcc.settings import get_settings
from rtcc.topology import DECLARED

router = APIGatewayRouter()

#: Capabilities whose console view (web/public/assets/capabilities/<name>.js) the console
#: loads: every declared capability with `console=True`.
CAPABILITIES: list[str] = [c.name for c in DECLARED if c.console]


@router.get("/api/health", summary="Liveness check (public)", tags=["platform"])
def health() -> Health:
    return Health(status="ok", version=__version__, environment=get_settings().environment)


@router.get("/config.json", summary="Public console configuration", tags=["platform"])
def console_config() -> ConsoleConfig:
    settings = get_settings()
    return ConsoleConfig(
        region=settings.region,
        userPoolId=settings.user_pool_id,
        userPoolClientId=settings.user_pool_client_id,
        cognitoEndpoint=settings.cognito_idp_url,
        environment=settings.environment,
        capabilities=list(CAPABILITIES),
        cityName=settings.city_name or None,
        mapCenter=list(settings.map_center) if settings.map_center else None,
        mapZoom=settings.map_zoom if settings.map_center else None,
        mapTiles=settings.map_tiles or None,
        mapTilesAttribution=(settings.map_tiles_attribution or None) if settings.map_tiles else None,
    )


@router.get("/api/me", summary="The signed-in staff member", tags=["platform"])
def me() -> Me:
    who = principal(router)  # type: ignore[arg-type]
    return Me(
        username=who.username,
        subject=who.subject,
        email=who.email,
        groups=sorted(g.value for g in who.groups),
        roles=sorted(r.value for r in who.effective_roles),
    )
