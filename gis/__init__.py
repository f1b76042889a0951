"""Pure geospatial computation for the Hậu Giang telecom GIS (no web, no database)."""
