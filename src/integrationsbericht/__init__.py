"""Integrationsbericht: municipal integration report from official statistics and a resident survey."""

__version__ = "0.1.0"
