"""ASGI entry point for production servers: `uvicorn api.asgi:app` (what `mailtrail serve` runs, wrapped alike)."""

from api.app import create_app
from api.observability import wrap
from domain.settings import get_settings

app = wrap(create_app(), get_settings())
