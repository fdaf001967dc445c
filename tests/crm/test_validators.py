"""The 统一社会信用代码 validator (GB 32100-2015): real codes pass, corrupted ones are refused."""

import pytest
from django.core.exceptions import ValidationError

from crm.validators import (
    CREDIT_CODE_CHARSET,
    credit_code_check_character,
    is_valid_credit_code,
    normalize_credit_code,
    validate_credit_code,
)
from tests.factories import make_credit_code

# Published codes of real enterprises.
REAL_CODES = (
    "91350100M000100Y43",
    "91110000600037341L",
    "91310000775785552L",
    "914403001922038216",
)


def refusal(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    return caught.value


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_valid(code):
    validate_credit_code(code)
    assert is_valid_credit_code(code)


@pytest.mark.parametrize("code", REAL_CODES)
def test_check_character_of_real_codes_is_computed(code):
    assert credit_code_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CODES)
def test_wrong_check_character_is_refused_in_chinese(code):
    wrong = next(char for char in CREDIT_CODE_CHARSET if char != code[17])
    error = refusal(code[:17] + wrong)
    assert error.code == "credit_code_check"
    assert "校验位不正确" in error.messages[0]


def test_one_changed_body_character_is_refused():
    code = "91110000600037341L"
    corrupted = code[:10] + ("1" if code[10] != "1" else "2") + code[11:]
    assert refusal(corrupted).code == "credit_code_check"


def test_swapped_neighbouring_characters_are_refused():
    code = "91310000775785552L"
    swapped = code[:9] + code[10] + code[9] + code[11:]
    assert swapped != code
    assert not is_valid_credit_code(swapped)


@pytest.mark.parametrize(
    ("value", "length"),
    [("91110000600037341", 17), ("91110000600037341LL", 19), ("", 0), ("9111", 4)],
)
def test_wrong_length_is_refused_naming_the_length(value, length):
    error = refusal(value)
    assert error.code == "credit_code_length"
    assert error.messages == [f"统一社会信用代码应为 18 位，当前为 {length} 位。"]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letters_are_refused_by_name(letter):
    code = "91110000600037341" + letter
    error = refusal(code)
    assert error.code == "credit_code_charset"
    assert letter in error.messages[0]
    assert "不使用 I、O、Z、S、V" in error.messages[0]


def test_punctuation_is_refused_as_a_forbidden_character():
    assert refusal("91110000-60003734L").code == "credit_code_charset"


def test_letters_in_the_region_code_are_refused():
    # Positions 3–8 are the administrative division: digits only.
    first17 = "9111A000600037341"
    error = refusal(first17 + credit_code_check_character(first17))
    assert error.code == "credit_code_region"
    assert "行政区划代码" in error.messages[0]


def test_lower_case_input_is_normalised_and_accepted():
    assert normalize_credit_code("91350100m000100y43") == "91350100M000100Y43"
    validate_credit_code("91350100m000100y43")


def test_full_width_input_is_normalised_and_accepted():
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in "91350100M000100Y43")
    assert normalize_credit_code(full_width) == "91350100M000100Y43"
    validate_credit_code(full_width)


def test_spaces_and_ideographic_spaces_are_dropped():
    assert normalize_credit_code(" 9135 0100\u3000M000100Y43 ") == "91350100M000100Y43"
    assert is_valid_credit_code(" 9135 0100\u3000M000100Y43 ")


def test_full_width_lower_case_with_wrong_check_is_still_refused():
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in "91350100m000100y44")
    assert refusal(full_width).code == "credit_code_check"


@pytest.mark.parametrize("serial", [0, 1, 2, 30, 31, 961, 12_345, 999_999, 31**9 - 1])
def test_factory_codes_are_valid(serial):
    assert is_valid_credit_code(make_credit_code(serial))


def test_factory_codes_are_valid_and_distinct_over_many_serials():
    codes = [make_credit_code(serial * 7919) for serial in range(2_000)]
    assert all(is_valid_credit_code(code) for code in codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("code", [*REAL_CODES, make_credit_code(42), make_credit_code(77_777)])
def test_every_single_character_substitution_is_refused(code):
    for position in range(18):
        for char in CREDIT_CODE_CHARSET:
            if char == code[position]:
                continue
            corrupted = code[:position] + char + code[position + 1 :]
            assert not is_valid_credit_code(corrupted), (position, char, corrupted)
