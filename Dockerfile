# syntax=docker/dockerfile:1
# Build stage: resolve the pinned dependencies into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock pyproject.toml README.md ./
RUN /opt/venv/bin/pip install -r requirements.lock
COPY api ./api
COPY domain ./domain
COPY workers ./workers
COPY sandbox ./sandbox
COPY migrations ./migrations
COPY alembic.ini schema.graphql ./
RUN /opt/venv/bin/pip install --no-deps .

# Runtime stage: only the virtualenv and the code, as a non-root user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 MAILTRAIL_ENV=production MAILTRAIL_HOST=0.0.0.0
RUN useradd --system --uid 10001 --home /app mailtrail
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/migrations ./migrations
COPY --from=build /src/alembic.ini ./
USER mailtrail
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
# One uvicorn worker per container; scale with replicas (about one per core).
CMD ["uvicorn", "api.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log", "--no-proxy-headers"]
