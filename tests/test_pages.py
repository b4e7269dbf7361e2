from tests.conftest import COMMUNITY_A


def test_pages_need_login(world, client):
    for url in ["/", "/map/", f"/grids/{COMMUNITY_A}-001/", f"/areas/{COMMUNITY_A}/", "/audit/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/login/?next=")


def test_grid_page_shows_the_chain_and_children(world, login):
    client = login(world.users.community_staff)
    page = client.get(f"/grids/{COMMUNITY_A}-001/").content.decode()
    assert "第001网格" in page
    assert f"{COMMUNITY_A}-001-01" in page
    assert f'href="/areas/{COMMUNITY_A}/"' in page
    # The street is outside a community worker's scope: named, not linked.
    assert "东升街道" in page
    assert 'href="/areas/510116001/"' not in page
    assert "变更记录" in page


def test_out_of_scope_pages_are_404_like_missing_ones(world, login):
    client = login(world.users.micro_worker)
    assert client.get(f"/grids/{COMMUNITY_A}-001-01/").status_code == 200
    assert client.get(f"/grids/{COMMUNITY_A}-001-02/").status_code == 404
    assert client.get(f"/grids/{COMMUNITY_A}-001-99/").status_code == 404
    assert client.get(f"/areas/{COMMUNITY_A}/").status_code == 404
    assert "变更记录" not in client.get(f"/grids/{COMMUNITY_A}-001-01/").content.decode()


def test_each_role_lands_on_what_it_needs(world, login):
    assert login(world.users.street_staff).get("/").url == "/cockpit/"
    assert login(world.users.micro_worker).get("/").url == f"/grids/{COMMUNITY_A}-001-01/route/"
    assert login(world.users.grid_worker).get("/").url == f"/grids/{COMMUNITY_A}-001/"
    page = login(world.users.partner).get("/").content.decode()
    assert "五洞桥社区居委会" in page
    assert f'href="/areas/{COMMUNITY_A}/"' in page


def test_english_pages(world, login):
    client = login(world.users.community_staff)
    page = client.get("/map/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Grid map" in page


def test_a_grid_out_of_reach_shows_the_sites_own_404_page(world, login):
    client = login(world.users.micro_worker)
    response = client.get(f"/grids/{COMMUNITY_A}-001-02/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到页面" in page
    assert "不在您的管辖范围内" in page
    assert 'class="topbar"' in page  # the site's layout, signed in as before
    assert "micro_worker" in page
    assert 'href="/"' in page  # a way back
    english = client.get(f"/grids/{COMMUNITY_A}-001-02/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Page not found" in english.content.decode()


def test_a_forbidden_action_shows_the_sites_own_403_page(world, login):
    response = login(world.users.micro_worker).get("/registry/import/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "没有权限" in page
    assert 'class="topbar"' in page


def test_the_500_page_needs_no_request(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器出错" in page
    assert 'class="topbar"' in page
    assert 'href="/"' in page


def test_nul_characters_are_refused_before_they_reach_the_database(world, login):
    """PostgreSQL cannot store NUL: the API answers its documented 422, pages a 400."""
    client = login(world.users.community_staff)
    query = client.get("/api/areas", {"code_prefix": "51\x00"})
    assert query.status_code == 422
    assert query.json()["detail"][0]["msg"] == "query contains a NUL character"
    body = client.patch(
        f"/api/grids/{world.grids.micro.pk}",
        data='{"name": "a\\u0000b"}',
        content_type="application/json",
    )
    assert body.status_code == 422
    assert client.get("/api/areas/5101%00").status_code == 422
    assert client.get("/registry/search/", {"name": "张\x00"}).status_code == 400
    assert client.get("/api/areas", {"code_prefix": "51"}).status_code == 200
