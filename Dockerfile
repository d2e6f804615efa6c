# B1 Engine service image.
# Build: docker build -t b1engine .          (or: podman build -t b1engine .)
# Run:   docker run -p 8000:8000 -v b1engine-data:/var/lib/b1engine b1engine
#        docker run -p 8000:8000 -e B1ENGINE_DATABASE_URL=postgresql://... -e B1ENGINE_JWT_SECRET=... b1engine
# `b1engine serve` applies the Alembic migrations and loads the content bank at start; on a
# database without an admin it prints a one-time setup link (`docker logs`).
# CI builds and starts this image with podman on a base made from Debian's packages
# (.ci/run, `container_check`): the same Debian release as the default base below.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}

# For builds behind a package mirror or a TLS-inspecting proxy only; unset, pip uses PyPI.
ARG PIP_INDEX_URL
ARG PIP_CERT

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/b1engine/bin:$PATH \
    B1ENGINE_VAR_DIR=/var/lib/b1engine \
    B1ENGINE_DATABASE_URL=sqlite:////var/lib/b1engine/b1engine.db

# Debian's Python 3.11, in a virtual environment of its own (Debian's system Python takes no
# pip installs, PEP 668).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/b1engine

WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY content ./content
COPY calibration ./calibration
COPY api ./api
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/b1engine --create-home b1engine

USER b1engine
VOLUME ["/var/lib/b1engine"]
EXPOSE 8000

# /healthz answers 200 only when the database does (503 otherwise).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["b1engine", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
