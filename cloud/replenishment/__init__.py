"""Replenishment in the cloud: daily demand read from the events, the site's suggestions
served by the API, the global forecasting model and the accuracy evaluation."""
