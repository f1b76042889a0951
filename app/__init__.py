"""Telecom infrastructure GIS — web service."""
