"""0002 keeps the program profiles submitted before it."""

import sqlalchemy as sa

from rueda_backbone.database import upgrade


def test_programs_submitted_before_0002_keep_their_id_revision_and_history(
    alembic_ini, database_url
):
    upgrade(alembic_ini, database_url, "0001")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into delegation (id, country, institution, kind, working_languages, "
                    "registered_at) values ('d1', 'Peru', 'MIDIS', 'ministry', '[\"es\"]', "
                    "'2025-03-12 09:00:00+00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "insert into program (id, delegation_id, title, topics, version, submitted_at) "
                    "values ('p1', 'd1', 'Qali Warma', '[\"food_security\"]', 2, "
                    "'2025-03-12 09:31:44+00:00')"
                )
            )
        upgrade(alembic_ini, database_url)
        with engine.connect() as connection:
            form = connection.execute(
                sa.text("select kind, status, version, title, delegation_id from form")
            ).one()
            history = connection.execute(
                sa.text("select subject_id, version, action from form_version")
            ).all()
            delegation = connection.execute(
                sa.text("select version, status, workshop_id from delegation")
            ).one()
    finally:
        engine.dispose()
    assert tuple(form) == ("program", "submitted", 2, "Qali Warma", "d1")
    assert [tuple(row) for row in history] == [("p1", 2, "submitted")]
    assert tuple(delegation) == (1, "registered", None)


def test_0003_lets_a_key_be_claimed_before_its_answer_and_keeps_the_answers_given(
    alembic_ini, database_url
):
    upgrade(alembic_ini, database_url, "0002")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into idempotent_request (client, key, fingerprint, status, response, "
                    "created_at) values ('portal', 'k1', 'f1', 201, '{\"id\": \"p1\"}', "
                    "'2026-11-30 09:00:00+00:00')"
                )
            )
        upgrade(alembic_ini, database_url)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into idempotent_request (client, key, fingerprint, created_at) "
                    "values ('portal', 'k2', 'f2', '2026-12-01 09:00:00+00:00')"
                )
            )
            rows = connection.execute(
                sa.text("select key, status from idempotent_request order by key")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("k1", 201), ("k2", None)]


def test_0004_keeps_every_registration_and_its_delegates_under_their_delegation(
    alembic_ini, database_url
):
    upgrade(alembic_ini, database_url, "0003")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into delegation (id, workshop_id, version, status, country, institution, "
                    "kind, working_languages, registered_at) values ('d1', 'w1', 1, 'registered', "
                    "'Peru', 'MIDIS', 'ministry', '[\"es\"]', '2026-11-30 09:00:00+00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "insert into delegate (id, delegation_id, position, name, email, language, "
                    "is_focal_point) values ('p1', 'd1', 0, 'Rosa', 'rosa@example.org', 'es', true)"
                )
            )
        upgrade(alembic_ini, database_url)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "insert into delegation (id, workshop_id, version, status, country, region, "
                    "institution, kind, working_languages, registered_at) values ('d2', 'w1', 1, "
                    "'registered', 'South America', 'South America', 'ISM', 'subregional_mechanism', "
                    "'[\"es\"]', '2026-12-01 09:00:00+00:00')"
                )
            )
            places = connection.execute(
                sa.text("select id, country, region from delegation order by id")
            ).all()
            delegate = connection.execute(sa.text("select languages, sessions from delegate")).one()
    finally:
        engine.dispose()
    assert [tuple(row) for row in places] == [
        ("d1", "Peru", None),
        ("d2", "South America", "South America"),
    ]
    assert tuple(delegate) == (None, None)  # read as: their own language, every session
