"""Offline communications-data analysis appliance."""

__version__ = "0.1.0"
