"""The in-app inbox (page, marking read, opening links), the header's unread badge, the start
page's card, and the delivery preferences on the profile page."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import profile
from notifications import context_processors, forms_preferences, inbox, registry, views
from notifications.models import Notification, Preference
from tests import factories, states

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("notification-inbox")
READ_URL = reverse("notification-read")
PREFERENCES_URL = reverse("notification-preferences")
PROFILE_URL = reverse("profile")
HOME_URL = reverse("home")
Delivery = Preference.Delivery


def entry(user, subject="Antrag RK-2026-0001 eingereicht", **fields):
    values = {
        "kind": "submitted",
        "body": "Guten Tag,\nbitte prüfen.",
        "reference": "RK-2026-0001",
        "url": "/applications/1/",
        **fields,
    }
    return Notification.objects.create(user=user, subject=subject, **values)


def received(row, day, hour=12):
    """Set when ``row`` arrived (UTC)."""
    at = datetime.datetime(2026, 3, day, hour, 0, tzinfo=datetime.UTC)
    Notification.objects.filter(pk=row.pk).update(created_at=at)
    return row


def rows(response):
    return [row.pk for row in response.context["page"].object_list]


def open_url(row):
    return reverse("notification-open", args=[row.pk])


def is_read(row):
    row.refresh_from_db()
    return row.read_at is not None


@pytest.fixture
def user():
    return factories.reviewer()


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


# ----- the page ---------------------------------------------------------------------------------


def test_entries_of_a_real_submission_reach_the_offices_inbox(
    client, english, django_capture_on_commit_callbacks
):
    coordinator = factories.coordinator()
    with django_capture_on_commit_callbacks(execute=True):
        application = states.submitted()
    [row] = Notification.objects.filter(user=coordinator)
    assert (row.kind, row.reference, row.application_id) == (
        "submitted",
        application.reference,
        application.pk,
    )
    client.force_login(coordinator)
    response = client.get(INBOX_URL)
    assert response.status_code == 200
    assert rows(response) == [row.pk]
    page = response.content.decode()
    assert row.subject in page
    assert f"Reference {application.reference}" in page
    assert f'href="{open_url(row)}"' in page


def test_the_page_shows_only_the_users_entries_newest_first(logged_in, user):
    older = received(entry(user), 1)
    newer = received(entry(user, read_at=timezone.now()), 3)
    middle = received(entry(user), 2)
    received(entry(factories.reviewer()), 4)
    assert rows(logged_in.get(INBOX_URL)) == [newer.pk, middle.pk, older.pk]


def test_unread_entries_are_marked_in_words_and_the_text_is_expandable(logged_in, user, english):
    unread = entry(user, subject="Noch offen")
    entry(user, subject="Schon gelesen", read_at=timezone.now())
    page = logged_in.get(INBOX_URL).content.decode()
    assert f'<h2 id="entry-{unread.pk}"><span class="badge">Unread</span> Noch offen</h2>' in page
    assert page.count('<span class="badge">Unread</span>') == 1
    assert (
        "<details><summary>Show the text</summary><p>Guten Tag,<br>bitte prüfen.</p></details>"
        in page
    )


def test_subject_and_text_are_escaped(logged_in, user):
    entry(user, subject="<b>Betreff</b>", body="<script>x</script>")
    page = logged_in.get(INBOX_URL).content.decode()
    assert "&lt;b&gt;Betreff&lt;/b&gt;" in page
    assert "<script>x</script>" not in page


@pytest.mark.parametrize(
    ("language", "shown"), [("de", "02.03.2026 13:00"), ("en", "02/03/2026 13:00")]
)
def test_the_time_is_in_the_readers_locale(logged_in, user, language, shown):
    received(entry(user), 2)  # 12:00 UTC is 13:00 in Berlin in March
    page = logged_in.get(INBOX_URL, headers={"accept-language": language}).content.decode()
    assert f'<time datetime="2026-03-02T13:00:00+01:00">{shown}</time>' in page


def test_an_entry_without_a_link_has_no_open_button(logged_in, user):
    row = entry(user, url="")
    assert open_url(row) not in logged_in.get(INBOX_URL).content.decode()


def test_the_filter_shows_the_unread_entries_only(logged_in, user):
    unread = entry(user)
    entry(user, read_at=timezone.now())
    response = logged_in.get(INBOX_URL, {"unread": "1"})
    assert rows(response) == [unread.pk]
    assert 'id="inbox-unread-only" checked' in response.content.decode()


def test_an_empty_inbox_says_so(logged_in, english):
    assert "Your inbox is empty." in logged_in.get(INBOX_URL).content.decode()
    assert "No unread entries." in logged_in.get(INBOX_URL, {"unread": "1"}).content.decode()


def test_the_inbox_is_paginated_keeping_the_filter(logged_in, user, monkeypatch):
    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    made = [received(entry(user), day).pk for day in range(1, 6)]
    newest_first = made[::-1]
    first = logged_in.get(INBOX_URL, {"unread": "1"})
    assert rows(first) == newest_first[:2]
    assert 'href="?unread=1&amp;page=2"' in first.content.decode()
    assert rows(logged_in.get(INBOX_URL, {"unread": "1", "page": 3})) == newest_first[4:]


# session, user, the roles for the menu (groups, memberships), the page's count, the page;
# the unread count comes from the cache (counted at login).
INBOX_QUERIES = 6


@pytest.mark.parametrize("size", [2, 30])
def test_the_inbox_runs_a_constant_number_of_queries(client, user, django_assert_num_queries, size):
    for n in range(size):
        entry(user, reference=f"RK-2026-{n:04d}", read_at=timezone.now() if n % 2 else None)
        entry(user, url="")
        entry(factories.reviewer())
    client.force_login(user)
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(INBOX_URL)
    assert len(response.context["page"].object_list) == min(2 * size, views.INBOX_PAGE_SIZE)
    with django_assert_num_queries(INBOX_QUERIES):
        assert client.get(INBOX_URL, {"unread": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", INBOX_URL),
        ("post", READ_URL),
        ("get", reverse("notification-open", args=[1])),
        ("post", PREFERENCES_URL),
    ],
)
def test_anonymous_users_are_sent_to_the_login(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(
    "make",
    [factories.applicant, factories.coordinator, factories.board_member, factories.UserFactory],
    ids=["applicant", "coordinator", "board", "no role"],
)
def test_every_logged_in_user_has_an_inbox(client, make):
    user = make()
    row = entry(user)
    client.force_login(user)
    assert rows(client.get(INBOX_URL)) == [row.pk]


@pytest.mark.parametrize("page", ["inbox", "read", "open"])
def test_the_inbox_permission_is_checked(logged_in, user, page):
    row = entry(user)
    requests = {
        "inbox": lambda: logged_in.get(INBOX_URL),
        "read": lambda: logged_in.post(READ_URL, {"all": "1"}),
        "open": lambda: logged_in.get(open_url(row)),
    }
    with mock.patch("notifications.views.rules.has_perm", return_value=False) as asked:
        assert requests[page]().status_code == 403
    assert asked.call_args_list[0].args == ("notifications.read_inbox", user)
    assert is_read(row) is False


# ----- marking read -----------------------------------------------------------------------------


def test_marking_one_read_goes_back_with_303(logged_in, user):
    first, second = entry(user), entry(user)
    back = f"{INBOX_URL}?unread=1&page=2"
    response = logged_in.post(READ_URL, {"id": first.pk, "next": back})
    assert (response.status_code, response["Location"]) == (303, back)
    assert (is_read(first), is_read(second)) == (True, False)


def test_marking_all_read_touches_only_the_users_entries(logged_in, user):
    mine = [entry(user), entry(user)]
    other = entry(factories.reviewer())
    response = logged_in.post(READ_URL, {"all": "1"})
    assert (response.status_code, response["Location"]) == (303, INBOX_URL)
    assert [is_read(row) for row in mine] == [True, True]
    assert is_read(other) is False


def test_another_users_entry_cannot_be_marked(logged_in):
    other = entry(factories.reviewer())
    assert logged_in.post(READ_URL, {"id": other.pk}).status_code == 404
    assert is_read(other) is False


@pytest.mark.parametrize("data", [{}, {"id": "x"}, {"id": ""}, {"id": "²"}, {"all": "yes"}])
def test_marking_without_an_entry_is_a_bad_request(logged_in, data):
    assert logged_in.post(READ_URL, data).status_code == 400


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_marking_never_goes_back_elsewhere(logged_in, user, back):
    row = entry(user)
    response = logged_in.post(READ_URL, {"id": row.pk, "next": back})
    assert (response.status_code, response["Location"]) == (303, INBOX_URL)


def test_marking_read_needs_post_and_the_csrf_token(user):
    row = entry(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(READ_URL, {"id": row.pk}).status_code == 405
    assert client.post(READ_URL, {"id": row.pk}).status_code == 403
    assert is_read(row) is False


# ----- opening an entry's link ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/applications/7/", "http://testserver.example/applications/7/?tab=2#x"]
)
def test_opening_marks_read_and_follows_a_link_of_this_site(logged_in, user, settings, url):
    settings.SITE_URL = "http://testserver.example"
    row = entry(user, url=url)
    response = logged_in.get(open_url(row))
    assert (response.status_code, response["Location"]) == (302, url)
    assert is_read(row)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/applications/7/",
        "//evil.example/applications/7/",
        "javascript:alert(1)",
        "applications/7/",
        "",
    ],
)
def test_opening_never_follows_a_link_elsewhere(logged_in, user, settings, url):
    settings.SITE_URL = "http://testserver.example"
    row = entry(user, url=url)
    response = logged_in.get(open_url(row))
    assert (response.status_code, response["Location"]) == (302, INBOX_URL)
    assert is_read(row)


@pytest.mark.parametrize("pk", [0, 2**63, 10**30])
def test_ids_out_of_range_are_404(logged_in, pk):
    assert logged_in.get(reverse("notification-open", args=[pk])).status_code == 404
    assert logged_in.post(READ_URL, {"id": str(pk)}).status_code == 404


def test_opening_another_users_entry_is_404(logged_in):
    other = entry(factories.reviewer())
    assert logged_in.get(open_url(other)).status_code == 404
    assert is_read(other) is False


def test_opening_a_real_entry_leads_to_the_application(client, django_capture_on_commit_callbacks):
    coordinator = factories.coordinator()
    with django_capture_on_commit_callbacks(execute=True):
        application = states.submitted()
    row = Notification.objects.get(user=coordinator)
    client.force_login(coordinator)
    response = client.get(open_url(row))
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("application-detail", args=[application.pk]))
    assert client.get(response["Location"]).status_code == 200


# ----- the header's badge and its cached count --------------------------------------------------


def badge(count):
    word = "unread"
    return f'<mark class="badge">{count} {word}</mark>'


def inbox_link(client):
    page = client.get(HOME_URL).content.decode()
    start = page.index(f'<a href="{INBOX_URL}">')
    return page[start : page.index("</a>", start) + 4]


def test_the_header_shows_the_unread_count(client, user, english):
    entry(user), entry(user), entry(user, read_at=timezone.now())
    entry(factories.reviewer())
    client.force_login(user)
    assert inbox_link(client) == f'<a href="{INBOX_URL}">Inbox {badge(2)}</a>'


def test_the_header_says_one_unread(client, user, english):
    entry(user)
    client.force_login(user)
    assert inbox_link(client) == f'<a href="{INBOX_URL}">Inbox {badge(1)}</a>'


def test_the_header_hides_a_count_of_zero(logged_in, english):
    assert inbox_link(logged_in) == f'<a href="{INBOX_URL}">Inbox</a>'


def test_a_new_entry_counts_once_committed(
    logged_in, user, english, django_capture_on_commit_callbacks
):
    factories.coordinator()
    coordinator = factories.coordinator()
    logged_in.force_login(coordinator)
    assert inbox_link(logged_in) == f'<a href="{INBOX_URL}">Inbox</a>'
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        states.submitted()
    assert cache.get(inbox.key(coordinator.pk)) == 0  # not committed yet
    for callback in callbacks:
        callback()
    assert cache.get(inbox.key(coordinator.pk)) == 1
    assert inbox_link(logged_in) == f'<a href="{INBOX_URL}">Inbox {badge(1)}</a>'


def test_the_count_follows_marking_read(client, user, english, django_capture_on_commit_callbacks):
    first = entry(user)
    entry(user)
    client.force_login(user)
    assert badge(2) in inbox_link(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(READ_URL, {"id": first.pk})
    assert badge(1) in inbox_link(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(READ_URL, {"all": "1"})
    assert inbox_link(client) == f'<a href="{INBOX_URL}">Inbox</a>'


def test_opening_an_entry_updates_the_count(
    client, user, english, django_capture_on_commit_callbacks
):
    row = entry(user)
    client.force_login(user)
    assert badge(1) in inbox_link(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(open_url(row))
    assert inbox_link(client) == f'<a href="{INBOX_URL}">Inbox</a>'


def test_login_counts_into_the_cache(client, user):
    entry(user), entry(user)
    cache.set(inbox.key(user.pk), 7)  # stale
    client.force_login(user)
    assert cache.get(inbox.key(user.pk)) == 2


def test_pages_read_the_count_from_the_cache(logged_in, user):
    entry(user)
    logged_in.get(HOME_URL)
    with mock.patch.object(inbox, "recount", wraps=inbox.recount) as recount:
        logged_in.get(HOME_URL)
        logged_in.get(INBOX_URL)
    recount.assert_not_called()


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_context_processor_counts_only_when_used_and_once():
    user = factories.reviewer()
    with mock.patch.object(inbox, "unread_count", return_value=4) as counted:
        context = context_processors.inbox(request_of(user))
        counted.assert_not_called()
        assert context["inbox_unread"]() == 4
        assert context["inbox_unread"]() == 4
    counted.assert_called_once_with(user)


def test_the_context_processor_gives_nothing_to_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    assert context_processors.inbox(request_of(AnonymousUser())) == {}


def test_a_cache_that_does_not_answer_hides_the_count(client, user, english):
    entry(user)
    client.force_login(user)
    with mock.patch.object(inbox, "unread_count", side_effect=ConnectionError("down")):
        assert inbox_link(client) == f'<a href="{INBOX_URL}">Inbox</a>'
        page = client.get(HOME_URL).content.decode()
    assert f'<a class="card" href="{INBOX_URL}">' not in page


def test_a_cache_that_does_not_answer_does_not_stop_the_login(user):
    with mock.patch.object(inbox, "recount", side_effect=ConnectionError("down")):
        Client().force_login(user)


# ----- the start page ---------------------------------------------------------------------------


def test_the_start_page_has_an_inbox_card_once(client, user, english):
    entry(user), entry(user)
    user.groups.add(*factories.board_member().groups.all())  # two panels: the card only once
    client.force_login(user)
    page = client.get(HOME_URL).content.decode()
    card = f'<a class="card" href="{INBOX_URL}"><span class="count">2</span>Unread in your inbox'
    assert page.count(card) == 1


def test_the_start_page_card_shows_zero(logged_in, english):
    page = logged_in.get(HOME_URL).content.decode()
    assert f'<a class="card" href="{INBOX_URL}"><span class="count">0</span>' in page


# ----- delivery preferences ---------------------------------------------------------------------


@pytest.fixture
def section():
    """The profile section as ``accounts`` registers it (see PROFILE_SECTION)."""
    before = profile._sections.get("notifications")
    profile.add_section(**forms_preferences.PROFILE_SECTION)
    yield
    if before is None:
        profile._sections.pop("notifications", None)
    else:
        profile._sections["notifications"] = before


OPTIONAL = ("submitted", "withdrawn")


def test_the_kinds_these_tests_choose_are_optional():
    names = {kind.name for kind in registry.optional_kinds()}
    assert set(OPTIONAL) <= names
    assert "returned" not in names


def test_accounts_registers_the_section():
    assert "notifications" in profile._sections


def test_the_profile_shows_a_labelled_choice_per_optional_kind(client, section, english):
    user = factories.coordinator()
    Preference.objects.create(user=user, kind="submitted", delivery=Delivery.INBOX)
    client.force_login(user)
    page = client.get(PROFILE_URL).content.decode()
    assert '<h2 id="profile-notifications">Notifications</h2>' in page
    assert "Reminders, returned applications and decision letters always arrive by mail" in page
    assert f'action="{PREFERENCES_URL}"' in page
    for kind in registry.optional_kinds():
        assert f"<legend>{kind.label}</legend>" in page
    assert (
        '<input type="radio" name="delivery-submitted" value="inbox" '
        'id="id_delivery-submitted_2" checked>'
    ) in page
    assert (
        '<input type="radio" name="delivery-withdrawn" value="mail" '
        'id="id_delivery-withdrawn_0" checked>'
    ) in page
    assert '<label for="id_delivery-withdrawn_1">' in page


def test_without_optional_kinds_the_section_is_left_out(client, section, monkeypatch):
    monkeypatch.setattr(registry, "optional_kinds", lambda: [])
    client.force_login(factories.reviewer())
    assert 'id="profile-notifications"' not in client.get(PROFILE_URL).content.decode()


def test_saving_writes_rows_and_deletes_the_defaults(client):
    user = factories.coordinator()
    Preference.objects.create(user=user, kind="withdrawn", delivery=Delivery.DIGEST)
    client.force_login(user)
    response = client.post(
        PREFERENCES_URL, {"delivery-submitted": "inbox", "delivery-withdrawn": "mail"}
    )
    assert (response.status_code, response["Location"]) == (
        303,
        f"{PROFILE_URL}#profile-notifications",
    )
    stored = Preference.objects.filter(user=user).values_list("kind", "delivery")
    assert sorted(stored) == [("submitted", "inbox")]
    client.post(PREFERENCES_URL, {"delivery-submitted": "digest"})
    assert sorted(Preference.objects.filter(user=user).values_list("kind", "delivery")) == [
        ("submitted", "digest")
    ]


def test_a_user_who_chose_the_inbox_gets_an_entry_but_no_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    quiet, loud = factories.coordinator(), factories.coordinator()
    client.force_login(quiet)
    client.post(PREFERENCES_URL, {"delivery-submitted": "inbox"})
    with django_capture_on_commit_callbacks(execute=True):
        states.submitted()
    mailed = {address for message in mailoutbox for address in message.to}
    assert quiet.email not in mailed
    assert loud.email in mailed
    assert Notification.objects.filter(user=quiet, kind="submitted").count() == 1
    assert Notification.objects.filter(user=loud, kind="submitted").count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"delivery-returned": "inbox", "delivery-submitted": "inbox"},  # mandatory kind
        {"delivery-nonsense": "digest", "delivery-submitted": "inbox"},
    ],
)
def test_an_unknown_kind_answers_422_and_writes_nothing(client, english, data):
    user = factories.coordinator()
    client.force_login(user)
    response = client.post(PREFERENCES_URL, data)
    assert response.status_code == 422
    kind = next(name for name in data if name != "delivery-submitted").split("-", 1)[1]
    assert (
        f"<li>“{kind}” is not a notification you can choose how to receive.</li>"
        in response.content.decode()
    )
    assert Preference.objects.count() == 0


def test_an_invalid_choice_answers_422_beside_its_field(client, english):
    user = factories.coordinator()
    client.force_login(user)
    response = client.post(
        PREFERENCES_URL, {"delivery-submitted": "pigeon", "delivery-withdrawn": "inbox"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<ul class="errorlist" id="id_delivery-submitted_error"><li>Please choose one of: '
        "by mail right away; in a daily digest mail; only in the inbox, no mail.</li></ul>"
    ) in page
    assert 'aria-describedby="id_delivery-submitted_error"' in page
    assert Preference.objects.count() == 0


def test_preferences_are_saved_by_post_only(logged_in):
    assert logged_in.get(PREFERENCES_URL).status_code == 405


def test_the_preferences_permission_is_checked(logged_in):
    with mock.patch("notifications.views.rules.has_perm", return_value=False):
        assert logged_in.post(PREFERENCES_URL, {"delivery-submitted": "inbox"}).status_code == 403
    assert Preference.objects.count() == 0


def test_the_use_case_refuses_what_the_form_cannot_show():
    user = factories.reviewer()
    with pytest.raises(forms_preferences.RuleViolation) as refused:
        forms_preferences.update_preferences(user, {"submitted": "fax", "returned": "inbox"})
    assert set(refused.value.errors) == {None, "submitted"}
    assert Preference.objects.count() == 0


@time_machine.travel(datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC), tick=False)
def test_a_digest_choice_waits_for_the_digest(client, django_capture_on_commit_callbacks):
    user = factories.coordinator()
    client.force_login(user)
    client.post(PREFERENCES_URL, {"delivery-submitted": "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        states.submitted()
    row = Notification.objects.get(user=user, kind="submitted")
    assert row.digest is True
    assert row.created_at == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
