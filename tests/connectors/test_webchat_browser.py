"""The widget in a real browser (Debian's chromium) against the real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bot.agent import Agent
from bot.server import create_app
from tests.connectors.support import GOODBYE, GREETING, live_server, user_events, with_channels

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture
def page(agent: Agent) -> Iterator[tuple[Page, str]]:
    app = create_app(with_channels(agent, {"webchat": {}}))
    with live_server(app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            context = browser.new_context(timezone_id="Asia/Tokyo")
            page = context.new_page()
            page.set_default_timeout(10_000)
            yield page, url
        finally:
            browser.close()


def test_a_visitor_chats_in_the_widget(agent: Agent, page: tuple[Page, str]) -> None:
    browser_page, url = page
    browser_page.goto(url)
    bot = browser_page.locator(".sb-bot .sb-bubble")
    expect(bot.first).to_have_text(GREETING)  # the demo page greets the visitor on opening

    browser_page.get_by_role("button", name="Say goodbye").click()
    # The chip shows its title as the visitor's message and sends its payload.
    expect(browser_page.locator(".sb-user .sb-bubble").last).to_have_text("Say goodbye")
    expect(bot.last).to_have_text(GOODBYE)
    expect(browser_page.get_by_role("button", name="Say goodbye")).to_be_disabled()

    browser_page.get_by_label("Message").fill("hello")
    browser_page.get_by_label("Message").press("Enter")
    expect(bot).to_have_count(3)

    sender = browser_page.evaluate(f"JSON.parse(localStorage['salesbot:{url}:visitor'])")
    events = user_events(agent, sender, "webchat")
    assert [e["text"] for e in events] == ["/greet", "/goodbye", "hello"]
    assert {e["metadata"]["timezone"] for e in events} == {"Asia/Tokyo"}


def test_the_conversation_survives_a_reload(page: tuple[Page, str]) -> None:
    browser_page, url = page
    browser_page.goto(url)
    expect(browser_page.locator(".sb-bot .sb-bubble").first).to_have_text(GREETING)
    browser_page.reload()
    bot = browser_page.locator(".sb-bot .sb-bubble")
    expect(bot.first).to_have_text(GREETING)  # from the visitor's stored history
    browser_page.get_by_label("Message").fill("bye")
    browser_page.get_by_label("Message").press("Enter")
    expect(bot.last).to_have_text(GOODBYE)
    # A second greeting would have been sent (and answered) before "bye".
    assert bot.all_inner_texts() == [GREETING, GOODBYE]
