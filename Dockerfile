# The engine as a container: the HTTP API under gunicorn. Mount a volume at /data for the
# SQLite database and models, or point LOYALTY_DATABASE_URL at PostgreSQL.
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
EXPOSE 8000
ENTRYPOINT ["loyalty"]
# Other commands run the same way: docker run IMAGE import members /data/members.csv
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
