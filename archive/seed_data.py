"""Reference data seeded into a new archive: vocabularies, organisations, content languages.

The slugs and English labels follow the project glossary (shared/GLOSSARY.md) in its order.

Why the Khmer labels are drafts: they were written carefully, using the terms Cambodian NGOs
commonly use, but not yet by the Khmer-speaking staff who own them. The seed marks every Khmer
vocabulary label as a draft (the app shows a draft marker) until staff confirm or correct it in
the admin pages.

Why some names are empty: the official Khmer names of the organisations must come from the
organisations themselves, and the English and Khmer names and autonyms of the indigenous
languages must come from CIPL staff and their communities. Nothing here invents them; the
English names of the indigenous languages are the ones in the glossary.
"""

from typing import Any

VOCABULARIES: dict[str, list[dict[str, Any]]] = {
    "identity_group": [
        {
            "slug": "plhiv",
            "label_en": "People living with HIV",
            "label_km": "អ្នករស់នៅជាមួយមេរោគអេដស៍",
        },
        {
            "slug": "disability",
            "label_en": "People with disabilities",
            "label_km": "ជនមានពិការភាព",
        },
        {
            "slug": "indigenous",
            "label_en": "Indigenous peoples",
            "label_km": "ជនជាតិដើមភាគតិច",
        },
        {
            "slug": "elderly",
            "label_en": "Older people",
            "label_km": "មនុស្សចាស់",
        },
        {
            "slug": "youth",
            "label_en": "Young people",
            "label_km": "យុវជន",
        },
        {
            "slug": "lgbtqi",
            "label_en": "LGBTQI people",
            "label_km": "មនុស្ស LGBTQI",
        },
        {
            "slug": "violence",
            "label_en": "Women facing abuse or violence",
            "label_km": "ស្ត្រីដែលរងការរំលោភបំពាន ឬអំពើហិង្សា",
        },
    ],
    "discrimination_type": [
        {
            "slug": "employment",
            "label_en": "Employment",
            "label_km": "ការងារ",
        },
        {
            "slug": "healthcare",
            "label_en": "Health care services",
            "label_km": "សេវាថែទាំសុខភាព",
        },
        {
            "slug": "education",
            "label_en": "Education",
            "label_km": "ការអប់រំ",
        },
        {
            "slug": "self",
            "label_en": "Self-discrimination (internalised stigma)",
            "label_km": "ការរើសអើងខ្លួនឯង (ការមាក់ងាយខ្លួនឯង)",
        },
        {
            "slug": "identity",
            "label_en": "Identity-based discrimination",
            "label_km": "ការរើសអើងផ្អែកលើអត្តសញ្ញាណ",
        },
    ],
    "setting": [
        {
            "slug": "public-space",
            "label_en": "Public spaces",
            "label_km": "ទីសាធារណៈ",
        },
        {
            "slug": "work",
            "label_en": "Work",
            "label_km": "កន្លែងធ្វើការ",
        },
        {
            "slug": "school",
            "label_en": "School",
            "label_km": "សាលារៀន",
        },
        {
            "slug": "family",
            "label_en": "Family and relatives",
            "label_km": "គ្រួសារ និងសាច់ញាតិ",
        },
        {
            "slug": "health-facility",
            "label_en": "Health facility",
            "label_km": "មូលដ្ឋានសុខាភិបាល",
        },
        {
            "slug": "authorities",
            "label_en": "Local authorities",
            "label_km": "អាជ្ញាធរមូលដ្ឋាន",
        },
    ],
    "need": [
        {
            "slug": "equal-rights",
            "label_en": "Equal rights and an end to discrimination",
            "label_km": "សិទ្ធិស្មើគ្នា និងការបញ្ចប់ការរើសអើង",
        },
        {
            "slug": "education-access",
            "label_en": "Equal access to education",
            "label_km": "ការទទួលបានការអប់រំដោយស្មើភាព",
        },
        {
            "slug": "healthcare-access",
            "label_en": "Equal access to health care",
            "label_km": "ការទទួលបានសេវាថែទាំសុខភាពដោយស្មើភាព",
        },
        {
            "slug": "decent-work",
            "label_en": "Decent job opportunities",
            "label_km": "ឱកាសការងារសមរម្យ",
        },
        {
            "slug": "job-information",
            "label_en": "Job announcements reaching rural areas",
            "label_km": "ដំណឹងជ្រើសរើសបុគ្គលិកដែលទៅដល់តំបន់ជនបទ",
        },
        {
            "slug": "id-poor-card",
            "label_en": "ID Poor card",
            "label_km": "ប័ណ្ណក្រីក្រ (ID Poor)",
        },
        {
            "slug": "disability-card",
            "label_en": "Disability identification card",
            "label_km": "ប័ណ្ណសម្គាល់ជនមានពិការភាព",
        },
        {
            "slug": "scholarship",
            "label_en": "Scholarships (ID Poor families, indigenous youth)",
            "label_km": "អាហារូបករណ៍ (គ្រួសារក្រីក្រ យុវជនជនជាតិដើមភាគតិច)",
        },
    ],
}

# name_km stays empty: the official Khmer names must come from the organisations themselves.
ORGANISATIONS: list[dict[str, Any]] = [
    {
        "code": "AUA",
        "name_en": "ARV Users Association",
        "name_km": "",
        "represents_en": "people living with HIV",
        "represents_km": "អ្នករស់នៅជាមួយមេរោគអេដស៍",
    },
    {
        "code": "WPM",
        "name_en": "Women Peace Makers",
        "name_km": "",
        "represents_en": "women facing abuse or violence, peace building",
        "represents_km": "ស្ត្រីដែលរងការរំលោភបំពាន ឬអំពើហិង្សា និងការកសាងសន្តិភាព",
    },
    {
        "code": "LKO",
        "name_en": "Lakhon Komnit Organization",
        "name_km": "",
        "represents_en": "youth, theatre for social change",
        "represents_km": "យុវជន និងល្ខោនសម្រាប់ការផ្លាស់ប្ដូរសង្គម",
    },
    {
        "code": "CIPL",
        "name_en": "Conserve Indigenous Peoples Languages Organization",
        "name_km": "",
        "represents_en": "indigenous peoples and their languages",
        "represents_km": "ជនជាតិដើមភាគតិច និងភាសារបស់ពួកគេ",
    },
    {
        "code": "WWD-LAN",
        "name_en": "Women with Disabilities Leadership and Advocacy Network",
        "name_km": "",
        "represents_en": "women with disabilities",
        "represents_km": "ស្ត្រីមានពិការភាព",
    },
]

# The indigenous languages keep name_km and autonym empty: CIPL staff fill them in.
CONTENT_LANGUAGES: list[dict[str, Any]] = [
    {
        "tag": "km",
        "name_en": "Khmer",
        "name_km": "ខ្មែរ",
        "autonym": "ខ្មែរ",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "en",
        "name_en": "English",
        "name_km": "អង់គ្លេស",
        "autonym": "English",
        "script": "Latn",
        "direction": "ltr",
    },
    {
        "tag": "jra-Latn",
        "name_en": "Jarai",
        "name_km": "",
        "autonym": "",
        "script": "Latn",
        "direction": "ltr",
    },
    {
        "tag": "jra-Khmr",
        "name_en": "Jarai",
        "name_km": "",
        "autonym": "",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "tpu-Khmr",
        "name_en": "Tampuan",
        "name_km": "",
        "autonym": "",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "krr-Khmr",
        "name_en": "Kreung",
        "name_km": "",
        "autonym": "",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "brb-Khmr",
        "name_en": "Brao",
        "name_km": "",
        "autonym": "",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "krv-Khmr",
        "name_en": "Kavet",
        "name_km": "",
        "autonym": "",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "cmo-Khmr",
        "name_en": "Bunong",
        "name_km": "",
        "autonym": "",
        "script": "Khmr",
        "direction": "ltr",
    },
    {
        "tag": "cmo-Latn",
        "name_en": "Bunong",
        "name_km": "",
        "autonym": "",
        "script": "Latn",
        "direction": "ltr",
    },
]
