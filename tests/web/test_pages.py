"""The pages through the app: ranked rows, charts, tabs, sorting, escaping, 404s."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from podium.store.database import Database
from tests import scored
from tests.conftest import FakeClock


@pytest.fixture
def seeded(database: Database, clock: FakeClock) -> int:
    now_ms = scored.seed(database)
    clock.now_ms = now_ms
    return now_ms


def model_order(html: str) -> list[str]:
    return re.findall(r'<tr data-model="([^"]+)"', html)


def test_home_lists_competitions_with_their_top_5(client: TestClient, seeded: int) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<a href="/competitions/c1">Competition c1</a>' in html
    assert model_order(html) == ["sharp", "fair", "wild"]
    # the description is text, not markup
    assert "Forecast &lt;b&gt;prices&lt;/b&gt;" in html
    assert "LBR_c1_overall_" in html  # what the live script compares new leaderboards with


def test_home_without_competitions_says_how_to_start(client: TestClient) -> None:
    assert "podium demo" in client.get("/").text


def test_leaderboard_page_ranks_models_with_links_and_times(
    client: TestClient, seeded: int
) -> None:
    html = client.get("/competitions/c1").text
    assert model_order(html) == ["sharp", "fair", "wild"]
    assert '<a href="/competitions/c1/models/sharp">Model sharp</a>' in html
    assert "<caption>Overall leaderboard, 3 models</caption>" in html
    assert 'id="last-cycle" datetime="2026-01-05T03:00:00Z"' in html
    # every model was there on the first leaderboard and kept its rank
    assert html.count('class="change same"') == 3
    assert 'aria-current="page">Overall</a>' in html


def test_a_model_that_climbs_shows_an_up_arrow(client: TestClient, database: Database) -> None:
    scored.seed(database, hours=1)
    # wild becomes the best and sharp the worst from hour 2 on
    scored.add_hour(database, 2, errors={"sharp": 3.0, "fair": 0.5, "wild": 0.0})
    scored.add_hour(database, 3, errors={"sharp": 3.0, "fair": 0.5, "wild": 0.0})
    html = client.get("/competitions/c1?sort=rank").text
    rows = dict(re.findall(r'<tr data-model="([^"]+)".*?class="change (\w+)"', html, re.S))
    assert rows["sharp"] == "down"
    assert rows["wild"] == "up"


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("sort=model&order=asc", ["fair", "sharp", "wild"]),
        ("sort=model&order=desc", ["wild", "sharp", "fair"]),
        ("sort=anchor&order=asc", ["wild", "fair", "sharp"]),
        ("sort=rank&order=desc", ["wild", "fair", "sharp"]),
    ],
)
def test_columns_sort(client: TestClient, seeded: int, query: str, order: list[str]) -> None:
    html = client.get(f"/competitions/c1?{query}").text
    assert model_order(html) == order
    assert 'aria-sort="' in html


def test_a_bad_sort_or_category_is_an_html_422(client: TestClient, seeded: int) -> None:
    bad_sort = client.get("/competitions/c1?sort=secret")
    assert bad_sort.status_code == 422
    assert "sort: must be one of" in bad_sort.text
    bad_category = client.get("/competitions/c1?category=XRP")
    assert bad_category.status_code == 422
    assert "category" in bad_category.text


def test_unknown_competition_and_model_are_html_404s(client: TestClient, seeded: int) -> None:
    for path in ("/competitions/nope", "/competitions/c1/models/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "was not found" in response.text


def test_model_page_draws_history_and_lists_scores(client: TestClient, seeded: int) -> None:
    html = client.get("/competitions/c1/models/sharp").text
    assert 'id="current-rank">1 of 3<' in html
    score_chart = re.search(r'<svg class="chart" id="score-chart".*?</svg>', html, re.S)
    assert score_chart is not None
    assert score_chart.group(0).count('<path class="series') == 3
    assert 'data-points="9"' in score_chart.group(0)  # 3 windows × 3 cycles
    assert '<svg class="chart" id="rank-chart"' in html
    assert '<th scope="row">BTC-1h</th><td>BTC</td>' in html
    assert re.search(r"<dt>Predictions scored</dt><dd>6</dd>", html)
    assert html.count("<td>BTC-1h</td>") == 3  # latest predictions


def test_a_competition_before_its_first_cycle(client: TestClient, database: Database) -> None:
    from tests import builders
    from tests.conftest import T0

    builders.competition(database, T0)
    html = client.get("/competitions/c1").text
    assert 'id="no-leaderboard"' in html


def test_static_files_are_served_and_nothing_else(client: TestClient) -> None:
    css = client.get("/static/podium.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/static/live.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/..%2Fcharts.py").status_code == 404
    assert client.get("/static/charts.py").status_code == 404


def test_home_lists_only_the_competitions_of_the_principals_tenant(
    client: TestClient, database: Database, seeded: int
) -> None:
    from sqlalchemy import update

    from podium.store.tables import CompetitionRow
    from tests import builders
    from tests.conftest import T0

    builders.competition(database, T0, competition_id="theirs")
    with database.write() as session:
        session.execute(
            update(CompetitionRow).where(CompetitionRow.id == "theirs").values(tenant_id="other")
        )
    html = client.get("/").text
    assert "/competitions/c1" in html
    assert "theirs" not in html


def test_model_page_shows_metrics_and_best_asset(
    client: TestClient, database: Database, clock: FakeClock
) -> None:
    clock.now_ms = scored.seed(database, metrics=[{"plugin": "prediction_count"}])
    html = client.get("/competitions/c1/models/sharp").text
    metrics = re.search(r'<table id="metrics">.*?</table>', html, re.S)
    assert metrics is not None
    assert '<th scope="row">prediction_count</th>' in metrics.group(0)
    assert re.search(r"<dt>Best asset</dt><dd>(BTC|ETH)</dd>", html)


def test_category_tabs_show_each_asset(client: TestClient, seeded: int) -> None:
    html = client.get("/competitions/c1").text
    tabs = re.findall(r'<li><a href="\?category=(\w+)"', html)
    assert tabs == ["overall", "BTC", "ETH"]
    btc = client.get("/competitions/c1?category=BTC").text
    assert "<caption>BTC leaderboard, 3 models</caption>" in btc
    assert model_order(btc) == ["sharp", "fair", "wild"]
