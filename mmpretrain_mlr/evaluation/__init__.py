"""Metrics mmpretrain lacks (registered into METRICS)."""
