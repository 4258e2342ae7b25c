"""OPC UA production lines (PackML state, counters, batch, recipe, speed, alarm events)
described by profiles in ``firmware_configs/lines/``: ``profile`` says which nodes hold what,
``decode`` reads values and events, ``session`` talks to the server, ``adapter`` follows the
line and keeps its subscription alive."""
