"""Exports that leave the appliance: CSV, KML, GeoJSON and the defence disclosure bundle."""
