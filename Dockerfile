# B1 Engine service image. Build: docker build -t b1engine .
# Run:   docker run -p 8000:8000 -e B1ENGINE_DATABASE_URL=postgresql://... -e B1ENGINE_JWT_SECRET=... b1engine
# `b1engine serve` applies the Alembic migrations and loads the content bank at start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    B1ENGINE_VAR_DIR=/var/lib/b1engine \
    B1ENGINE_DATABASE_URL=sqlite:////var/lib/b1engine/b1engine.db

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
