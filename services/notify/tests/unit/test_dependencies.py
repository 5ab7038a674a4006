"""What notify's use cases get from the service besides their message: the
id of the event being handled and the settings read from config at the edge."""

from datetime import timedelta
from types import SimpleNamespace

from notify import exceptions
from notify.dependencies import EventId, NoticeSettings
from notify.service import NotifyService
from rueda_backbone.consuming import EventHandler


def worker(entrypoint, *args):
    return SimpleNamespace(entrypoint=entrypoint, args=args)


def test_an_event_handler_gets_the_id_of_the_event_it_handles():
    handler = EventHandler("intake", "program_submitted")
    envelope = SimpleNamespace(event_id="e-42")
    assert EventId().get_dependency(worker(handler, envelope)) == "e-42"


def test_an_http_worker_has_no_event_id():
    assert EventId().get_dependency(worker(object(), SimpleNamespace())) is None


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
            assert hasattr(NotifyService, name), (row.handler, name)
    assert NotifyService.errors is exceptions.ERRORS
