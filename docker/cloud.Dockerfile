# syntax=docker/dockerfile:1.7
# The EdgeStock cloud API. Multi-arch (linux/amd64, linux/arm64):
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/cloud.Dockerfile -t edgestock-cloud .
# Built from the repository root (the build context); docker/cloud.Dockerfile.dockerignore
# keeps the venv, caches and tests out of it. Not built on the machine this was written on
# (no Docker daemon there): tests/ops/test_docker_files.py checks it statically.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# dependencies first, so a code change does not reinstall them
COPY pyproject.toml README.md LICENSE ./
COPY domain ./domain
COPY cloud ./cloud
COPY edge_agent ./edge_agent
COPY provisioning ./provisioning
COPY simulators ./simulators
COPY training ./training
COPY edgestock ./edgestock
COPY firmware_configs ./firmware_configs
# editable: the code finds firmware_configs/ beside its packages, as in a checkout
RUN pip install -e '.[cloud]'

FROM ${PYTHON_IMAGE} AS runtime
# libpq comes with psycopg[binary]; nothing else from the system is needed
RUN groupadd --system --gid 10001 edgestock \
 && useradd --system --uid 10001 --gid edgestock --home-dir /app --shell /usr/sbin/nologin edgestock
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
COPY --chmod=0755 docker/cloud-entrypoint.sh /usr/local/bin/cloud-entrypoint
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
USER edgestock
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["cloud-entrypoint"]
CMD ["edgestock", "cloud", "serve", "--host", "0.0.0.0", "--port", "8000", "--log-format", "json"]
