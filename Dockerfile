# The Điểm tin application image: one image for the worker (`run --no-dashboard`) and the dashboard.
FROM python:3.11-slim-bookworm

# WeasyPrint (PDF digests) needs Pango; fonts with Vietnamese glyphs for the documents.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core fonts-noto-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# PyTorch first, pinned and CPU-only (the default wheel pulls several GB of CUDA libraries).
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY classifiers ./classifiers
COPY crawlers ./crawlers
COPY dashboard ./dashboard
COPY index_config ./index_config
RUN pip install --no-cache-dir .
COPY deploy/entrypoint.sh /usr/local/bin/diemtin-entrypoint

ENV DIEMTIN_HOME=/data/home PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 diemtin && mkdir -p /data/home && chown -R diemtin /data
USER diemtin
VOLUME ["/data"]
ENTRYPOINT ["diemtin-entrypoint"]
CMD ["run", "--no-dashboard"]
