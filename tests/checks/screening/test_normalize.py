from checks.screening.normalize import TokenClass, fold, key_tokens, tokenize


def words(text: str, person: bool = False) -> list[str]:
    return [t.text for t in key_tokens(tokenize(text, person=person))]


def classes(text: str) -> dict[str, str]:
    return {t.text: t.cls.value for t in tokenize(text)}


def test_fold_scripts_case_punctuation():
    assert fold("Société Générale") == "societe generale"
    assert fold("ООО Ромашка") == "ooo romashka"
    assert fold("MINISTRY OF PEOPLE'S SECURITY") == "ministry of peoples security"
    assert fold("S.A. de C.V.") == "sa de cv"
    assert fold("FOCUS MEDIA SAR.L.") == "focus media sarl"
    assert fold("ＡＣＭＥ　Trading") == "acme trading"  # full-width
    assert fold("习近平") == "xijinping"


def test_legal_forms_in_many_languages_are_ignored():
    assert words("ANGLO-CARIBBEAN CO., LTD.") == ["anglo", "caribbean"]
    assert words("EVENTOS LA MORA, S.A. DE C.V.") == ["eventos", "la", "mora"]
    assert words("LIMITED LIABILITY COMPANY SOVREMENNYE TEKHNOLOGII") == ["sovremennye", "tekhnologii"]
    assert words("ООО Ромашка") == ["romashka"]
    assert words("北京中关村科技有限公司") == ["beijing", "zhongguancun", "technology"]  # pinyin + company words
    assert words("GQ SOLUTION ELEKTRONIK LIMITED SIRKETI") == ["gq", "solution", "elektronik"]
    assert words("EDGAR SOLUTIONS Free Zone Establishment") == ["edgar", "solutions"]
    assert words("Müller GmbH & Co. KG") == ["muller"]  # "GmbH & Co. KG" is one form (rigour)


def test_ambiguous_legal_forms_only_at_the_edges():
    assert words("AO SEVERNYI PRESS") == ["severnyi", "press"]
    assert words("ML BILD EAD International") == ["ml", "bild", "international"]
    assert words("Ao Wei", person=True) == ["ao", "wei"]  # a surname in a person's name
    assert words("BANCO SA ESTE") == ["banco", "sa", "este"]  # "SA" inside a name is kept


def test_abbreviations_expand_for_companies_not_persons():
    assert words("ACME Intl Mfg Corp") == ["acme", "international", "manufacturing"]
    assert words("CO, Li", person=True) == ["co", "li"]


def test_word_classes():
    found = classes("Golden Star Trading Shipping Company of Iran")
    assert found["trading"] == TokenClass.GENERIC.value
    assert found["shipping"] == TokenClass.SECTOR.value
    assert found["iran"] == TokenClass.GENERIC.value
    assert found["of"] == TokenClass.STOP.value
    assert found["company"] == TokenClass.LEGAL.value
    assert classes("Dr. Adib SHABAN")["dr"] == TokenClass.TITLE.value


def test_run_together_words_and_legal_typos_with_a_vocabulary():
    vocab = {"khouzestan", "petrochemical", "legion", "baktash", "fattahi"}
    from checks.screening.index import Index
    from checks.watchlists.model import Entity, EntityType, Name

    index = Index.build([Entity("us_csl", "1", EntityType.ORGANIZATION, [Name(" ".join(sorted(vocab)))])])
    cut = tokenize("KHOUZESTAN PETROCHEMICALCOMPANY", unknown=index.unknown, splitter=index.word_break)
    assert [t.text for t in key_tokens(cut)] == ["khouzestan", "petrochemical"]
    typo = tokenize("SYRIAN GAS COMPAYN", unknown=index.unknown, splitter=index.word_break)
    assert [t.text for t in key_tokens(typo)] == ["syrian", "gas"]
