"""Workshops: announced, revised, late windows granted; each change
re-publishes the whole workshop."""

from datetime import timedelta

import intake_forms
import pytest
from intake_scene import LATER, NOW, fields_of

from intake import schemas, usecases
from rueda_backbone import Invalid, NotFound


def test_a_new_workshop_is_published_whole_with_every_instant_in_utc(scene):
    workshop = scene.workshop()
    assert (workshop.version, workshop.created_at, workshop.updated_at) == (1, NOW, NOW)
    [(event_type, version, payload)] = scene.events()
    assert (event_type, version) == ("workshop_published", 1)
    assert payload["workshop_id"] == workshop.id and payload["version"] == 1
    assert [s["number"] for s in payload["sessions"]] == [1, 2, 3, 4]
    assert payload["sessions"][0]["starts_at"].endswith("T14:00:00+00:00")  # 09:00 in Bogota
    assert all(instant.endswith("+00:00") for instant in payload["deadlines"].values())
    assert payload["late_windows"] == [] and payload["time_zone"] == "America/Bogota"


def test_a_revision_replaces_the_workshop_and_is_published_with_the_next_version(scene):
    workshop = scene.workshop()
    scene.events()
    form = schemas.WorkshopForm().load(intake_forms.workshop(now=NOW, title="Fifth Workshop"))
    revised = scene.run(usecases.revise_workshop, {**form, "workshop_id": workshop.id}, LATER)
    assert (revised.version, revised.form["title"], revised.updated_at) == (
        2,
        "Fifth Workshop",
        LATER,
    )
    [(_, _, payload)] = scene.events()
    assert (payload["version"], payload["title"]) == (2, "Fifth Workshop")


def test_revising_an_unknown_workshop_is_not_found(scene):
    form = schemas.WorkshopForm().load(intake_forms.workshop(now=NOW))
    with pytest.raises(NotFound):
        scene.run(usecases.revise_workshop, {**form, "workshop_id": "nope"})


def test_a_late_window_replaces_the_one_the_delegation_had_for_that_form(scene):
    workshop = scene.workshop()
    delegation = scene.delegation(workshop.id)
    scene.events()
    for days in (1, 2):
        window = schemas.LateWindowForm().load(
            {
                "delegation_id": delegation.id,
                "form": "programs",
                "until": (NOW + timedelta(days=days)).isoformat(),
            }
        )
        granted = scene.run(usecases.grant_late_window, {**window, "workshop_id": workshop.id})
    assert granted.version == 3
    assert [w["until"] for w in granted.late_windows] == [(NOW + timedelta(days=2)).isoformat()]
    published = [payload for _, _, payload in scene.events()]
    assert published[-1]["late_windows"] == [
        {
            "delegation_id": delegation.id,
            "form": "programs",
            "until": (NOW + timedelta(days=2)).isoformat(),
        }
    ]


def test_a_late_window_is_only_for_a_delegation_of_that_workshop(scene):
    workshop, other = scene.workshop(), scene.workshop()
    stranger = scene.delegation(other.id)
    window = {"form": "programs", "until": NOW + timedelta(days=1), "workshop_id": workshop.id}
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.grant_late_window, {**window, "delegation_id": stranger.id})
    assert fields_of(caught.value) == {
        "delegation_id": "this delegation is not registered for this workshop"
    }
    with pytest.raises(Invalid) as caught:
        scene.run(usecases.grant_late_window, {**window, "delegation_id": "nope"})
    assert fields_of(caught.value) == {"delegation_id": "no delegation is registered with this id"}


def test_a_workshop_is_found_by_its_id_or_not_at_all(scene):
    workshop = scene.workshop()
    assert scene.run(usecases.get_workshop, {"workshop_id": workshop.id}) is workshop
    with pytest.raises(NotFound):
        scene.run(usecases.get_workshop, {"workshop_id": "nope"})
