"""Very common words of English and Khmer: the words a phrase index pairs with its neighbours.

A phrase of common words ("living with HIV", "នៅ ក្នុង ភូមិ") is slow to check from word
positions: every document holds the words, so each one's positions must be read. The search
index therefore also stores the word pairs that contain one of these words (Lucene calls the
technique "common grams"), and such a phrase is answered from the pairs alone. Pairs of two
rarer words are not stored: their position lists are short anyway.

Function words only (pronouns, particles, prepositions, auxiliaries, conjunctions, classifiers,
negation), never content words: a list tuned to one archive's topics would age badly. The
words are normalised like indexed text (archive.text.normalize) where they are used.
Changing the list changes the index: bump analysis.ANALYSIS_VERSION.
"""

_ENGLISH = """
    a about after all also am an and any are as at be been before being but by can could did
    do does doing down during each even every for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours out over own same she should
    so some such than that the their theirs them then there these they this those through to
    too under until up us very was we were what when where which while who whom why will with
    would you your yours s t don didn doesn isn wasn weren won wouldn couldn
    """

_KHMER = """
    ខ្ញុំ យើង គាត់ គេ នាង វា ពួកគេ ពួកយើង អ្នក ខ្លួន លោក បង ប្អូន
    ដែល របស់ នៅ ហើយ បាន ថា មិន មាន និង ទេ ពី ទៅ មក ឲ្យ អោយ ជា ពេល ដោយ សម្រាប់ នេះ នោះ
    ទៀត តាម ត្រូវ ជាមួយ ក្នុង នៅក្នុង ប៉ុន្តែ តែ ក៏ នឹង កំពុង ធ្លាប់ គឺ ឬ ហ្នឹង ណា អ្វី ផង ដែរ
    ទាំង ដល់ ចំពោះ នូវ ពេលដែល ព្រោះ ដោយសារ បើ ទោះ ម្នាក់ មួយ ការ សេចក្តី ៗ
    """

ENGLISH = frozenset(_ENGLISH.split())
KHMER = frozenset(_KHMER.split())
COMMON_WORDS = ENGLISH | KHMER
