"""The HL7 v2 messages in the admin: listed with their answer and reason, never added, edited
or deleted (a row is a message's idempotency key)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.hl7.receive import hl7_receive
from patients.models import Hl7Message
from tests.support.hl7_messages import philips_like

pytestmark = pytest.mark.django_db


def test_the_admin_lists_messages_read_only(client, make_user, nurse):
    client.force_login(make_user("admin", username="ward.admin"))
    at = (timezone.now() - timedelta(minutes=2)).replace(microsecond=0)
    hl7_receive(body=philips_like("NOBODY-9", "ADM-1", at=at), by=nurse)
    stored = Hl7Message.objects.get()

    changelist = client.get(reverse("admin:patients_hl7message_changelist"))
    change = client.get(reverse("admin:patients_hl7message_change", args=[stored.pk]))
    add = client.get(reverse("admin:patients_hl7message_add"))
    delete = client.post(
        reverse("admin:patients_hl7message_delete", args=[stored.pk]), {"post": "yes"}
    )

    assert changelist.status_code == 200
    content = changelist.content.decode()
    assert "ADM-1" in content and "No patient has the MRN NOBODY-9" in content
    assert ">Error<" in content  # the AE, by its label
    assert change.status_code == 200
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Hl7Message.objects.filter(pk=stored.pk).exists()
