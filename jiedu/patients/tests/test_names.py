from jiedu.patients import names


def test_pinyin_of_a_name():
    assert names.name_pinyin("张三丰") == "zhang san feng"


def test_surname_reading_wins_over_the_common_reading():
    assert names.name_pinyin("曾小贤") == "zeng xiao xian"
    assert names.name_pinyin("单田芳") == "shan tian fang"


def test_search_keys_cover_initials_full_pinyin_and_every_reading():
    assert names.search_keys("张三丰") == {"zsf", "zhangsanfeng"}
    assert {"zxx", "cxx", "zengxiaoxian", "cengxiaoxian"} <= names.search_keys("曾小贤")


def test_no_cjk_no_keys():
    assert names.search_keys("John") == set()
