"""Response templates -> channel-neutral messages.

A response has variations; a variation may be limited to a channel or to slot values
(``condition``), as in Rasa. Text takes ``{slot}`` placeholders, or Jinja (``{{ context.x }}``)
for the pattern responses that need a pattern's context.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

import jinja2

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
_JINJA = jinja2.Environment(autoescape=False, undefined=jinja2.ChainableUndefined)


@dataclass
class BotMessage:
    """One message from the bot, before a connector renders it for its platform."""

    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    image: str | None = None
    custom: dict[str, Any] | None = None
    attachment: Any = None
    response: str | None = None  # the utter_ name it came from, when it came from a template

    def event_data(self) -> dict[str, Any]:
        """The ``text``/``data``/``metadata`` of a Rasa ``bot`` event."""
        data = {
            "buttons": self.buttons or None,
            "image": self.image,
            "custom": self.custom,
            "attachment": self.attachment,
        }
        return {"text": self.text, "data": data, "metadata": {"utter_action": self.response}}

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> BotMessage:
        data = event.get("data") or {}
        return cls(
            text=event.get("text"),
            buttons=list(data.get("buttons") or []),
            image=data.get("image"),
            custom=data.get("custom"),
            attachment=data.get("attachment"),
            response=(event.get("metadata") or {}).get("utter_action"),
        )

    def to_rest(self, recipient_id: str) -> dict[str, Any]:
        """The shape of Rasa's REST channel reply."""
        message: dict[str, Any] = {"recipient_id": recipient_id}
        if self.text is not None:
            message["text"] = self.text
        if self.buttons:
            message["buttons"] = self.buttons
        if self.image:
            message["image"] = self.image
        if self.custom is not None:
            message["custom"] = self.custom
        if self.attachment is not None:
            message["attachment"] = self.attachment
        return message


def fill_template(text: str, values: dict[str, Any], context: dict[str, Any]) -> str:
    if "{{" in text or "{%" in text:
        return _JINJA.from_string(text).render(slots=values, context=context, **values)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return "" if values[name] is None else str(values[name])
        return match.group(0)

    return _PLACEHOLDER.sub(replace, text)


def _variation_fits(variation: dict[str, Any], slots: dict[str, Any], channel: str | None) -> bool:
    wanted_channel = variation.get("channel")
    if wanted_channel and wanted_channel != channel:
        return False
    for condition in variation.get("condition") or []:
        is_slot_condition = condition.get("type", "slot") == "slot"
        if is_slot_condition and slots.get(str(condition.get("name"))) != condition.get("value"):
            return False
    return True


class ResponseRenderer:
    def __init__(
        self, responses: dict[str, list[dict[str, Any]]], rng: random.Random | None = None
    ) -> None:
        self.responses = responses
        self.rng = rng or random.Random()

    def __contains__(self, name: str) -> bool:
        return name in self.responses

    def choose(self, name: str, slots: dict[str, Any], channel: str | None) -> dict[str, Any]:
        variations = self.responses[name]
        fitting = [v for v in variations if _variation_fits(v, slots, channel)]
        # Variations written for this situation win over the general ones, as in Rasa.
        specific = [v for v in fitting if v.get("condition") or v.get("channel")]
        candidates = specific or fitting or variations
        return candidates[self.rng.randrange(len(candidates))]

    def render(
        self,
        name: str,
        slots: dict[str, Any],
        context: dict[str, Any] | None = None,
        channel: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> BotMessage:
        variation = self.choose(name, slots, channel)
        values = {**slots, **(extra or {})}
        context = context or {}
        text = variation.get("text")
        buttons = [
            {
                "title": fill_template(str(button.get("title", "")), values, context),
                "payload": fill_template(str(button.get("payload", "")), values, context),
            }
            for button in variation.get("buttons") or []
        ]
        return BotMessage(
            text=fill_template(str(text), values, context) if text is not None else None,
            buttons=buttons,
            image=variation.get("image"),
            custom=variation.get("custom"),
            attachment=variation.get("attachment"),
            response=name,
        )

    def from_action(
        self, message: dict[str, Any], slots: dict[str, Any], channel: str | None
    ) -> BotMessage:
        """A message a custom action sent through its dispatcher."""
        template = message.get("response") or message.get("template")
        if template and template in self.responses:
            extra = {
                k: v
                for k, v in message.items()
                if k not in ("response", "template", "text", "buttons")
            }
            return self.render(str(template), slots, channel=channel, extra=extra)
        custom = message.get("custom") or message.get("json_message") or None
        return BotMessage(
            text=message.get("text"),
            buttons=list(message.get("buttons") or []),
            image=message.get("image"),
            custom=custom,
            attachment=message.get("attachment"),
            response=str(template) if template else None,
        )
