"""factory-boy factories. States beyond draft are reached through the services (see helpers)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from applications.models import Application
from funding.models import Membership, Organization, Programme

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    password = factory.django.Password("pw")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])  # a flushed database too


def coordinator(**kwargs):
    return UserFactory(groups=["coordinators"], **kwargs)


def reviewer(**kwargs):
    return UserFactory(groups=["reviewers"], **kwargs)


def board_member(**kwargs):
    return UserFactory(groups=["board"], **kwargs)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Risikokapitalfonds {n}")
    budget = Decimal("1000000")
    max_amount = Decimal("150000")
    opens_on = datetime.date(2026, 1, 1)
    closes_on = None
    reviews_required = 2
    four_eyes = True


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Inklusionsbetrieb {n} gGmbH")
    legal_form = Organization.LegalForm.GGMBH
    register_number = factory.Sequence(lambda n: f"HRB {1000 + n}")
    non_profit = True
    representative = "Maria Beispiel"
    address = factory.LazyAttribute(lambda o: f"{o.name}\nWerkstraße 1\n50667 Köln")
    region = Organization.Region.RHEINLAND
    contact_email = factory.Sequence(lambda n: f"kontakt{n}@example.org")
    language = "de"
    iban = "DE89370400440532013000"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)


def applicant(organization=None, **kwargs):
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, organization=organization or OrganizationFactory())
    return user


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft that passes every default programme rule once documents are added."""

    class Meta:
        model = Application

    programme = factory.SubFactory(ProgrammeFactory)
    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.LazyAttribute(lambda a: applicant(organization=a.organization))
    title = factory.Sequence(lambda n: f"Neue Großküche {n}")
    purpose = "Ausbau der Großküche für die Mittagsversorgung von Betrieben der Region."
    cost_items = "Kombidämpfer 40.000 €\nSpülstraße 35.000 €\nUmbau 25.000 €"
    eligible_costs = Decimal("100000.00")
    planned_start = datetime.date(2027, 3, 1)
    requested_amount = Decimal("60000.00")
    instrument = "loan"
    loan_term_months = 84
    interest_rate = Decimal("1.50")
    grace_period_months = 12
    own_contribution = Decimal("25000.00")
    other_funding = Decimal("15000.00")
    other_funders = "Aktion Mensch"
    staff_total = 20
    staff_severely_disabled = 8
    jobs_new = 2
    jobs_secured = 2
    cooperation_partner = "Stadtwerke Musterstadt GmbH"
    cooperation_description = "Kantinenbetrieb für die Belegschaft des Partners."
    de_minimis_received = Decimal("10000.00")


# ----- accounts ---------------------------------------------------------------------------------


def company_admin(organization=None, **kwargs):
    """An applicant who is a company admin (``Membership.is_admin``) of the organisation."""
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, organization=organization or OrganizationFactory(), is_admin=True)
    return user


def totp_device(user, confirmed=True):
    """An authenticator app of ``user`` (the name two_factor gives it: ``default``)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="default", confirmed=confirmed)


def recovery_codes(user, codes=("code1111", "code2222")):
    """Recovery codes of ``user`` (django-otp's static device named ``backup``)."""
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    for code in codes:
        device.token_set.create(token=code)
    return device
