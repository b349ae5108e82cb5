"""The one permission policy denies by default and refuses ambiguous registrations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from vanphong.core import policy
from vanphong.core.models import ApiToken, Role, User
from vanphong.core.services import api_token_create, user_set_roles
from vanphong.documents.models import IncomingDocument


@pytest.fixture
def scratch_names() -> Iterator[list[str]]:
    """Rule and scope names a test registers; removed again so the registry stays as shipped."""
    names: list[str] = []
    yield names
    for name in names:
        policy._rules.pop(name, None)
        policy._scopes.pop(name, None)


def test_an_unknown_action_is_denied_even_to_an_administrator(demo):
    admin = demo.user("admin")
    assert policy.is_admin(admin)
    assert policy.can(admin, "documents.does_not_exist") is False
    assert policy.can(admin, "") is False


def test_require_raises_permission_denied_with_a_vietnamese_message(demo):
    with pytest.raises(PermissionDenied) as caught:
        policy.require(demo.user("chuyenvien"), "core.view_audit_log")
    assert str(caught.value) == "Đồng chí không có quyền thực hiện thao tác này."
    with pytest.raises(PermissionDenied) as custom:
        policy.require(demo.user("chuyenvien"), "core.view_audit_log", message="Không được xem.")
    assert str(custom.value) == "Không được xem."


def test_an_anonymous_visitor_is_denied_every_registered_action(demo):
    anonymous = AnonymousUser()
    actions = policy.registered_actions()
    assert "core.view_dashboard" in actions and "documents.view" in actions
    for action in actions:
        assert policy.can(anonymous, action) is False, action


def test_an_inactive_user_is_denied_even_what_everyone_may_do(demo):
    admin = demo.user("admin")
    assert policy.can(admin, "core.view_dashboard") is True
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    admin = demo.user("admin")
    assert policy.can(admin, "core.view_dashboard") is False
    assert policy.can(admin, "core.manage_reference_data") is False


def test_an_inactive_user_sees_an_empty_queryset(demo):
    demo.register_incoming()
    clerk = demo.user("vanthu")
    everything = IncomingDocument.objects.all()
    assert policy.filter_visible(clerk, "documents.incoming", everything).count() == 1
    clerk.is_active = False
    assert policy.filter_visible(clerk, "documents.incoming", everything).count() == 0


def test_an_anonymous_visitor_sees_an_empty_queryset(demo):
    demo.register_incoming()
    qs = policy.filter_visible(AnonymousUser(), "documents.incoming", IncomingDocument.objects)
    assert qs.count() == 0


def test_an_unknown_scope_gives_an_empty_queryset(demo):
    demo.register_incoming()
    admin = demo.user("admin")
    qs = policy.filter_visible(admin, "documents.no_such_scope", IncomingDocument.objects.all())
    assert qs.count() == 0
    assert IncomingDocument.objects.count() == 1


def test_registering_a_rule_twice_raises(scratch_names):
    scratch_names.append("tests.twice")

    @policy.rule("tests.twice")
    def first(user: User, obj: Any) -> bool:
        return True

    with pytest.raises(RuntimeError, match="registered twice"):

        @policy.rule("tests.twice")
        def second(user: User, obj: Any) -> bool:
            return False

    assert policy._rules["tests.twice"] is first


def test_a_shipped_rule_cannot_be_replaced_by_a_second_registration():
    original = policy._rules["documents.view"]
    with pytest.raises(RuntimeError, match="registered twice"):

        @policy.rule("documents.view")
        def everyone(user: User, obj: Any) -> bool:
            return True

    assert policy._rules["documents.view"] is original


def test_registering_a_scope_twice_raises(scratch_names):
    scratch_names.append("tests.scope")

    @policy.scope("tests.scope")
    def first(user: User, qs: Any) -> Any:
        return qs

    with pytest.raises(RuntimeError, match="registered twice"):

        @policy.scope("tests.scope")
        def second(user: User, qs: Any) -> Any:
            return qs

    with pytest.raises(RuntimeError, match="registered twice"):

        @policy.scope("documents.incoming")
        def everything(user: User, qs: Any) -> Any:
            return qs


def test_a_rule_answer_is_coerced_to_a_boolean(demo, scratch_names):
    scratch_names.append("tests.truthy")

    @policy.rule("tests.truthy")
    def truthy(user: User, obj: Any) -> Any:
        return obj

    user = demo.user("chuyenvien")
    assert policy.can(user, "tests.truthy", [1]) is True
    assert policy.can(user, "tests.truthy", []) is False


def test_only_administrators_manage_reference_data_and_read_the_audit_log(demo):
    for username in ("vanthu", "lanhdao", "truongphong", "chuyenvien", "bithu", "vanthubtc"):
        user = demo.user(username)
        assert policy.is_admin(user) is False, username
        assert policy.can(user, "core.manage_reference_data") is False, username
        assert policy.can(user, "core.view_audit_log") is False, username
    admin = demo.user("admin")
    assert policy.can(admin, "core.manage_reference_data") is True
    assert policy.can(admin, "core.view_audit_log") is True


def test_the_administrator_role_without_superuser_status_is_enough(demo):
    clerk = demo.user("vanthu")
    user_set_roles(actor=None, user=clerk, roles=[Role.VAN_THU, Role.QUAN_TRI])
    clerk = demo.user("vanthu")
    assert clerk.is_superuser is False
    assert policy.is_admin(clerk) is True
    assert policy.can(clerk, "core.view_audit_log") is True


def test_a_superuser_without_the_role_is_an_administrator(demo):
    user = demo.user("chuyenvien")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert policy.is_admin(demo.user("chuyenvien")) is True


def test_people_manage_their_own_api_tokens_and_administrators_any(demo):
    owner, other, admin = demo.user("chuyenvien"), demo.user("chuyenvien2"), demo.user("admin")
    token, _ = api_token_create(actor=owner, user=owner, name="máy bàn")
    token = ApiToken.objects.get(pk=token.pk)
    assert policy.can(owner, "core.manage_own_tokens", token) is True
    assert policy.can(owner, "core.manage_own_tokens") is True
    assert policy.can(other, "core.manage_own_tokens", token) is False
    assert policy.can(admin, "core.manage_own_tokens", token) is True


def test_every_signed_in_person_may_see_the_dashboard(demo):
    for username in ("admin", "vanthu", "chuyenvien", "vanthuxa"):
        assert policy.can(demo.user(username), "core.view_dashboard") is True
