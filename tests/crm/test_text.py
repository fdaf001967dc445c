"""Company-name normalisation: spelling variants coincide, different companies do not."""

import pytest

from crm.text import normalize_company_name


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("虎林市 绿都米业（集团）有限公司", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业集团", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业股份有限公司", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业有限责任公司", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业集团有限公司", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业集团股份有限公司", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业(集团)有限公司", "虎林市绿都米业有限公司"),
        ("虎林市·绿都米业有限公司", "虎林市绿都米业有限公司"),
        ("虎林市绿都米业有限公司。", "虎林市绿都米业有限公司"),
        ("  虎林市　绿都米业  有限公司 ", "虎林市绿都米业有限公司"),
    ],
)
def test_chinese_spelling_variants_share_one_key(variant, canonical):
    assert normalize_company_name(variant) == normalize_company_name(canonical)


def test_key_drops_the_suffix_and_spaces():
    assert normalize_company_name("虎林市 绿都米业（集团）有限公司") == "虎林市绿都米业"


def test_full_width_letters_and_digits_fold_to_half_width():
    assert normalize_company_name("ＡＢＣ１２３米业有限公司") == normalize_company_name(
        "abc123米业有限公司"
    )


@pytest.mark.parametrize(
    "variant",
    [
        "Hulin Rice Co., Ltd.",
        "HULIN RICE CO.,LTD",
        "Hulin Rice Co. Ltd.",
        "Hulin Rice Co.Ltd",
        "Hulin Rice Company Limited",
        "Hulin Rice Ltd.",
        "Hulin Rice Inc.",
        "Hulin Rice Corporation",
        "Hulin Rice Corp.",
        "Ｈｕｌｉｎ　Ｒｉｃｅ　Ｃｏ．，Ｌｔｄ．",
    ],
)
def test_english_legal_forms_are_dropped(variant):
    assert normalize_company_name(variant) == "hulinrice"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("虎林市绿都米业有限公司", "虎林市绿都药业有限公司"),
        ("绿都米业（虎林）有限公司", "绿都米业（密山）有限公司"),
        ("虎林市绿都米业有限公司", "虎林市绿都米业哈尔滨分公司"),
        ("黑龙江珍宝岛药业股份有限公司", "黑龙江珍宝岛乳业股份有限公司"),
        ("华为技术有限公司", "华为投资控股有限公司"),
        ("虎林一号米业有限公司", "虎林二号米业有限公司"),
        ("Zinc Ltd", "Z Corp"),
        ("Sky Unlimited", "Sky Un Limited Inc"),
        ("Hulin Rico Ltd", "Hulin Ri Co., Ltd."),
    ],
)
def test_distinct_companies_are_not_merged(first, second):
    assert normalize_company_name(first) != normalize_company_name(second)


def test_english_suffix_inside_a_word_is_kept():
    assert normalize_company_name("Zinc Ltd") == "zinc"
    assert normalize_company_name("Sky Unlimited") == "skyunlimited"


def test_a_name_that_is_only_a_suffix_keeps_a_key():
    assert normalize_company_name("集团有限公司") != ""
    assert normalize_company_name("Limited") == "limited"


@pytest.mark.parametrize("empty", ["", "   ", "（）", None])
def test_empty_names_give_an_empty_key(empty):
    assert normalize_company_name(empty) == ""
