"""TLS and per-device credentials against a Mosquitto with a CA and server certificate made at
test time and a password file made with the real ``mosquitto_passwd``."""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge_agent.adapters.mqtt.bus import MqttBus
from edge_agent.backoff import Backoff
from simulators.mosquitto import Mosquitto, ServerTls
from tests.adapters.mqtt.conftest import SITE, bus_config, running_bus
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
    )


def make_pki(directory: Path, name: str) -> ServerTls:
    """A CA, and a broker certificate for localhost and 127.0.0.1 signed by it."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        _certificate(f"{name} CA", ca_key, None)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    cert = (
        _certificate("localhost", key, ca.subject)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tls = ServerTls(
        directory / f"{name}-ca.pem", directory / "broker.pem", directory / "broker.key"
    )
    tls.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(tls.key, key)
    return tls


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    directory = tmp_path_factory.mktemp("secure-mosquitto")
    passwords = directory / "passwords"
    subprocess.run(
        ["mosquitto_passwd", "-c", "-b", str(passwords), "agent-1", "s3cret"], check=True
    )
    passwords.chmod(0o600)
    with Mosquitto(directory, tls=make_pki(directory, "site"), password_file=passwords) as broker:
        yield broker


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "agent.password"
    path.write_text("s3cret\n", encoding="utf-8")
    return path


async def test_tls_with_a_password_file_connects_and_receives(
    secure_broker: Mosquitto, password_file: Path
) -> None:
    assert secure_broker.tls is not None
    config = bus_config(
        secure_broker.port,
        "tls-ok",
        username="agent-1",
        password_file=password_file,
        tls={"ca": secure_broker.tls.ca},
    )
    sink = RecordingSink()
    async with running_bus(config, sink) as bus:
        assert bus.counters()["site-bus"].online is True


@pytest.fixture
async def refused_bus(secure_broker: Mosquitto) -> AsyncIterator[tuple[MqttBus, RecordingSink]]:
    assert secure_broker.tls is not None
    config = bus_config(
        secure_broker.port,
        "tls-wrong",
        username="agent-1",
        password="guess",  # noqa: S106 - a test broker's throwaway
        tls={"ca": secure_broker.tls.ca},
    )
    sink = RecordingSink()
    bus = MqttBus(config, sink, site=SITE, backoff=Backoff(0.05, 0.1))
    task = asyncio.create_task(bus.run())
    try:
        yield bus, sink
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_wrong_password_is_refused_with_a_clear_error(
    refused_bus: tuple[MqttBus, RecordingSink], caplog: pytest.LogCaptureFixture
) -> None:
    bus, sink = refused_bus

    def errors() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]

    async with asyncio.timeout(5):
        while len(errors()) < 2:  # it keeps retrying, with backoff
            await asyncio.sleep(0.05)
    (kind, device, reason) = sink.presence[0]
    assert (kind, device) == ("offline", "site-bus")
    assert reason == f"broker 127.0.0.1:{bus.config.port} refused the connection: Not authorized"
    assert bus.counters()["site-bus"].online is False
    assert len(sink.presence) == 1  # retried, but reported once
    assert all("refused the connection: Not authorized" in e for e in errors())


async def test_a_broker_signed_by_another_ca_is_not_trusted(
    secure_broker: Mosquitto, tmp_path: Path
) -> None:
    other = make_pki(tmp_path, "other")
    config = bus_config(
        secure_broker.port,
        "tls-untrusted",
        username="agent-1",
        password="s3cret",  # noqa: S106 - a test broker's throwaway
        tls={"ca": other.ca},
    )
    sink = RecordingSink()
    bus = MqttBus(config, sink, site=SITE, backoff=Backoff(0.05, 0.1))
    task = asyncio.create_task(bus.run())
    try:
        await sink.wait_for(lambda s: s.presence)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    reason = sink.presence[0][2]
    assert reason is not None
    assert reason.startswith(f"cannot reach broker 127.0.0.1:{secure_broker.port}: TLS certificate")
