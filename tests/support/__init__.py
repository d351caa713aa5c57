"""Helpers shared by test packages: throwaway PostgreSQL schemas, a real action server."""
