"""Modbus RTU/TCP devices (scales, cold-room controllers) described by profiles in
``firmware_configs/``: ``profile`` says where the values are, ``decode`` reads them, ``poller``
fetches them on a cadence."""
