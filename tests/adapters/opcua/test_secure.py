"""Basic256Sha256 against the simulator's secure endpoint, which trusts only listed clients.

Certificates are made here, self-signed with the application URI in subjectAltName."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from edge_agent.adapters.opcua.adapter import OpcUaLineAdapter
from simulators.opcua.certs import CertificateFiles, make_certificate
from simulators.opcua.server import SERVER_URI, LineServer, SecureEndpoint
from tests.adapters.conftest import free_port
from tests.adapters.opcua.conftest import latest, line_config, quick_backoff, running
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]
AGENT_URI = "urn:edgestock:edge-agent:test"


@dataclass(frozen=True)
class SecureLine:
    server: LineServer
    server_cert: CertificateFiles
    trusted: CertificateFiles
    untrusted: CertificateFiles


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def secure_line(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SecureLine]:
    folder = tmp_path_factory.mktemp("pki")
    server_cert = make_certificate(folder / "server", "line-sim", SERVER_URI, role="server")
    trusted = make_certificate(folder / "agent", "agent", AGENT_URI, role="client")
    untrusted = make_certificate(folder / "rogue", "rogue", AGENT_URI, role="client")
    (folder / "trusted").mkdir()
    shutil.copy(trusted.certificate, folder / "trusted")
    endpoint = SecureEndpoint(server_cert.certificate, server_cert.private_key, folder / "trusted")
    server = LineServer("lines/filling-line", secure=endpoint)
    await server.start("127.0.0.1", free_port())
    try:
        yield SecureLine(server, server_cert, trusted, untrusted)
    finally:
        await server.stop()


def secure_adapter(
    line: SecureLine, sink: RecordingSink, client: CertificateFiles, mode: str, device: str
) -> OpcUaLineAdapter:
    security = {
        "mode": mode,
        "certificate": str(client.certificate),
        "private_key": str(client.private_key),
        "server_certificate": str(line.server_cert.certificate),
        "application_uri": client.application_uri,
    }
    config = line_config(line.server.endpoint, device, security=security)
    return OpcUaLineAdapter(config, sink, backoff=quick_backoff())


@pytest.mark.parametrize("mode", ["SignAndEncrypt", "Sign"])
async def test_a_trusted_client_follows_the_line_over_a_secure_channel(
    secure_line: SecureLine, mode: str
) -> None:
    sink = RecordingSink()
    adapter = secure_adapter(secure_line, sink, secure_line.trusted, mode, f"line-{mode}")
    async with running(adapter):
        await sink.wait_for(lambda s: s.observations)
        await secure_line.server.set_value("recipe", f"SECURE-{mode}")
        await sink.wait_for(lambda s: latest(s, "recipe") == f"SECURE-{mode}")
    assert sink.presence == [("online", f"line-{mode}", None)]


async def test_an_untrusted_client_certificate_is_refused(secure_line: SecureLine) -> None:
    sink = RecordingSink()
    adapter = secure_adapter(secure_line, sink, secure_line.untrusted, "SignAndEncrypt", "rogue")
    async with running(adapter):
        await sink.wait_for(lambda s: s.presence)
    assert len(sink.presence) == 1
    kind, device, reason = sink.presence[0]
    assert (kind, device) == ("offline", "rogue")
    assert reason is not None
    assert "BadCertificateUntrusted" in reason
    assert sink.observations == []
    assert adapter.counters()["rogue"].online is False


async def test_a_client_without_security_finds_no_open_endpoint(secure_line: SecureLine) -> None:
    sink = RecordingSink()
    adapter = OpcUaLineAdapter(
        line_config(secure_line.server.endpoint, "plain"), sink, backoff=quick_backoff()
    )
    async with running(adapter):
        await sink.wait_for(lambda s: s.presence)
    [(kind, _, reason)] = sink.presence
    assert kind == "offline"
    assert reason is not None
    assert "No matching endpoints" in reason
    assert sink.observations == []


async def test_the_simulator_refuses_an_empty_trust_folder(tmp_path: Path) -> None:
    server_cert = make_certificate(tmp_path, "line-sim", SERVER_URI, role="server")
    (tmp_path / "empty").mkdir()
    endpoint = SecureEndpoint(server_cert.certificate, server_cert.private_key, tmp_path / "empty")
    with pytest.raises(ValueError, match="no trusted client certificate"):
        await LineServer(secure=endpoint).start("127.0.0.1", free_port())
