"""``{% has_perm "app.permission" user obj as ok %}``: the registered permission, asked with
``rules.has_perm``.

Not ``rules``' own tag, which asks ``user.has_perm``: that gives a superuser every permission
and also queries Django's model permissions; workflow permissions are the registered ones only.
"""

import rules
from django import template

register = template.Library()


@register.simple_tag
def has_perm(permission, user, obj=None):
    return rules.has_perm(permission, user, obj)
