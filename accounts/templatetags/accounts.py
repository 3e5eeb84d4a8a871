from django import template

register = template.Library()


@register.filter
def minutes(value):
    """A timedelta as whole minutes, rounded up (the lockout page's waiting time)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))
