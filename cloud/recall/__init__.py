"""Recall: a lot traced forward to every affected lot at every site, held at each edge."""
