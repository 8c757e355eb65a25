# The app image for docker-compose.yml. The database is the postgis service there.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/qingpu
COPY pyproject.toml README.md ./
COPY app ./app
COPY gis ./gis
COPY layers ./layers
COPY plan ./plan
COPY migrations ./migrations
COPY web ./web
RUN pip install --no-cache-dir -e . \
 && cd web && npm ci --no-audit --no-fund --loglevel=error
EXPOSE 8000
CMD ["sh", "-c", "qingpu db upgrade && qingpu layout load && qingpu serve --host 0.0.0.0 --port 8000"]
