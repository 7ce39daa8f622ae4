"""dlwizard: build a machine-learning model the honest way, one guided step at a time."""

__version__ = "0.1.0"
