"""The REST channel (Rasa-compatible webhook); see :mod:`connectors.rest.webhook`."""

from connectors.rest.webhook import routes

__all__ = ["routes"]
