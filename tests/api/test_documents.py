"""Documents through the API: upload with the web's checks, list, download, remove."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Document
from funding.models import AccessLog
from tests import factories, states
from tests.helpers import close_file

from .conftest import client_for

pytestmark = pytest.mark.django_db


def url(application, suffix=""):
    return f"/api/v1/applications/{application.pk}/documents/{suffix}"


def pdf(body=b""):
    return SimpleUploadedFile("plan.pdf", factories.PDF_BYTES + body, "application/pdf")


def test_upload_list_download_remove():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    uploaded = client.post(
        url(application), {"kind": "business_plan", "file": pdf()}, format="multipart"
    )
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert body["kind"] == "business_plan"
    assert body["sha256"] == hashlib.sha256(factories.PDF_BYTES).hexdigest()
    assert uploaded["Location"] == url(application, f"{body['id']}/")
    listed = client.get(url(application)).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    download = client.get(url(application, f"{body['id']}/"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert close_file(download) == factories.PDF_BYTES
    assert AccessLog.objects.get().action == "document"
    removed = client.delete(url(application, f"{body['id']}/"))
    assert removed.status_code == 204
    assert not Document.objects.exists()


def test_not_a_pdf_or_an_unknown_kind_answers_422():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    text = SimpleUploadedFile("plan.pdf", b"hello", "application/pdf")
    response = client.post(
        url(application), {"kind": "business_plan", "file": text}, format="multipart"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["file"]
    response = client.post(url(application), {"kind": "poem", "file": pdf()}, format="multipart")
    assert response.status_code == 422
    assert not Document.objects.exists()


def test_a_missing_file_answers_400():
    application = factories.ApplicationFactory()
    response = client_for(application.created_by).post(
        url(application), {"kind": "business_plan"}, format="multipart"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]


def test_after_submission_documents_cannot_change_409():
    application = states.submitted()
    client = client_for(application.created_by)
    response = client.post(url(application), {"kind": "other", "file": pdf()}, format="multipart")
    assert response.status_code == 409
    document = application.documents.first()
    assert client.delete(url(application, f"{document.pk}/")).status_code == 409


def test_others_get_404_and_the_office_may_not_upload_403():
    application = factories.ApplicationFactory()
    stranger = client_for(factories.applicant())
    assert stranger.get(url(application)).status_code == 404
    assert (
        stranger.post(
            url(application), {"kind": "other", "file": pdf()}, format="multipart"
        ).status_code
        == 404
    )
    office = client_for(factories.coordinator())
    assert office.get(url(application)).status_code == 200
    assert (
        office.post(
            url(application), {"kind": "other", "file": pdf()}, format="multipart"
        ).status_code
        == 403
    )


def test_a_retried_upload_stores_one_document_and_other_content_is_refused():
    application = factories.ApplicationFactory()
    client = client_for(application.created_by)
    first = client.post(
        url(application),
        {"kind": "other", "file": pdf()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="u-1",
    )
    again = client.post(
        url(application),
        {"kind": "other", "file": pdf()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="u-1",
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = client.post(
        url(application),
        {"kind": "other", "file": pdf(b"% changed")},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="u-1",
    )
    assert other.status_code == 422
    assert Document.objects.count() == 1
