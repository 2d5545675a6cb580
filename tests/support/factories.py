from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from patients.models import Admission, Patient


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if extracted == "admin":
            self.is_staff = self.is_superuser = True
        elif extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN-{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    birth_date = date(1965, 4, 1)
    sex = "female"
    diagnosis = "metastatic_melanoma"
    baseline_weight_kg = Decimal("72.0")


class AdmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Admission

    patient = factory.SubFactory(PatientFactory)
    ward = "7B Oncology"
    # "F" + a number: never the same as a bed a test names explicitly ("1", "B7"...).
    bed = factory.Sequence(lambda n: f"F{n + 1}")
    admitted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=6))
