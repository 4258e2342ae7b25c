"""Adapters: one protocol each, turning device bytes into ``domain.observation.Observation``."""
