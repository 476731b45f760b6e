from __future__ import annotations

import pytest
from django.core.management import call_command

from agencies.models import Agency, AgencyType, TaskForce, TaskForceKind
from mandates.models import Mandate
from officers.models import Officer, Role


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_covers_every_kind() -> None:
    call_command("load_demo")
    counts = (Agency.objects.count(), Officer.objects.count(), Mandate.objects.count(), TaskForce.objects.count())
    call_command("load_demo")
    assert (Agency.objects.count(), Officer.objects.count(), Mandate.objects.count(),
            TaskForce.objects.count()) == counts

    assert Agency.objects.values("country").distinct().count() >= 3
    assert set(Agency.objects.values_list("agency_type", flat=True)) == set(AgencyType.values)
    assert Agency.objects.filter(agency_type=AgencyType.ONLINE_PLATFORM).count() >= 2
    assert set(Officer.objects.values_list("role", flat=True)) == set(Role.values)
    assert Mandate.objects.in_force().count() == Mandate.objects.count() > 0
    assert set(TaskForce.objects.values_list("kind", flat=True)) == set(TaskForceKind.values)
    for task_force in TaskForce.objects.all():
        assert task_force.memberships.current().exists()


@pytest.mark.django_db
def test_demo_officers_can_sign_in() -> None:
    from wildnet.demo import DEMO_PASSWORD

    call_command("load_demo")
    assert Officer.objects.get(username="inv.ofb").check_password(DEMO_PASSWORD)
