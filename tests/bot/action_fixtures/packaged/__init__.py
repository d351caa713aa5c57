"""An actions package: its actions live in submodules, as in a Rasa project's actions/."""
