"""The search page (/tim-kiem/), saved searches and GET /api/v1/search: same search, same rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from vanphong.core.models import Secrecy
from vanphong.core.services import api_token_create
from vanphong.search import indexing
from vanphong.search.models import SavedSearch


@pytest.fixture
def indexed(demo: Any, settings: Any) -> dict[str, Any]:
    settings.NETWORK_ZONE = "isolated"
    plain = demo.register_incoming(summary="Kế hoạch tổ chức Đại hội Đảng bộ các cấp")
    secret = demo.register_incoming(summary="Kế hoạch bảo vệ Đại hội (mật)", secrecy=Secrecy.MAT)
    indexing.drain()
    return {"plain": plain, "secret": secret}


def test_the_page_shows_highlighted_results_for_an_unaccented_query(
    demo: Any, indexed: Any
) -> None:
    response = demo.client("vanthu").get("/tim-kiem/", {"q": "dai hoi"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tìm thấy <strong>2</strong> kết quả" in body
    assert "<mark>Đại</mark> <mark>hội</mark>" in body


def test_typing_returns_only_the_results_fragment_with_the_last_word_as_a_prefix(
    demo: Any, indexed: Any
) -> None:
    response = demo.client("vanthu").get(
        "/tim-kiem/", {"q": "dai ho", "dang_go": "1"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "Tìm thấy <strong>2</strong>" in body


def test_a_leader_does_not_see_the_secret_document_nor_its_count(demo: Any, indexed: Any) -> None:
    body = demo.client("lanhdao").get("/tim-kiem/", {"q": "dai hoi"}).content.decode()
    assert "Tìm thấy <strong>1</strong> kết quả" in body
    assert "(mật)" not in body


def test_bad_input_gives_a_message_not_an_error(demo: Any, indexed: Any) -> None:
    client = demo.client("vanthu")
    for q in ['"', "NEAR(", "-", "*" * 300, "x" * 20_000]:
        assert client.get("/tim-kiem/", {"q": q}).status_code == 200
    response = client.get("/tim-kiem/", {"q": "dai", "nam": "abc", "tu_ngay": "31/02/2026"})
    assert response.status_code == 200
    response = client.get("/tim-kiem/", {"q": "", "trang": "99999999999"})
    assert response.status_code == 200


def test_a_user_saves_a_search_and_only_they_see_it(demo: Any, indexed: Any) -> None:
    client = demo.client("vanthu")
    response = client.post(
        "/tim-kiem/luu/", {"name": "Đại hội năm nay", "q": "dai hoi", "sap_xep": "date"}
    )
    assert response.status_code == 302 and "q=dai+hoi" in response["Location"]
    saved = SavedSearch.objects.get(user__username="vanthu")
    assert saved.params == {"sap_xep": "date"}
    assert "Đại hội năm nay" in client.get("/tim-kiem/").content.decode()
    assert "Đại hội năm nay" not in demo.client("lanhdao").get("/tim-kiem/").content.decode()
    other = demo.client("lanhdao").post(f"/tim-kiem/da-luu/{saved.pk}/xoa/")
    assert other.status_code == 302 and SavedSearch.objects.filter(pk=saved.pk).exists()
    client.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/")
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()


def api_get(user: Any, **params: Any) -> Any:
    _, raw = api_token_create(actor=user, user=user)
    return Client().get("/api/v1/search", params, headers={"Authorization": f"Bearer {raw}"})


def test_the_api_searches_with_the_same_rules(demo: Any, indexed: Any) -> None:
    clerk = api_get(demo.user("vanthu"), q="đại hội", sort="date")
    assert clerk.status_code == 200
    data = clerk.json()
    assert data["total"] == 2
    assert {r["id"] for r in data["results"]} == {indexed["plain"].pk, indexed["secret"].pk}
    leader = api_get(demo.user("lanhdao"), q="dai hoi").json()
    assert leader["total"] == 1 and leader["results"][0]["id"] == indexed["plain"].pk
    assert api_get(demo.user("vanthu"), q='"NEAR -').status_code == 200
    assert api_get(demo.user("vanthu"), q="x", per_page=1000).status_code == 422


def test_the_api_needs_a_token() -> None:
    assert Client().get("/api/v1/search", {"q": "dang"}).status_code == 401
