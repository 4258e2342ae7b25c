"""An OPC UA production line: a seeded process (``line_process``), the asyncua server that
shows it (``server``) and certificates for its secure endpoint (``certs``)."""
