"""The site's MQTT bus, one connection per agent: ESPHome/Tasmota sensor nodes in, and the
site's own messages routed by topic to whichever pipeline registered for them (see
``edge_agent.site_bus``). ``profile`` and ``nodes`` read sensor nodes, ``wire`` parses and
encodes JSON messages, ``link`` owns paho, ``bus`` ties them up, ``adapter`` builds it. This
file imports nothing: paho is loaded only when the site bus is configured.
"""
