"""The access log (data protection): one call per page or download that shows personal data."""

from .models import AccessLog

Action = AccessLog.Action


def log_access(user, action, *, application=None, organization_id=None, detail=""):
    """Record that ``user`` did ``action`` (an ``AccessLog.Action``) on an application.

    ``application`` is any object with ``pk``, ``organization_id`` and ``reference``; pass
    ``organization_id`` alone for what concerns a whole organisation (an export).
    """
    AccessLog.objects.create(
        user=user,
        action=action,
        application_id=application.pk if application is not None else None,
        organization_id=(
            application.organization_id if application is not None else organization_id
        ),
        reference=(application.reference or "") if application is not None else "",
        detail=detail[:255],
    )
