"""A service type's form from its JSON Schema, and the answers read back against it."""

from __future__ import annotations

from townhall.web import schema_form

SCHEMA = {
    "type": "object",
    "required": ["items", "pest"],
    "properties": {
        "items": {"type": "array", "items": {"type": "string", "enum": ["sofa", "fridge"]}},
        "pest": {"type": "string", "title": "Which pest?", "enum": ["rats", "mice"]},
        "rooms": {"type": "integer", "minimum": 1, "maximum": 20},
        "since": {"type": "string", "format": "date"},
        "ongoing": {"type": "boolean"},
        "account": {"type": "string", "pattern": "^[0-9]{8}$"},
        "photos": {"type": "array", "items": {"type": "string", "format": "uri"}},
    },
}


def test_each_kind_of_property_gets_its_govuk_field() -> None:
    kinds = {f.prop: f.kind for f in schema_form.fields(SCHEMA)}
    assert kinds == {
        "items": "checkboxes",
        "pest": "radios",
        "rooms": "integer",
        "since": "date",
        "ongoing": "yesno",
        "account": "text",
    }, "photo links are not typed by an officer"
    pest = next(f for f in schema_form.fields(SCHEMA) if f.prop == "pest")
    assert pest.label == "Which pest?" and pest.required
    assert pest.options == (("rats", "Rats"), ("mice", "Mice"))


def test_good_answers_become_typed_details() -> None:
    fields = schema_form.fields(SCHEMA)
    form = {
        "field-pest": "rats",
        "field-rooms": "3",
        "field-since": "2026-11-02",
        "field-ongoing": "yes",
        "field-account": "12345678",
    }
    details, checked = schema_form.read(fields, form, {"field-items": ["sofa", "piano"]})
    assert checked.ok, checked.errors
    assert details == {
        "items": ["sofa"],
        "pest": "rats",
        "rooms": 3,
        "since": "2026-11-02",
        "ongoing": True,
        "account": "12345678",
    }


def test_bad_answers_are_named_at_their_fields() -> None:
    fields = schema_form.fields(SCHEMA)
    form = {
        "field-pest": "badgers",
        "field-rooms": "30",
        "field-since": "2026-02-30",
        "field-account": "12",
    }
    details, checked = schema_form.read(fields, form, {})
    assert {e.field for e in checked.errors} == {
        "field-items",
        "field-pest",
        "field-rooms",
        "field-since",
        "field-account",
    }
    assert "rooms" not in details


def test_a_choice_reads_as_the_catalogues_words_for_it() -> None:
    schema = {
        "type": "object",
        "properties": {
            "pest": {
                "type": "string",
                "enum": ["rats", "bedbugs"],
                "x-choices": {"rats": "Llygod mawr"},
            }
        },
    }
    [pest] = schema_form.fields(schema)
    assert pest.options == (("rats", "Llygod mawr"), ("bedbugs", "Bedbugs"))
