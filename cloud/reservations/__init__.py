"""Reservations made in the cloud (``cloud.reservations.desk``: ``reserve``, ``release``), for
the order desks to call."""
