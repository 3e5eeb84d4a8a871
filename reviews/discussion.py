"""The discussion of an application as a section of the application's page (and the
reviewer's page): who reads it is ``reviews.read_discussion``, who writes ``reviews.post``."""

import rules

from applications import extensions

from . import selectors

TEMPLATE = "reviews/_discussion.html"


def context(user, application, link=True):
    """The posts (each with ``own``) and whether the user may write; for ``TEMPLATE``."""
    posts = list(selectors.discussion(application))
    for post in posts:
        post.own = post.author_id == user.pk
    return {
        "application": application,
        "posts": posts,
        "may_post": rules.has_perm("reviews.post", user, application),
        "link": link,
    }


def detail_contribution(user, application):
    """The discussion on the application's page, for whoever may read it (never the company)."""
    if application.submission_count and rules.has_perm(
        "reviews.read_discussion", user, application
    ):
        return [extensions.Part(TEMPLATE, context(user, application))]
    return []


def register():
    extensions.add_detail_contribution(detail_contribution)
