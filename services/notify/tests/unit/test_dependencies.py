"""What notify's use cases get from the service besides their message: the
id of the event being handled (from the consumer edge) and the settings read
from config at the edge."""

from datetime import timedelta
from types import SimpleNamespace

from notify import exceptions
from notify.dependencies import NoticeSettings
from notify.service import NotifyService
from rueda_backbone.inbound import PER_EVENT


def test_the_edge_gives_each_use_case_the_id_of_the_event_it_handles():
    assert PER_EVENT["event_id"](SimpleNamespace(event_id="e-42")) == "e-42"
    emailing = [row for row in NotifyService.inbound if "event_id" in row.uses]
    assert emailing, "notify's emails are keyed by the event they answer"


def test_the_settings_come_from_config_with_defaults():
    settings = NoticeSettings(
        {"CHANGE_NOTICE_WINDOW_SECONDS": "90", "MAIL_MESSAGE_ID_DOMAIN": "rueda.example.org"}
    )
    assert (settings.window, settings.uid_domain) == (timedelta(seconds=90), "rueda.example.org")
    defaults = NoticeSettings({})
    assert (defaults.window, defaults.uid_domain) == (timedelta(minutes=5), "rueda.local")


def test_every_dependency_a_row_uses_or_wakes_is_on_the_service():
    for row in NotifyService.inbound:
        for name in (*row.uses, *row.wakes):
            assert name in PER_EVENT or hasattr(NotifyService, name), (row.handler, name)
    assert NotifyService.errors is exceptions.ERRORS
