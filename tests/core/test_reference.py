import re

from core.tickets.reference import ALPHABET, new_reference, normalise_reference

SHAPE = re.compile(rf"^[{ALPHABET}]{{3}}-[{ALPHABET}]{{4}}$")


def test_references_have_the_readable_shape_and_validate() -> None:
    for _ in range(500):
        reference = new_reference()
        assert SHAPE.match(reference), reference
        assert normalise_reference(reference) == reference


def test_references_are_random_not_sequential() -> None:
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000


def test_typed_variants_are_normalised() -> None:
    reference = new_reference()
    typed = reference.lower().replace("-", " ")
    assert normalise_reference(typed) == reference
    assert normalise_reference(f"  {reference.replace('-', '')}  ") == reference


def test_every_single_character_typo_is_caught() -> None:
    reference = new_reference().replace("-", "")
    for position in range(len(reference)):
        for replacement in ALPHABET:
            if replacement == reference[position]:
                continue
            typo = reference[:position] + replacement + reference[position + 1 :]
            assert normalise_reference(typo) is None, typo


def test_garbage_is_refused() -> None:
    for text in ("", "hello", "ABC-DEF", "ABC-DEFGH", "AB!-DEFG", "🙂🙂🙂-🙂🙂🙂🙂"):
        assert normalise_reference(text) is None
