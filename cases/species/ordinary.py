"""Ordinary words: the words of adverts that must never be read as a species on their own.

Adverts are mostly ordinary words ("selling", "grey", "south", "feather", "approx") and the checklist has
85,000 names, so with typo tolerance some ordinary word is always one or two edits away from some genus or common
name. A word listed here therefore never matches a species by approximation, nor alone, unless it is a
scientific name written exactly (``Boa``, ``Python``): a species needs more evidence than an everyday word.

Two sources, both folded like names (``normalise_name``):

* a small built-in list of everyday English, French and Spanish words of advert texts (trade words, colours,
  ages, directions), written unstemmed;
* ``ordinary_words.txt``: the words found in at least ``FREQUENT_IN`` of the 16,509 real bird adverts of
  Stringham et al. (2021), ``frequent_words`` below; those texts are stemmed, so the list holds stems such as
  "readi" as well as whole words such as "feather". A test rebuilds it from the adverts when they are present.
  Some are names ("galah", "cockatiel", "tiger", "pine"): alone, in an advert, they are as often a breed, a
  colour mutation or a material as the taxon, so they too need a second word or the scientific name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from cases.species.normalise import normalise_name

ADVERT_WORDS = Path(__file__).resolve().parent.parent / "fixtures" / "ordinary_words.txt"
#: In how many adverts (of 16,509) a word must occur to count as ordinary: about one in a thousand.
FREQUENT_IN = 17

_BUILT_IN = """
a an the and or but of to in on at by for from with without my your his her our their this that these those
is are was be been have has had do does will can sell selling sale sold buy buying wanted want offer offers
new old young baby babies adult male female males females pair pairs boy girl cock hen juvenile month months
week weeks year years day days old approx approximately about around price cheap free delivery pickup pick up
contact call text phone message email please only very good nice beautiful lovely healthy tame friendly
hand raised handraised bred breeding breeder ready home cage aviary box food seed seeds toys toy stand
north south east west central grey gray red blue green yellow black white brown orange pink purple gold golden
silver royal king queen common great little small large big giant long short crested feather feathers
wing wings tail head eye eyes neck back ring rings papers paper certificate permit legal genuine real
carved carving skin skins leather bone bones tooth teeth horn horns shell scales oil powder medicine
le la les un une des du de d l au aux et ou en pour par avec sans sur dans mon ma mes ton ta tes son sa ses
vends vend vendre vente achat achete cherche recherche jeune jeunes male mâle femelle couple mois an ans
semaine semaines jour jours prix bon bonne beau belle tres très petit petite grand grande gris grise rouge
bleu bleue vert verte jaune noir noire blanc blanche brun royal royale nord sud est ouest papier papiers
certificat cites livraison envoi possible urgent elevage éleveur oiseau oiseaux plume plumes peau os corne
el los las unos unas y o con sin por para del al mi mis tu tus su sus se vende vendo venta compro busco
joven jovenes macho hembra pareja mes meses ano anos semana semanas dia dias precio barato bueno buena
bonito bonita muy pequeno pequena grande gris rojo roja azul verde amarillo negro negra blanco blanca
real norte sur este oeste papel papeles certificado envio pajaro pajaros ave aves pluma plumas piel hueso
cuerno
"""


def frequent_words(texts: Iterable[str], min_documents: int = FREQUENT_IN) -> list[str]:
    """The folded words occurring in at least ``min_documents`` of ``texts``, sorted: how the file was made."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(normalise_name(text).split()))
    return sorted(word for word, count in counts.items() if count >= min_documents and not word.isdigit())


@cache
def ordinary_words() -> frozenset[str]:
    """The built-in words and the frequent advert words, folded; read once per process."""
    built_in = {word for line in _BUILT_IN.split() for word in normalise_name(line).split()}
    from_adverts = ADVERT_WORDS.read_text(encoding="utf-8").split()
    return frozenset(built_in.union(from_adverts))
