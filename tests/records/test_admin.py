"""The admin shows the access log and the records due for deletion, read-only."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from funding.audit import Action, log_access
from funding.models import AccessLog
from records.models import RetentionCandidate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x"))
    return client


@pytest.mark.parametrize("model", [AccessLog, RetentionCandidate])
def test_view_only(superuser_client, model):
    application = factories.ApplicationFactory(reference="RK-2026-0007")
    log_access(factories.coordinator(), Action.VIEW, application=application)
    RetentionCandidate.objects.create(
        kind="application",
        application=application,
        counts_from=datetime.date(2020, 1, 1),
        due_on=datetime.date(2023, 1, 1),
    )
    label = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    obj = model.objects.get()
    changelist = superuser_client.get(reverse(f"{label}_changelist"), {"q": "RK-2026-0007"})
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [obj]
    change = superuser_client.get(reverse(f"{label}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert superuser_client.get(reverse(f"{label}_add")).status_code == 403
    assert superuser_client.post(reverse(f"{label}_delete", args=[obj.pk])).status_code == 403
    assert model.objects.count() == 1
