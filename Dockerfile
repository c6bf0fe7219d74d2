FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 OMP_THREAD_LIMIT=1 \
    KONTERA_DATA_DIR=/data \
    KONTERA_COLDSTART_MODEL=/app/models/coldstart
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nor \
    tesseract-ocr-swe tesseract-ocr-eng tesseract-ocr-osd poppler-utils qpdf fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY fixtures/demo ./fixtures/demo
COPY models ./models
RUN pip install --no-cache-dir .

RUN useradd --system --home /app kontera && mkdir -p /data && chown kontera /data
USER kontera
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["kontera", "serve", "--host", "0.0.0.0", "--port", "8000"]
