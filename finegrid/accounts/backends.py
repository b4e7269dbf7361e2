"""Authentication backend that grants each user the permissions of their role."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from finegrid.accounts.roles import PERMISSIONS
from finegrid.accounts.system import is_system


class RoleBackend(ModelBackend):
    """Django's password backend, with the role's permissions added to the group ones.
    Demo accounts (well-known passwords) can log in only in demo mode; the system actor
    never can."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        if is_system(user):
            return False
        return super().user_can_authenticate(user)

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return super().get_group_permissions(user_obj) | PERMISSIONS.get(user_obj.role, set())
