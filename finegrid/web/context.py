"""Template context every page gets."""

from django.conf import settings

from finegrid import __version__


def site(request):
    return {
        "finegrid_version": __version__,
        "demo_mode": settings.DEMO_MODE,
        "map_settings": {
            "tileUrl": settings.MAP_TILE_URL,
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
            "tiandituKey": settings.TIANDITU_KEY,
        },
    }
