"""The web chat channel: an embeddable widget and its webhook; see :mod:`.channel`."""

from connectors.webchat.channel import routes

__all__ = ["routes"]
