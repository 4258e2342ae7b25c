"""The agent's own screens, served on the site's network while the cloud is away: the kitchen
display per station (``/kds/<station>``), the PDA app (``/pda``) and the day's food-safety
board (``/board``). Server-rendered (Jinja2), htmx for the live parts, every asset vendored
under ``static/vendor/``. Built by ``app.build_app`` from what it needs; ``serve`` runs it
inside the agent's own event loop."""
