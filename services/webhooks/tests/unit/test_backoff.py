"""A failing delivery waits longer after each try, exponentially, and is
parked after the last one."""

import pytest

from webhooks import domain
from webhooks.settings import Settings


def test_the_default_schedule_waits_ten_seconds_then_four_times_longer_each_time():
    delays = Settings().retry_delays
    assert delays == (10, 40, 160, 640, 2560, 10240, 40960)
    assert Settings().max_attempts == len(delays) + 1
    # about fifteen hours between the first try and the last
    assert 14 * 3600 < sum(delays) < 16 * 3600


def test_each_try_but_the_last_is_followed_by_its_delay_and_the_last_by_parking():
    delays = domain.retry_delays(max_attempts=3, first_seconds=2, factor=3)
    assert delays == (2, 6)
    assert [domain.after_failure(n, delays) for n in (1, 2, 3)] == [2, 6, None]


def test_one_attempt_means_parked_at_the_first_failure():
    assert (
        domain.after_failure(1, domain.retry_delays(max_attempts=1, first_seconds=5, factor=2))
        is None
    )


def test_no_attempt_at_all_is_not_a_schedule():
    with pytest.raises(ValueError):
        domain.retry_delays(max_attempts=0, first_seconds=1, factor=2)


def test_the_schedule_is_read_from_config():
    settings = Settings.from_config(
        {
            "DELIVERY_MAX_ATTEMPTS": "4",
            "DELIVERY_FIRST_RETRY_SECONDS": "0.5",
            "DELIVERY_BACKOFF_FACTOR": "2",
        }
    )
    assert settings.retry_delays == (0.5, 1.0, 2.0)
