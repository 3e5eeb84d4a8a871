"""``{{ number|review_round:application }}``: a review round's number as people count it (only
the rounds in which the review started count, see ``applications.progress.ReviewRounds``):
the first review round is 1 even when the application was returned before it started.

The stored ``round`` (an assignment's, a declaration's, a post's) is the application's
``submission_count``, the submitted version. The transition log is read once per application
object (kept on it for the rest of the page).
"""

from django import template

from applications import progress

register = template.Library()


@register.filter
def review_round(number, application):
    if application is None or not getattr(application, "pk", None):
        return number
    rounds = getattr(application, "_review_rounds", None)
    if rounds is None:
        rounds = application._review_rounds = progress.review_rounds(application)
    return rounds.number(number)
