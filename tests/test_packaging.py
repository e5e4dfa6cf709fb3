"""A non-editable install (the Docker image) carries every file the console serves."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from api.console import ASSETS, HERE

ROOT = Path(__file__).resolve().parent.parent


def test_package_data_names_every_console_asset() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["api.console"]
    served = [path.relative_to(HERE).as_posix() for path in ASSETS.values()]
    missing = [name for name in [*served, "page.html"] if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert missing == []


def test_the_image_builds_the_console_assets_from_the_lockfile() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY api/console/package\.json api/console/package-lock\.json \./$", dockerfile, re.M)
    assert re.search(r"^RUN npm ci\b", dockerfile, re.M)
    build = dockerfile.index("AS build")
    node_modules = dockerfile.index("COPY --from=console /console/node_modules ./api/console/node_modules")
    assert build < node_modules < dockerfile.index("pip install --no-deps .")


def test_a_non_editable_install_carries_the_compiled_bounce_reader() -> None:
    from importlib.machinery import EXTENSION_SUFFIXES

    from domain.bounces import native

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    built = [*native.built_files(), native.HERE / "families" / f"exim{EXTENSION_SUFFIXES[0]}", native.STAMP]
    for path in built:
        package = ".".join(path.parent.relative_to(ROOT).parts)
        assert any(fnmatch.fnmatch(path.name, p) for p in data.get(package, [])), path
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.index("RUN /opt/venv/bin/python tools/build_bounces.py") < dockerfile.index(
        "pip install --no-deps ."
    )
