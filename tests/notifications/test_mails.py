"""Progress mails: queued on commit by id, rendered in the reader's language by the worker."""

import datetime
import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail

from applications import services
from notifications import registry, tasks
from reviews import services as review_services
from tests import factories, states

pytestmark = pytest.mark.django_db


def test_submission_mails_the_coordination_office(django_capture_on_commit_callbacks):
    coordinators = [factories.coordinator(), factories.coordinator()]
    application = states.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(application.created_by, application, states.DECLARATIONS)
    application.refresh_from_db()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted(c.email for c in coordinators)
    assert application.reference in message.subject
    assert f"/applications/{application.pk}/" in message.body


def test_return_mails_the_company_in_its_language(django_capture_on_commit_callbacks):
    application = states.submitted()
    application.organization.language = "en"
    application.organization.save()
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_for_revision(
            factories.coordinator(), application, "Register extract missing", deadline
        )
    (message,) = mail.outbox
    assert application.organization.contact_email in message.to
    assert application.created_by.email in message.to
    assert message.subject == f"Application {application.reference}: please revise"
    assert "Register extract missing" in message.body
    assert deadline.strftime("%d.%m.%Y") in message.body


def test_a_refused_change_mails_nobody(django_capture_on_commit_callbacks):
    factories.coordinator()
    application = factories.ApplicationFactory()  # no documents: the submission is refused
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.RuleViolation),
    ):
        services.submit(application.created_by, application, states.DECLARATIONS)
    assert callbacks == []
    assert mail.outbox == []


def test_declining_tells_the_office_it_was_declined(django_capture_on_commit_callbacks):
    application, coordinator, reviewers = states.with_reviewers(count=1)
    assignment = application.assignments.get()
    with django_capture_on_commit_callbacks(execute=True):
        review_services.decline_assignment(reviewers[0], assignment)
    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    assert application.reference in message.subject
    assert f"/reviews/applications/{application.pk}/" in message.body


@pytest.mark.parametrize(
    "failure", [smtplib.SMTPServerDisconnected("lost"), ConnectionRefusedError("refused")]
)
def test_progress_mail_retries_on_smtp_and_network_errors(failure):
    application = states.submitted()
    factories.coordinator()
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=failure),
        pytest.raises(Retry) as retry,
    ):
        tasks.send_notification.delay("submitted", "applications.application", application.pk)
    assert retry.value.exc is failure


def test_progress_mail_does_not_retry_other_errors():
    application = states.submitted()
    factories.coordinator()
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=ValueError("bad")),
        pytest.raises(ValueError),
    ):
        tasks.send_notification.delay("submitted", "applications.application", application.pk)


def test_progress_mail_about_a_deleted_object_mails_nobody():
    assert tasks.send_notification.delay("submitted", "applications.application", 0).get() == 0
    assert mail.outbox == []


def test_every_app_registers_its_mail_kinds():
    assert registry.mail_kinds() == [
        "assigned",
        "decision_proposed",
        "declined",
        "recused",
        "returned",
        "submitted",
        "withdrawn",
    ]


def test_an_unknown_mail_kind_is_refused():
    with pytest.raises(LookupError):
        registry.mail_kind("no_such_kind")
