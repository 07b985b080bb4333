"""The two-server check's own pieces that run without servers: the admin's one-time code."""

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.scale import totp_code


@pytest.mark.parametrize("drift", [-1, 0, 1, 2])
def test_the_checks_code_is_the_one_the_server_accepts_whatever_the_devices_drift(django_user_model, drift):
    user = django_user_model.objects.create_user("quantri-bench", password="x")
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, drift=drift)
    with time_machine.travel(1_796_435_655, tick=False):  # mid-step: the code is checked in the step it was read
        assert device.verify_token(totp_code(device))
    device.refresh_from_db()
    assert device.drift == drift  # the code of the server's own step: nothing to resynchronise
