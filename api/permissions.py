"""The API's one default permission: an authenticated, active user (else 401).

What the user may do with an object is asked inside the services and selectors through the
registered permissions (``rules``), exactly as the web does.
"""

from rest_framework.permissions import BasePermission


class IsActiveUser(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
