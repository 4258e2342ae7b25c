"""Modbus RTU/TCP devices (scales, cold-room controllers) described by profiles in
``firmware_configs/``: ``profile`` says where the values are, ``decode`` reads them, ``line``
owns a shared client and its bus lock, ``poller`` polls one device behind a circuit breaker,
``adapter`` runs one ``ModbusBus`` per line."""

from edge_agent.adapters.modbus.adapter import ModbusBus, build_adapters
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.adapters.modbus.poller import ModbusPoller

__all__ = ["ModbusBus", "ModbusDeviceConfig", "ModbusPoller", "build_adapters"]
