# syntax=docker/dockerfile:1.7
# The EdgeStock edge agent, for a site box that runs containers (on a Raspberry Pi the
# systemd unit in deploy/ is the simpler choice: docs/operations.md). Multi-arch:
#   docker buildx build --platform linux/arm64,linux/amd64 -f docker/agent.Dockerfile -t edgestock-agent .
# Not built on the machine this was written on (no Docker daemon there): checked statically
# by tests/ops/test_docker_files.py. ai-edge-litert has manylinux_2_27 aarch64 and x86_64
# wheels; without it the agent runs the cold-room rules without the model.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY domain ./domain
COPY cloud ./cloud
COPY edge_agent ./edge_agent
COPY provisioning ./provisioning
COPY simulators ./simulators
COPY training ./training
COPY edgestock ./edgestock
COPY firmware_configs ./firmware_configs
RUN pip install -e '.[edge,inference]'

FROM ${PYTHON_IMAGE} AS runtime
# zbar for pyzbar (barcodes), glib for OpenCV, dbus for BLE through the host's BlueZ
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzbar0 libglib2.0-0 libdbus-1-3 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10002 edgestock \
 && useradd --system --uid 10002 --gid edgestock --groups dialout --home-dir /var/lib/edgestock \
      --create-home --shell /usr/sbin/nologin edgestock
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /var/lib/edgestock
USER edgestock
# the config (written by `edgestock provision enroll`), its key and the store live here
VOLUME ["/var/lib/edgestock"]
# unhealthy when a device is offline, the sync is parked or failing, or the agent stalls
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["edgestock", "agent", "status", "--config", "/var/lib/edgestock/agent.yaml"]
CMD ["edgestock", "agent", "run", "--config", "/var/lib/edgestock/agent.yaml", "--log-format", "json"]
