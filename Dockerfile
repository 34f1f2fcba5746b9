# salescore API image. Embedded by default (SQLite + in-process event runner, data under /data);
# point SALESCORE_DATABASE_URL / SALESCORE_REDIS_URL at PostgreSQL / Redis for production and run
# the same image as `salescore worker` for the event workers. See docs/scaling.md.
#
#   docker build -t salescore .
#   docker run -p 8000:8000 -v salescore-data:/data salescore
#   docker run -v salescore-data:/data salescore salescore seed-demo --if-empty
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SALESCORE_DATABASE_URL=sqlite+aiosqlite:////data/salescore.db \
    SALESCORE_STORAGE_DIR=/data/files

WORKDIR /app

# Dependencies first, from pyproject alone, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p src/salescore \
    && touch src/salescore/__init__.py \
    && pip install -e . \
    && rm -rf src

# The whole checkout: alembic.ini and migrations/ sit at the repository root, two levels above
# the package (salescore/migrate.py finds them there), hence the editable install.
COPY . .
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent salescore \
    && mkdir -p /data/files \
    && chown -R salescore:salescore /data

USER salescore
VOLUME /data
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

# `serve` migrates the database before it listens.
CMD ["salescore", "serve", "--host", "0.0.0.0", "--port", "8000"]
