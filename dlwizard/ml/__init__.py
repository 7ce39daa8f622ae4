"""Reusable statistics and machine learning, free of Qt."""
