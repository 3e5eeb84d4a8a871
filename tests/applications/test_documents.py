"""Documents: only PDFs, only up to the size limit, only while the application is editable."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Application, Document
from funding.errors import RuleViolation, StateConflict
from tests import factories, states

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MIB = 2**20


@pytest.fixture(autouse=True)
def empty_storage(settings, tmp_path):
    """A fresh storage folder per test (ids repeat between tests, folders must not)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/nowhere/"},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path)


def upload(content, name="Businessplan.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(application):
    folder = f"documents/{application.pk}"
    if not default_storage.exists(folder):
        return []
    return default_storage.listdir(folder)[1]


def test_pdf_is_stored_with_its_hash_and_size_and_readable_through_the_storage():
    application = factories.ApplicationFactory()
    content = factories.PDF_BYTES + b"% Businessplan 2027\n"
    before = Application.objects.get(pk=application.pk).updated_at
    document = services.add_document(
        application.created_by, application, "business_plan", upload(content)
    )
    document = Document.objects.get(pk=document.pk)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert (document.kind, document.original_name, document.uploaded_by) == (
        "business_plan",
        "Businessplan.pdf",
        application.created_by,
    )
    assert document.file.name == f"documents/{application.pk}/{document.sha256}.pdf"
    with default_storage.open(document.file.name, "rb") as stored:
        assert stored.read() == content
    assert Application.objects.get(pk=application.pk).updated_at > before


def test_the_same_file_twice_is_stored_twice():
    application = factories.ApplicationFactory()
    user = application.created_by
    first = services.add_document(user, application, "business_plan", upload(factories.PDF_BYTES))
    second = services.add_document(user, application, "other", upload(factories.PDF_BYTES))
    assert first.sha256 == second.sha256
    assert first.file.name != second.file.name
    assert len(stored_files(application)) == 2


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"PK\x03\x04 a zip archive pretending", "Businessplan.pdf"),
        (b"<html><body>Hallo</body></html>", "Businessplan.pdf"),
        (b"  %PDF-1.4 with leading spaces", "Businessplan.pdf"),
        (b"", "Businessplan.pdf"),
    ],
    ids=["zip", "html", "not at the start", "empty"],
)
def test_content_that_is_not_a_pdf_is_refused_whatever_its_name(content, name):
    application = factories.ApplicationFactory()
    with pytest.raises(RuleViolation) as refused:
        services.add_document(
            application.created_by, application, "business_plan", upload(content, name)
        )
    assert refused.value.errors == {"file": ["Only PDF files can be uploaded."]}
    assert application.documents.count() == 0
    assert stored_files(application) == []


def test_pdf_of_exactly_the_maximum_size_is_accepted(settings):
    settings.MAX_UPLOAD_BYTES = MIB
    application = factories.ApplicationFactory()
    content = factories.PDF_BYTES.ljust(MIB, b"0")
    document = services.add_document(
        application.created_by, application, "business_plan", upload(content)
    )
    assert document.size == MIB


def test_pdf_above_the_maximum_size_is_refused_and_nothing_is_stored(settings):
    settings.MAX_UPLOAD_BYTES = MIB
    application = factories.ApplicationFactory()
    content = factories.PDF_BYTES.ljust(MIB + 1, b"0")
    with pytest.raises(RuleViolation) as refused:
        services.add_document(application.created_by, application, "business_plan", upload(content))
    assert refused.value.errors == {"file": ["The file is larger than 1 MB."]}
    assert application.documents.count() == 0
    assert stored_files(application) == []


def test_unknown_kind_and_wrong_content_are_refused_together():
    application = factories.ApplicationFactory()
    with pytest.raises(RuleViolation) as refused:
        services.add_document(application.created_by, application, "passport", upload(b"GIF89a"))
    assert refused.value.errors == {
        "file": ["Please choose the kind of document.", "Only PDF files can be uploaded."]
    }
    assert stored_files(application) == []


@pytest.mark.parametrize("role", ["other_applicant", "coordinator", "reviewer", "board"])
def test_only_the_organisation_adds_documents(role):
    application = factories.ApplicationFactory()
    user = {
        "other_applicant": factories.applicant,
        "coordinator": factories.coordinator,
        "reviewer": factories.reviewer,
        "board": factories.board_member,
    }[role]()
    with pytest.raises(PermissionDenied):
        services.add_document(user, application, "business_plan", upload(factories.PDF_BYTES))
    assert stored_files(application) == []


@pytest.mark.parametrize("state", ["submitted", "in_review", "awaiting_decision", "withdrawn"])
def test_no_documents_added_after_submission(state):
    application = states.reach(state)
    count, files = application.documents.count(), stored_files(application)
    with pytest.raises(StateConflict):
        services.add_document(
            application.created_by, application, "other", upload(factories.PDF_BYTES + b"new")
        )
    assert application.documents.count() == count
    assert stored_files(application) == files


def test_documents_added_to_a_returned_application():
    application = states.returned()
    document = services.add_document(
        application.created_by, application, "other", upload(factories.PDF_BYTES + b"nachtrag")
    )
    assert application.documents.filter(pk=document.pk).exists()


# ----- removal --------------------------------------------------------------------------------


def test_remove_a_document_of_a_draft_deletes_row_and_file_on_commit(
    django_capture_on_commit_callbacks,
):
    application = factories.ApplicationFactory()
    user = application.created_by
    document = services.add_document(
        user, application, "business_plan", upload(factories.PDF_BYTES)
    )
    name = document.file.name
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.remove_document(user, document)
    assert len(callbacks) == 1
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(name)


def test_remove_one_of_two_identical_files_keeps_the_other(django_capture_on_commit_callbacks):
    application = factories.ApplicationFactory()
    user = application.created_by
    first = services.add_document(user, application, "business_plan", upload(factories.PDF_BYTES))
    second = services.add_document(user, application, "other", upload(factories.PDF_BYTES))
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_document(user, first)
    with default_storage.open(second.file.name, "rb") as stored:
        assert stored.read() == factories.PDF_BYTES


def test_a_file_named_by_a_submitted_version_stays_when_removed_from_the_revision(
    django_capture_on_commit_callbacks,
):
    application = states.returned()
    document = application.documents.get(kind="business_plan")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.remove_document(application.created_by, document)
    assert callbacks == []
    assert not Document.objects.filter(pk=document.pk).exists()
    assert default_storage.exists(document.file.name)
    version = application.versions.get(number=1)
    assert document.sha256 in {d["sha256"] for d in version.snapshot["documents"]}


@pytest.mark.parametrize(
    "state", ["submitted", "in_review", "awaiting_decision", "approved", "rejected", "withdrawn"]
)
def test_removal_refused_once_submitted(state, django_capture_on_commit_callbacks):
    application = states.reach(state)
    document = application.documents.get(kind="business_plan")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(StateConflict) as refused,
    ):
        services.remove_document(application.created_by, document)
    assert str(refused.value.message) == (
        "Documents can only be changed while the application is open."
    )
    assert callbacks == []
    assert Document.objects.filter(pk=document.pk).exists()
    assert default_storage.exists(document.file.name)


def test_removal_refused_to_another_organisation():
    application = states.draft()
    document = application.documents.first()
    with pytest.raises(PermissionDenied):
        services.remove_document(factories.applicant(), document)
    assert Document.objects.filter(pk=document.pk).exists()
