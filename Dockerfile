# The engine as a container. The HTTP server (gunicorn) arrives with the API; until then the
# image runs the command line.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OPENBLAS_NUM_THREADS=1 \
    LOYALTY_DATA_DIR=/data

RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY loyalty ./loyalty
COPY recommender ./recommender
COPY api ./api
COPY fixtures ./fixtures
RUN pip install --no-cache-dir .

VOLUME /data
ENTRYPOINT ["loyalty"]
CMD ["--help"]
