"""A built-in English -> French corpus, generated from a small phrase grammar (no download).

It exists so that a learner can train the attention model in a couple of minutes on a CPU and
see what attention does. The grammar is regular (every English sentence has exactly one French
translation), the vocabulary is small, and the sentences are short (at most 9 tokens with the
final ``.``, so ``num_steps = 10`` holds them with ``<eos>``). French word order differs from
English in ways that make the attention heatmaps cross:

- colour adjectives follow the noun:        ``the red car``     -> ``la voiture rouge``
- size/quality adjectives precede it:       ``the big red car`` -> ``la grande voiture rouge``
- negation wraps the verb:                  ``i do not see``    -> ``je ne vois pas``
- two English words can be one French word: ``look for``        -> ``cherche``,
  ``i have`` -> ``j'ai`` (elision, kept as one token the way d2l's tokenizer keeps it).

French also agrees where English does not: articles and adjectives take the noun's gender and
number (``le/la/les``, ``un/une``, ``vert/verte/verts/vertes``), verbs take the subject's person
(``je regarde, tu regardes, nous regardons``), possessives agree with the thing owned (``his
car`` and ``her car`` are both ``sa voiture``), and ``some`` before a pre-noun adjective is
``de`` (``some big cars`` -> ``de grandes voitures``).

To keep one translation per sentence, English ``you`` is always ``tu`` and ``you all`` is
``vous``; ``they`` is ``ils`` (English cannot mark ``elles``); negated sentences take no ``a``
or ``some`` object (French would switch to ``pas de``). Colours describe animals and things,
not people. The corpus is a toy: grammatical, not always sensible ("the cow wants a dress").
"""
import collections
import itertools
import random

MAX_TOKENS = 9   # per side, final "." included

Noun = collections.namedtuple("Noun", "english english_plural french french_plural gender kind")

# Every French noun starts with a consonant, so articles never elide (no "l'").
NOUNS = [
    Noun("boy", "boys", "garçon", "garçons", "m", "person"),
    Noun("girl", "girls", "fille", "filles", "f", "person"),
    Noun("cat", "cats", "chat", "chats", "m", "animal"),
    Noun("dog", "dogs", "chien", "chiens", "m", "animal"),
    Noun("horse", "horses", "cheval", "chevaux", "m", "animal"),
    Noun("cow", "cows", "vache", "vaches", "f", "animal"),
    Noun("book", "books", "livre", "livres", "m", "thing"),
    Noun("bike", "bikes", "vélo", "vélos", "m", "thing"),
    Noun("hat", "hats", "chapeau", "chapeaux", "m", "thing"),
    Noun("car", "cars", "voiture", "voitures", "f", "thing"),
    Noun("house", "houses", "maison", "maisons", "f", "thing"),
    Noun("flower", "flowers", "fleur", "fleurs", "f", "thing"),
    Noun("dress", "dresses", "robe", "robes", "f", "thing"),
    Noun("cup", "cups", "tasse", "tasses", "f", "thing"),
]
# The noun subjects of transitive verbs: people and animals ("the girl washes the car").
ANIMATE_NOUNS = [noun for noun in NOUNS if noun.kind != "thing"]

# English; French forms for (masc. sing., fem. sing., masc. plur., fem. plur.).
# Colours go after the French noun; the others before it (and before colours in English).
COLOURS = [
    ("red", ("rouge", "rouge", "rouges", "rouges")),
    ("green", ("vert", "verte", "verts", "vertes")),
    ("black", ("noir", "noire", "noirs", "noires")),
    ("white", ("blanc", "blanche", "blancs", "blanches")),
    ("blue", ("bleu", "bleue", "bleus", "bleues")),
]
PRE_NOUN = [
    ("big", ("grand", "grande", "grands", "grandes")),
    ("small", ("petit", "petite", "petits", "petites")),
    ("good", ("bon", "bonne", "bons", "bonnes")),
    ("new", ("nouveau", "nouvelle", "nouveaux", "nouvelles")),
]

# English determiner -> French form for "m" / "f" (singular) and "pl"; a missing key means the
# determiner does not take that number ("a" is singular only, "some" plural only).
DETERMINERS = {
    "the": {"m": "le", "f": "la", "pl": "les"},
    "a": {"m": "un", "f": "une"},
    "some": {"pl": "des"},
    "my": {"m": "mon", "f": "ma", "pl": "mes"},
    "his": {"m": "son", "f": "sa", "pl": "ses"},
    "her": {"m": "son", "f": "sa", "pl": "ses"},
    "our": {"m": "notre", "f": "notre", "pl": "nos"},
    "their": {"m": "leur", "f": "leur", "pl": "leurs"},
}

# Subject pronouns: English, French, person (index into a verb's six forms below).
PRONOUNS = [
    (["i"], "je", 0), (["you"], "tu", 1), (["he"], "il", 2), (["she"], "elle", 2),
    (["we"], "nous", 3), (["you", "all"], "vous", 4), (["they"], "ils", 5),
]
THIRD_SINGULAR, THIRD_PLURAL = 2, 5


def _regular_er(stem):
    """Present tense of a regular -er verb: je, tu, il/elle, nous, vous, ils."""
    return [stem + ending for ending in ("e", "es", "e", "ons", "ez", "ent")]


# English base form, English third-person singular, French present tense (six persons).
VERBS = [
    (["see"], ["sees"], ["vois", "vois", "voit", "voyons", "voyez", "voient"]),
    (["take"], ["takes"], ["prends", "prends", "prend", "prenons", "prenez", "prennent"]),
    (["want"], ["wants"], ["veux", "veux", "veut", "voulons", "voulez", "veulent"]),
    (["have"], ["has"], ["ai", "as", "a", "avons", "avez", "ont"]),
    (["watch"], ["watches"], _regular_er("regard")),
    (["look", "for"], ["looks", "for"], _regular_er("cherch")),
    (["find"], ["finds"], _regular_er("trouv")),
    (["carry"], ["carries"], _regular_er("port")),
    (["wash"], ["washes"], _regular_er("lav")),
]


def generate_pairs(num_pairs, seed=0):
    """``num_pairs`` distinct (English tokens, French tokens) pairs, the same for the same seed.

    Sentences are drawn from the grammar with ``random.Random(seed)``; a draw longer than
    ``MAX_TOKENS`` on either side, or whose English was already drawn, is skipped.
    """
    rng = random.Random(seed)
    seen, pairs = set(), []
    for attempt in itertools.count(1):
        if len(pairs) == num_pairs:
            return pairs
        if attempt > 20 * num_pairs + 1000:   # the grammar has ~10^6 sentences; never hang
            raise ValueError(f"generate_pairs: could not draw {num_pairs} distinct sentences "
                             f"of at most {MAX_TOKENS} tokens (got {len(pairs)})")
        english, french = sample_pair(rng)
        if len(english) > MAX_TOKENS or len(french) > MAX_TOKENS or tuple(english) in seen:
            continue
        seen.add(tuple(english))
        pairs.append((english, french))


def sample_pair(rng):
    """One random sentence pair: a transitive clause (70%) or ``X is/are ADJ`` (30%)."""
    negated = rng.random() < 0.3
    if rng.random() < 0.7:
        return _transitive(rng, negated)
    return _copula(rng, negated)


def _transitive(rng, negated):
    """``SUBJECT VERB OBJECT .``, e.g. ``the girl washes the small white dog .``."""
    if rng.random() < 0.6:
        subj_en, subj_fr, person = rng.choice(PRONOUNS)
        subj_fr = [subj_fr]
    else:
        subj_en, subj_fr, _, number = _noun_phrase(rng, ANIMATE_NOUNS, adjectives=False)
        person = THIRD_PLURAL if number == "pl" else THIRD_SINGULAR
    verb_base, verb_3sg, verb_fr = rng.choice(VERBS)
    # After a negation French turns un/une/des into "de" ("je ne vois pas de voiture"); the
    # grammar leaves that rule out by keeping "a" and "some" out of negated objects.
    determiners = ["the", "my", "his", "her", "our", "their"] if negated else list(DETERMINERS)
    obj_en, obj_fr, _, _ = _noun_phrase(rng, NOUNS, adjectives=True, determiners=determiners)
    if negated:   # English: do/does not + base form; French: ne + verb + pas
        aux = "does" if person == THIRD_SINGULAR else "do"
        english = subj_en + [aux, "not"] + verb_base
        french = subj_fr + _elide("ne", verb_fr[person]) + ["pas"]
    else:
        english = subj_en + (verb_3sg if person == THIRD_SINGULAR else verb_base)
        french = subj_fr[:-1] + _elide(subj_fr[-1], verb_fr[person])
    return english + obj_en + ["."], french + obj_fr + ["."]


def _copula(rng, negated):
    """``SUBJECT is/are [not] ADJECTIVE .``; the French adjective agrees with the subject."""
    if rng.random() < 0.4:   # only pronouns whose French gender English makes clear
        subj_en, subj_fr, gender, number = rng.choice([
            (["he"], ["il"], "m", "sg"), (["she"], ["elle"], "f", "sg"),
            (["they"], ["ils"], "m", "pl")])
        adjectives = PRE_NOUN          # people are big or good, not green
    else:
        noun = rng.choice(NOUNS)
        subj_en, subj_fr, gender, number = _noun_phrase(rng, [noun], adjectives=False)
        adjectives = PRE_NOUN if noun.kind == "person" else COLOURS + PRE_NOUN
    adj_en, adj_fr = rng.choice(adjectives)
    verb_en, verb_fr = ("are", "sont") if number == "pl" else ("is", "est")
    if negated:
        english = subj_en + [verb_en, "not", adj_en]
        french = subj_fr + _elide("ne", verb_fr) + ["pas"]
    else:
        english = subj_en + [verb_en, adj_en]
        french = subj_fr + [verb_fr]
    return english + ["."], french + [_agree(adj_fr, gender, number), "."]


def _noun_phrase(rng, nouns, adjectives, determiners=tuple(DETERMINERS)):
    """(English tokens, French tokens, gender, number) of e.g. ``the big red car``.

    With ``adjectives``, a size/quality adjective and a colour (not for people) may each be
    added: English puts both before the noun, French the colour after it.
    """
    noun = rng.choice(nouns)
    number = "pl" if rng.random() < 0.5 else "sg"
    key = "pl" if number == "pl" else noun.gender
    determiner = rng.choice([d for d in determiners if key in DETERMINERS[d]])
    pre = rng.choice(PRE_NOUN) if adjectives and rng.random() < 0.35 else None
    colour = (rng.choice(COLOURS) if adjectives and noun.kind != "person"
              and rng.random() < 0.35 else None)

    english, french = [determiner], [DETERMINERS[determiner][key]]
    if determiner == "some" and pre is not None:
        french = ["de"]   # des + plural adjective before the noun -> de: "de grandes voitures"
    for adjective in (pre, colour):
        if adjective is not None:
            english.append(adjective[0])
    english.append(noun.english_plural if number == "pl" else noun.english)
    if pre is not None:
        french.append(_agree(pre[1], noun.gender, number))
    french.append(noun.french_plural if number == "pl" else noun.french)
    if colour is not None:
        french.append(_agree(colour[1], noun.gender, number))
    return english, french, noun.gender, number


def _agree(forms, gender, number):
    """The adjective form for a noun of this gender and number."""
    return forms[(gender == "f") + 2 * (number == "pl")]


def _elide(word, next_word):
    """``je``/``ne`` before a vowel lose their ``e`` and join the next word: ``j'ai``, ``n'est``."""
    if word in ("je", "ne") and next_word[0] in "aeiou":
        return [word[:-1] + "'" + next_word]
    return [word, next_word]
