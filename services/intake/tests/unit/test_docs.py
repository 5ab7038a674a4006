"""The curl examples of docs/intake.md send forms intake accepts."""

import json
import re
import uuid
from pathlib import Path

import pytest

from intake import schemas

DOC = Path(__file__).resolve().parents[4] / "docs" / "intake.md"
CALL = re.compile(
    r"curl -s(?: -X (?P<method>[A-Z]+))?\s+\$INTAKE(?P<path>(?:[^\s<]|<[^>]*>)+)"
    r"(?P<rest>.*?)(?=\ncurl |\n```)",
    re.DOTALL,
)
BODY = re.compile(r"-d '(?P<body>.*?)'", re.DOTALL)
PLACEHOLDER = re.compile(r"<[^>]+>")

SCHEMAS = {
    ("POST", "/workshops"): schemas.WorkshopForm,
    ("POST", "/delegations"): schemas.DelegationRegistrationForm,
    ("POST", "/programs"): schemas.ProgramProfileForm,
    ("PUT", "/programs/<>"): schemas.ProgramProfileForm,
    ("POST", "/programs/<>/review"): schemas.ReviewForm,
    ("POST", "/interests"): schemas.InterestForm,
    ("POST", "/expressions-of-interest"): schemas.ExpressionOfInterestForm,
    ("POST", "/staff"): schemas.StaffForm,
    ("POST", "/workshops/<>/late-windows"): schemas.LateWindowForm,
    ("POST", "/workshops/<>/archive-imports"): schemas.ArchiveImportForm,
}


def examples():
    found = []
    # the examples of good forms come before the one of a bad form
    text = DOC.read_text(encoding="utf-8").split("### A bad form")[0]
    for match in CALL.finditer(text):
        body = BODY.search(match["rest"])
        path = PLACEHOLDER.sub("<>", match["path"])
        if body and (match["method"] or "GET", path) in SCHEMAS:
            found.append((match["method"], path, body["body"]))
    return found


def test_the_doc_shows_a_curl_example_of_every_form():
    shown = {(method, path) for method, path, _ in examples()}
    assert set(SCHEMAS) <= shown


@pytest.mark.parametrize("method, path, body", examples())
def test_every_curl_example_sends_a_valid_form(method, path, body):
    ids = {}  # one id per placeholder: "<delegation id>" and "<another delegation id>" differ
    data = json.loads(
        PLACEHOLDER.sub(lambda m: ids.setdefault(m[0], str(uuid.UUID(int=len(ids) + 1))), body)
    )
    SCHEMAS[(method, path)]().load(data)
