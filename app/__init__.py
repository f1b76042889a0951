"""Hậu Giang telecom infrastructure GIS — web service."""
