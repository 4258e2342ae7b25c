"""The down-channel at the edge: pull the site's signed documents, verify, apply each once."""
