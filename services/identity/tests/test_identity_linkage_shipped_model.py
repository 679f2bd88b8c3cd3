"""The default model ships with identity, so that no process trains it at start. It
fits only the comparisons it was trained with: a change to them must come with a new
file (`python -m townhall.identity.adapters.model_store`), or every identity process
would spend its first seconds training again."""

from townhall.identity.adapters import model_store


def test_the_shipped_default_model_fits_todays_comparisons() -> None:
    assert model_store.shipped_default() is not None, (
        "default_linkage_model.json predates a change to linkage/comparisons.py: "
        "run `python -m townhall.identity.adapters.model_store` and commit the file"
    )
