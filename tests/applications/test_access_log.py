"""The access log (data protection): opening an application and downloading its documents or
letters leave one row each; a refused request leaves none."""

import pytest
from django.urls import reverse

from funding.models import AccessLog
from tests import factories, states
from tests.helpers import close_file

pytestmark = pytest.mark.django_db


def logged():
    return list(
        AccessLog.objects.order_by("id").values_list("user_id", "action", "reference", "detail")
    )


def test_opening_an_application_is_logged_with_who_and_which(client):
    application = states.submitted()
    coordinator = factories.coordinator()
    client.force_login(coordinator)
    assert client.get(reverse("application-detail", args=[application.pk])).status_code == 200
    assert logged() == [(coordinator.pk, "view", application.reference, "")]
    row = AccessLog.objects.get()
    assert (row.application_id, row.organization_id) == (
        application.pk,
        application.organization_id,
    )


def test_a_refused_opening_is_not_logged(client):
    application = states.submitted()
    client.force_login(factories.applicant())  # another company
    assert client.get(reverse("application-detail", args=[application.pk])).status_code == 404
    assert logged() == []


def test_a_document_download_is_logged_with_the_file_name(client):
    application = states.submitted()
    document = application.documents.first()
    client.force_login(application.created_by)
    response = client.get(reverse("document-download", args=[application.pk, document.pk]))
    assert response.status_code == 200
    close_file(response)
    assert logged() == [
        (application.created_by.pk, "document", application.reference, document.original_name)
    ]


def test_a_letter_download_is_logged(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = states.approved()
    letter = application.letters.get()
    client.force_login(application.created_by)
    response = client.get(reverse("letter-download", args=[application.pk, letter.pk]))
    assert response.status_code == 200
    close_file(response)
    filename = f"Bescheid-{application.reference}-{letter.number}.pdf"
    assert logged() == [(application.created_by.pk, "letter", application.reference, filename)]
