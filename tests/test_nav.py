"""The sidebar shows a module only to the people its landing page lets in."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from vanphong.core.nav import MODULES, modules_for
from vanphong.core.policy import can

ARCHIVE_LINK = f'href="{reverse("archive:list")}"'


def test_an_administrator_without_archive_rights_does_not_see_the_archive_link(demo):
    admin = demo.user("admin")
    assert not can(admin, "archive.view")
    page = demo.client("admin").get(reverse("core:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert ARCHIVE_LINK not in html
    assert "Lưu trữ" not in html.split('id="vp-sidebar"', 1)[1].split("</aside>", 1)[0]
    assert demo.client("admin").get(reverse("archive:list")).status_code == 403


def test_the_archivist_sees_the_archive_link_and_it_opens(demo):
    html = demo.client("luutru").get(reverse("core:dashboard")).content.decode()
    assert ARCHIVE_LINK in html
    assert demo.client("luutru").get(reverse("archive:list")).status_code == 200


def test_every_link_in_the_navigation_follows_the_modules_policy_rule(demo):
    for username in ("admin", "luutru", "vanthu", "chuyenvien", "truongphong", "lanhdao"):
        user = demo.user(username)
        shown = modules_for(user)
        for module in MODULES:
            allowed = module.permission is None or can(user, module.permission)
            assert (module in shown) == allowed, (username, module.key)
        assert any(m.key == "incoming" for m in shown)


def test_the_top_bar_has_a_search_box_that_opens_the_search_page(demo):
    html = demo.client("chuyenvien").get(reverse("core:dashboard")).content.decode()
    topbar = html.split('id="vp-sidebar"', 1)[0]
    assert 'data-testid="topbar-search"' in topbar
    assert f'action="{reverse("search:page")}"' in topbar and 'name="q"' in topbar


def _sidebar(html: str) -> str:
    return html.split('id="vp-sidebar"', 1)[1].split("</aside>", 1)[0]


def test_the_sidebar_is_the_template_rendered_for_this_persons_modules_and_counts(demo):
    """The sidebar's HTML is kept per (modules, counts): each person still gets exactly what the
    template gives for their own modules and counts, and a new count shows on the next page."""
    from django.template.loader import render_to_string

    from vanphong.core.nav import counts_for

    for username in ("admin", "luutru", "vanthu", "chuyenvien", "lanhdao", "vanthu"):
        user = demo.user(username)
        html = demo.client(username).get(reverse("core:dashboard")).content.decode()
        expected = render_to_string(
            "_sidebar.html", {"nav_modules": modules_for(user), "nav_counts": counts_for(user)}
        )
        assert expected.strip() in _sidebar(html), username
    before = _sidebar(demo.client("vanthu").get(reverse("core:dashboard")).content.decode())
    demo.register_incoming()
    after = _sidebar(demo.client("vanthu").get(reverse("core:dashboard")).content.decode())
    assert before != after and 'title="Chờ xử lý">' in after


def test_cached_shell_parts_follow_the_prefix_the_site_is_served_under(demo):
    """Behind a proxy at /vp-proxy/ the kept sidebar and filter panel link there, and a site at
    / keeps its own links (each is kept per script prefix)."""
    client = demo.client("chuyenvien")
    worklist = reverse("documents:worklist")
    plain = client.get(worklist).content.decode()
    set_script_prefix("/vp-proxy/")  # what the WSGI handler does from SCRIPT_NAME
    try:
        prefixed = client.get(worklist).content.decode()
    finally:
        set_script_prefix("/")
    again = client.get(worklist).content.decode()
    assert f'href="/vp-proxy{worklist}?tab=de_biet"' in _sidebar(prefixed)
    assert 'hx-get="/vp-proxy/' in prefixed.split('role="search"', 2)[2]  # the filter panel
    for page in (plain, again):
        assert "/vp-proxy/" not in page
