"""The built-in English -> French grammar: deterministic, unambiguous, short, and right."""
import collections
import random

import pytest

from seq2seq import builtin_corpus
from seq2seq.builtin_corpus import MAX_TOKENS, generate_pairs, sample_pair

pytestmark = pytest.mark.numpy_only


@pytest.fixture(scope="module")
def corpus():
    return generate_pairs(6000, seed=0)


def test_deterministic_and_seeded(corpus):
    assert generate_pairs(6000, seed=0) == corpus
    other = generate_pairs(6000, seed=1)
    assert other != corpus
    assert generate_pairs(100, seed=0) == corpus[:100]     # a prefix of the same stream


def test_distinct_sources_and_lengths_fit_num_steps_10(corpus):
    assert len({tuple(e) for e, _ in corpus}) == len(corpus) == 6000
    assert all(1 <= len(e) <= MAX_TOKENS and 1 <= len(f) <= MAX_TOKENS for e, f in corpus)
    assert MAX_TOKENS + 1 <= 10                                  # + <eos> fits num_steps 10
    assert all(e[-1] == "." and f[-1] == "." for e, f in corpus)


def test_one_translation_per_english_sentence():
    # Raw draws repeat sentences; every repeat must come with the same French.
    rng, translations, repeats = random.Random(5), {}, 0
    for _ in range(30000):
        english, french = sample_pair(rng)
        previous = translations.setdefault(tuple(english), french)
        assert previous == french, (english, previous, french)
        repeats += previous is not french
    assert repeats > 1000                                        # the check had something to check


def test_vocabulary_is_modest(corpus):
    english = {t for e, _ in corpus for t in e}
    french = {t for _, f in corpus for t in f}
    assert 60 <= len(english) <= 150 and 60 <= len(french) <= 150
    assert all(t == t.lower() and " " not in t and t for t in english | french)


# Hand-checked translations, one per rule, all drawn by generate_pairs(6000, seed=0).
HAND_CHECKED = [
    ("they find their red car .", "ils trouvent leur voiture rouge ."),        # colour after noun
    ("she does not want her big red flower .",
     "elle ne veut pas sa grande fleur rouge ."),                              # ne ... pas; both
    ("i have my horse .", "j'ai mon cheval ."),                                # elision je -> j'
    ("i do not have their hats .", "je n'ai pas leurs chapeaux ."),            # ne -> n'
    ("she finds some big cups .", "elle trouve de grandes tasses ."),          # des -> de
    ("her dog watches her new hat .", "son chien regarde son nouveau chapeau ."),  # her -> son
    ("our horse watches his black car .", "notre cheval regarde sa voiture noire ."),  # his -> sa
    ("some houses are not white .", "des maisons ne sont pas blanches ."),     # fem. plural
    ("they are big .", "ils sont grands ."),                                   # copula agreement
    ("a house is not new .", "une maison n'est pas nouvelle ."),               # n'est; nouvelle
    ("our horses look for our new white cups .",
     "nos chevaux cherchent nos nouvelles tasses blanches ."),      # look for -> cherchent
]


@pytest.mark.parametrize("english, french", HAND_CHECKED)
def test_hand_checked_translations(corpus, english, french):
    translations = {" ".join(e): " ".join(f) for e, f in corpus}
    assert translations[english] == french


def test_colour_follows_the_noun_and_size_precedes_it(corpus):
    # For every English "... ADJ NOUN", the French noun is right before its colour and right
    # after its size adjective, in the form that agrees with the noun.
    colours = dict(builtin_corpus.COLOURS)
    sizes = dict(builtin_corpus.PRE_NOUN)
    nouns = {n.english: n for n in builtin_corpus.NOUNS}
    nouns.update({n.english_plural: n for n in builtin_corpus.NOUNS})
    checked = collections.Counter()
    for english, french in corpus:
        for i, word in enumerate(english):
            if word not in nouns:
                continue
            noun = nouns[word]
            plural = word == noun.english_plural
            french_noun = noun.french_plural if plural else noun.french
            form = (noun.gender == "f") + 2 * plural
            occurrence = english[:i].count(word)      # "the cats see my cats": which one
            j = [k for k, t in enumerate(french) if t == french_noun][occurrence]
            if english[i - 1] in colours:
                assert french[j + 1] == colours[english[i - 1]][form], (english, french)
                checked["colour"] += 1
            size = english[i - 2] if english[i - 1] in colours else english[i - 1]
            if size in sizes:
                assert french[j - 1] == sizes[size][form], (english, french)
                checked["size"] += 1
    assert checked["colour"] > 500 and checked["size"] > 500


def test_negation(corpus):
    # ne ... pas around the verb, and no "a"/"some" object (French would need "pas de").
    negated = [(e, f) for e, f in corpus if "not" in e]
    assert len(negated) > 1000
    for english, french in negated:
        assert not {"a", "some"} & set(english[english.index("not"):]), english
        assert french.count("pas") == 1
        assert french[french.index("pas") - 2] == "ne" or "n'" in french[french.index("pas") - 1]
