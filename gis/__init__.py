"""Pure geospatial computation for the telecom infrastructure GIS (no web, no database)."""
