"""The collection pages, and the fair play of the challenge and collection pages: hidden and
banned players are absent, a freeze pins the standings, as for the API's public reads."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from podium.domain.access import Role
from tests.api.challenge_helpers import Acting, acting, challenge, ok_attempt
from tests.conftest import T0, FakeClock

__all__ = ["acting"]


def players(html: str) -> list[str]:
    return re.findall(r'<tr data-player="([^"]+)"', html)


def cells(html: str) -> list[tuple[str, str, str, str]]:
    """(rank, player, aggregate, completed) of the collection leaderboard's rows."""
    table = html[html.index('id="collection-leaderboard"') :]
    return re.findall(
        r'<td class="rank">(\d+)</td>\s*<th scope="row">([^<]+)</th>\s*'
        r'<td class="num">([^<]*)</td>\s*<td class="num">([^<]+)</td>',
        table,
    )


def create(client: TestClient, **fields: Any) -> None:
    response = client.post("/api/collections", json={"name": "Series", **fields})
    assert response.status_code == 201, response.text


def api_rows(client: TestClient, collection_id: str) -> list[tuple[str, str, str, str]]:
    board = client.get(f"/api/collections/{collection_id}/leaderboard").json()
    return [
        (str(s["rank"]), s["end_user_id"], f"{s['aggregate']:g}", str(s["challenges_completed"]))
        for s in board["standings"]
    ]


def test_collection_page_shows_instructions_challenges_and_leaderboard(
    client: TestClient,
) -> None:
    a = challenge(client, "fastest", name="Warm <up>")
    b = challenge(client, "fastest", name="Sprint")
    create(
        client,
        id="spring",
        name="Spring series",
        instructions="Solve both, <b>fast</b>.",
        strategy="fastest_total",
        challenge_ids=[b, a],
    )
    ok_attempt(client, a, "ann", elapsed_ms=100)
    ok_attempt(client, b, "ann", elapsed_ms=200)
    ok_attempt(client, a, "bob", elapsed_ms=10)
    response = client.get("/collections/spring")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Spring series</h1>" in html
    assert "Solve both, &lt;b&gt;fast&lt;/b&gt;." in html
    assert "<caption>Spring series leaderboard:" in html
    links = re.findall(r'<li><a href="/challenges/([^"]+)">([^<]+)</a>', html)
    assert links == [(b, "Sprint"), (a, "Warm &lt;up&gt;")]
    # ann completed both challenges: ranked before bob, who was faster on one
    assert cells(html) == [("1", "ann", "300", "2 / 2"), ("2", "bob", "10", "1 / 2")]
    assert [(r, p, agg, f"{done} / 2") for r, p, agg, done in api_rows(client, "spring")] == cells(
        html
    )
    assert 'data-stream="/api/stream/leaderboards?collection=spring"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    challenge_html = client.get(f"/challenges/{a}").text
    assert '<a href="/collections/spring">Spring series</a>' in challenge_html


def test_unknown_collection_is_an_html_404(client: TestClient) -> None:
    response = client.get("/collections/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "nope" in response.text


def test_home_lists_collections_with_their_top(client: TestClient) -> None:
    a = challenge(client, "first")
    create(client, id="s", name="Series one", challenge_ids=[a])
    for player in ("p1", "p2", "p3", "p4", "p5", "p6"):
        ok_attempt(client, a, player)
    html = client.get("/").text
    assert '<a href="/collections/s">Series one</a>' in html
    section = html[html.index('id="collections-heading"') :]
    assert players(section) == ["p1", "p2", "p3", "p4", "p5"]
    assert "Top 5 of 6 players" in section


def test_hidden_player_is_absent_from_collection_and_challenge_pages(
    client: TestClient, acting: Acting
) -> None:
    a = challenge(client, "fastest")
    create(client, id="s", strategy="fastest_total", challenge_ids=[a])
    client.patch("/api/players/ghost", json={"hidden": True})
    ok_attempt(client, a, "ghost", elapsed_ms=1)  # the first solver, hidden
    ok_attempt(client, a, "ann", elapsed_ms=100)
    ok_attempt(client, a, "bob", elapsed_ms=50)
    acting(role=Role.READ)
    assert players(client.get("/collections/s").text) == ["bob", "ann"]
    html = client.get(f"/challenges/{a}").text
    assert players(html) == ["bob", "ann"]
    assert "ghost" not in html
    assert re.search(r'id="first-blood">ann ·', html)
    assert html.count('class="badge first-blood"') == 1
    acting()  # an admin reading the page sees the public page too
    assert "ghost" not in client.get(f"/challenges/{a}").text


def test_first_blood_badge_goes_when_its_player_is_hidden(client: TestClient) -> None:
    a = challenge(client, "fastest")
    ok_attempt(client, a, "ann", elapsed_ms=100)
    ok_attempt(client, a, "bob", elapsed_ms=50)
    assert re.search(r'id="first-blood">ann ·', client.get(f"/challenges/{a}").text)
    client.patch("/api/players/ann", json={"banned": True})
    html = client.get(f"/challenges/{a}").text
    assert players(html) == ["bob"]
    assert 'id="first-blood"' not in html


def test_frozen_standings_are_pinned_on_the_pages(client: TestClient, clock: FakeClock) -> None:
    a = challenge(client, "fastest")
    create(client, id="s", strategy="fastest_total", challenge_ids=[a], freeze_at=T0 + 1_000)
    rules = client.put(f"/api/challenges/{a}/rules", json={"freeze_at": T0 + 1_000})
    assert rules.status_code == 200, rules.text
    ok_attempt(client, a, "ann", elapsed_ms=100)
    clock.advance(5)
    ok_attempt(client, a, "bob", elapsed_ms=10)  # after the freeze
    html = client.get("/collections/s").text
    assert players(html) == ["ann"]
    assert 'id="frozen"' in html
    assert 'datetime="2026-01-05T00:00:01.000Z"' in html or "2026-01-05T00:00:01" in html
    challenge_html = client.get(f"/challenges/{a}").text
    assert players(challenge_html) == ["ann"]
    assert re.search(r'id="first-blood">ann ·', challenge_html)
    client.patch("/api/collections/s", json={"freeze_at": None})
    client.put(f"/api/challenges/{a}/rules", json={"freeze_at": None})
    assert players(client.get("/collections/s").text) == ["bob", "ann"]
    assert players(client.get(f"/challenges/{a}").text) == ["bob", "ann"]
