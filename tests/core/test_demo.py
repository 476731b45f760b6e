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


@pytest.mark.django_db
def test_demo_holds_realistic_intelligence_and_sharing(settings: object, tmp_path: object) -> None:
    from django.utils import timezone

    from cases.models import Case, CaseEntity, Evidence, IntelReport, Listing
    from sharing.models import AccessRequest, AccessRequestStatus, Hit, Share, ShareStatus

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    call_command("load_demo")
    call_command("load_demo")
    investigating = {"fr-ofb", "fr-oclaesp", "fr-dgddi", "es-seprona", "be-police"}
    assert set(Case.objects.values_list("owner_agency__code", flat=True)) == investigating
    from reports.models import SpotterReport

    # cases opened by triaging spotters' reports hold the listing and its source, not yet an investigation's work
    for case in Case.objects.exclude(pk__in=SpotterReport.objects.filter(case__isnull=False).values("case")):
        assert case.listings.exists() and case.entity_links.exists() and case.reports.exists()
        assert case.evidence.count() == 1 and case.species.exists()
    assert Listing.objects.filter(platform__isnull=True).count() == 0
    assert CaseEntity.objects.values("entity__kind").distinct().count() >= 5
    assert IntelReport.objects.count() >= 5 and Evidence.objects.count() == 5
    now = timezone.now()
    live = Share.objects.filter(status=ShareStatus.ACTIVE)
    assert live.filter(expires_at__isnull=True).exists()
    assert live.filter(expires_at__lt=now).exists()
    assert Share.objects.filter(status=ShareStatus.REVOKED).exists()
    assert live.filter(redact_personal_data=True).exists()
    assert AccessRequest.objects.filter(status=AccessRequestStatus.PENDING).count() == 1
    assert Hit.objects.count() == 1



@pytest.mark.django_db
def test_demo_notices_cover_every_state_for_both_marketplaces(settings: object, tmp_path: object) -> None:
    from cases.models import ListingStatus
    from compliance.deadlines import notice_state
    from compliance.models import Relisting, TakedownNotice

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    call_command("load_demo")
    call_command("load_demo")
    states = {"draft", "sent", "acknowledged", "overdue", "escalated", "closed"}
    for code in ("pf-leboncoin", "pf-wallapop"):
        notices = TakedownNotice.objects.filter(platform__code=code)
        assert {notice_state(n) for n in notices} == states
        outcomes = set(notices.values_list("items__outcome", flat=True))
        assert {"removed", "rejected", "pending"} <= outcomes
    relisting = Relisting.objects.get()
    assert relisting.matched_on == "seller" and relisting.listing.status == ListingStatus.RELISTED
