# syntax=docker/dockerfile:1
# One image for every role (api, worker, scheduler, migrate): the command picks the role.
# Console stage: GraphiQL and React from the npm registry, pinned by api/console/package-lock.json,
# so the image serves its console with no CDN (pyproject's package-data takes the files it serves).
FROM node:20-slim AS console
WORKDIR /console
COPY api/console/package.json api/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

# Build stage: resolve the pinned dependencies into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock pyproject.toml README.md ./
RUN /opt/venv/bin/pip install -r requirements.lock
COPY api ./api
COPY --from=console /console/node_modules ./api/console/node_modules
COPY domain ./domain
COPY workers ./workers
COPY sandbox ./sandbox
COPY migrations ./migrations
COPY alembic.ini schema.graphql ./
# The bounce reader compiled with mypyc (gcc for this stage only; the .so files need no compiler).
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY tools/build_bounces.py ./tools/
RUN /opt/venv/bin/python tools/build_bounces.py && test -f domain/bounces/native.stamp
RUN /opt/venv/bin/pip install --no-deps .

# Runtime stage: only the virtualenv and the code, as a non-root user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 MAILTRAIL_ENV=production MAILTRAIL_HOST=0.0.0.0
RUN useradd --system --uid 10001 --home /app mailtrail
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/migrations ./migrations
COPY --from=build /src/alembic.ini ./
USER 10001
# 8000: the API; 9191: the Prometheus endpoint of a worker or scheduler container.
EXPOSE 8000 9191
# No HEALTHCHECK here: the roles differ. docker-compose.yml gives each its own (the API's
# /healthz over HTTP, the worker's and scheduler's heartbeat through `mailtrail liveness`).
# One uvicorn worker per container; scale with replicas (about one per core).
CMD ["mailtrail", "serve"]
