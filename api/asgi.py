"""ASGI entry point for production servers: `uvicorn api.asgi:app`."""

from api.app import create_app

app = create_app()
