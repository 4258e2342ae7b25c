"""Modbus RTU/TCP devices (scales, cold-room controllers) described by profiles in
``firmware_configs/``: ``profile`` says where the values are, ``decode`` reads them, ``line``
owns a shared client and its bus lock, ``poller`` polls one device behind a circuit breaker,
``adapter`` runs one ``ModbusBus`` per line (``build_adapters``). This file imports nothing:
pymodbus is loaded only when a Modbus device is configured."""
