"""Rasa SDK actions: thin adapters from a conversation to sales/ and knowledge/."""
