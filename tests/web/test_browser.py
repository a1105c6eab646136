"""The pages in a real browser (Debian's chromium through Playwright) against a live server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from podium.client import PodiumClient
from tests import scored
from tests.web.conftest import LiveServer

# From hour 4 on, wild is exact and sharp far off.
REVERSED = {"sharp": 3.0, "fair": 0.5, "wild": 0.0}


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def wait_until(check: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Poll from Python: the pages' Content-Security-Policy forbids Playwright's eval'd waits."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the page did not change in time"
        time.sleep(0.1)


def live(page: Any) -> bool:
    return bool(page.locator("#main").get_attribute("data-live") == "connected")


def ranked_models(page: Any, table: str = "#leaderboard") -> list[str]:
    return list(
        page.locator(f"{table} tbody tr").evaluate_all("rows => rows.map(r => r.dataset.model)")
    )


def test_home_shows_the_competition_and_its_top(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url + "/")
    assert page.title() == "Competitions · Podium"
    assert ranked_models(page, ".card table") == ["sharp", "fair", "wild"]
    page.get_by_role("link", name="Competition c1").click()
    page.wait_for_url("**/competitions/c1")
    assert page.get_by_role("heading", level=1).inner_text() == "Competition c1"


def test_leaderboard_links_to_a_model_page_with_drawn_charts(
    live_server: LiveServer, page: Any
) -> None:
    page.goto(live_server.url + "/competitions/c1")
    assert ranked_models(page) == ["sharp", "fair", "wild"]
    assert page.locator("#leaderboard caption").inner_text().startswith("Overall leaderboard")
    page.get_by_role("link", name="Anchor").click()  # sort by a column
    page.wait_for_url("**sort=anchor**")
    assert ranked_models(page) == ["sharp", "fair", "wild"]  # highest anchor first
    page.get_by_role("link", name="Model fair").click()
    page.wait_for_url("**/competitions/c1/models/fair")
    assert page.locator("#current-rank").inner_text() == "2 of 3"
    chart = page.locator("#score-chart")
    assert chart.get_attribute("role") == "img"
    # drawn: three lines with a real extent on screen
    widths = chart.locator("path.series").evaluate_all("paths => paths.map(p => p.getBBox().width)")
    assert len(widths) == 3
    assert all(width > 100 for width in widths)
    assert page.locator("#rank-chart path.series").count() == 1
    assert page.locator("#param-scores tbody tr").count() == 2


def test_a_page_updates_itself_after_a_scoring_cycle(live_server: LiveServer, page: Any) -> None:
    page.goto(live_server.url + "/competitions/c1")
    wait_until(lambda: live(page))
    before = page.locator("#leaderboard-time").get_attribute("data-leaderboard-id")
    scored.add_hour(live_server.database, 4, errors=REVERSED)
    scored.add_hour(live_server.database, 5, errors=REVERSED)
    wait_until(
        lambda: (
            page.locator("#main").get_attribute("data-refreshed-for")
            == "LBR_c1_overall_1767589200000"
        )
    )
    assert page.locator("#leaderboard-time").get_attribute("data-leaderboard-id") != before
    # mean squared errors over the five hours: fair 0.25, wild 2.4, sharp 3.6
    assert ranked_models(page) == ["fair", "wild", "sharp"]
    assert page.locator('tr[data-model="sharp"] .change.down').count() == 1
    assert "Leaderboard updated" in page.locator("#live-status").inner_text()


def test_pages_fit_a_phone_screen(live_server: LiveServer, chromium: Any) -> None:
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    try:
        phone = context.new_page()
        for path in ("/", "/competitions/c1", "/competitions/c1/models/sharp"):
            phone.goto(live_server.url + path)
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
    finally:
        context.close()


def _events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    event = ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:") and event == "leaderboard":
            yield json.loads(line.removeprefix("data:"))


def test_the_stream_announces_the_current_then_each_new_leaderboard(
    live_server: LiveServer,
) -> None:
    with httpx.stream("GET", live_server.url + "/api/stream/leaderboards", timeout=20) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response)
        first = next(events)
        assert first["competition_id"] == "c1"
        assert first["leaderboard_id"] == "LBR_c1_overall_1767582000000"
        assert first["created_at"] == "2026-01-05T03:00:00Z"
        scored.add_hour(live_server.database, 4)
        assert next(events)["leaderboard_id"] == "LBR_c1_overall_1767585600000"


def test_the_stream_of_an_unknown_competition_is_a_404(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/api/stream/leaderboards?competition=nope", timeout=10)
    assert response.status_code == 404
    assert response.json()["message"] == "competition 'nope' was not found"


def test_the_client_follows_the_stream(live_server: LiveServer) -> None:
    seen: list[dict[str, Any]] = []

    def follow() -> None:
        with PodiumClient(live_server.url) as client:
            for event in client.stream_leaderboards("c1"):
                seen.append(event)
                if len(seen) == 2:
                    return

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    deadline_polls = 0
    while not seen and deadline_polls < 100:
        follower.join(timeout=0.1)
        deadline_polls += 1
    scored.add_hour(live_server.database, 4)
    follower.join(timeout=20)
    assert [event["leaderboard_id"] for event in seen] == [
        "LBR_c1_overall_1767582000000",
        "LBR_c1_overall_1767585600000",
    ]


def test_a_challenge_page_updates_itself_after_an_attempt(
    live_server: LiveServer, page: Any
) -> None:
    created = httpx.post(
        live_server.url + "/api/challenges",
        json={"name": "Speedrun", "goal": "Finish fast", "scoring_strategy": "fastest"},
        timeout=10,
    )
    challenge_id = created.json()["id"]

    def attempt(player: str, elapsed_ms: int) -> None:
        answer = httpx.post(
            f"{live_server.url}/api/challenges/{challenge_id}/attempts",
            json={"end_user_id": player, "succeeded": True, "elapsed_ms": elapsed_ms},
            timeout=10,
        )
        assert answer.status_code in (200, 201), answer.text

    attempt("ann", 5_000)
    page.goto(f"{live_server.url}/challenges/{challenge_id}")
    wait_until(lambda: live(page))
    assert page.locator("#challenge-leaderboard tbody tr").count() == 1
    assert page.locator("#first-blood").inner_text().startswith("ann")
    attempt("bob", 2_000)
    wait_until(lambda: page.locator("#challenge-leaderboard tbody tr").count() == 2)
    order = page.locator("#challenge-leaderboard tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.player)"
    )
    assert order == ["bob", "ann"]
    assert page.locator("#first-blood").inner_text().startswith("ann")
