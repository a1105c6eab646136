"""The challenge pages: goal, standings by best attempt, the first-blood badge."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import T0


@pytest.fixture
def challenge(client: TestClient) -> str:
    created = client.post(
        "/api/challenges",
        json={
            "name": "Fix the flaky test",
            "description": "CI fails one run in ten.",
            "goal": "Make <i>test_sync</i> pass 100 times in a row",
            "scoring_strategy": "fastest",
        },
    )
    assert created.status_code == 201, created.text
    challenge_id = str(created.json()["id"])
    for player, succeeded, elapsed_ms, minutes in (
        ("ann", True, 5_000, 1),
        ("bob", True, 3_000, 2),
        ("carl", False, 1_000, 3),
    ):
        answer = client.post(
            f"/api/challenges/{challenge_id}/attempts",
            json={
                "end_user_id": player,
                "succeeded": succeeded,
                "elapsed_ms": elapsed_ms,
                "created_at": T0 - 3_600_000 + minutes * 60_000,
            },
        )
        assert answer.status_code in (200, 201), answer.text
    return challenge_id


def players(html: str) -> list[str]:
    return re.findall(r'<tr data-player="([^"]+)"', html)


def test_challenge_page_ranks_best_attempts_and_shows_first_blood(
    client: TestClient, challenge: str
) -> None:
    response = client.get(f"/challenges/{challenge}")
    assert response.status_code == 200
    html = response.text
    assert players(html) == ["bob", "ann"]  # carl never succeeded
    assert "Make &lt;i&gt;test_sync&lt;/i&gt; pass 100 times in a row" in html
    assert re.search(r'id="first-blood">ann ·', html)
    assert html.count('class="badge first-blood"') == 1
    assert "fastest successful attempt wins" in html
    assert f'data-stream="/api/stream/leaderboards?challenge={challenge}"' in html


def test_home_lists_challenges_with_their_top(client: TestClient, challenge: str) -> None:
    html = client.get("/").text
    assert f'<a href="/challenges/{challenge}">Fix the flaky test</a>' in html
    assert players(html) == ["bob", "ann"]
    assert "Top 2 of 2 players" in html


def test_unknown_challenge_is_an_html_404(client: TestClient) -> None:
    response = client.get("/challenges/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
