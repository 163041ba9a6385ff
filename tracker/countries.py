"""Registry of the countries and territories that appear in the Trafficking in Persons Report.

Plain Python, no Django: the narrative parser and the importer both use it.

Each entry has the short name an analyst uses ("North Korea", "The Gambia", "Burma"), its
ISO 3166-1 alpha-3 code ("XKX" for Kosovo, which has no official code) and the other spellings
met in TIP narratives and in the tier tables: official forms, the inverted "Korea, North" and
ISO styles, and abbreviations such as DPRK or DRC.

Matching is exact on the normalised form (see `normalize_name`). It never guesses by substring or
similarity, because "Guinea", "Niger", "Sudan" and "Dominica" are each a prefix of another country.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class CountryInfo:
    """One country or territory: canonical short name, ISO alpha-3 code and other names."""

    name: str
    code: str
    aliases: tuple[str, ...] = ()


def _c(name: str, code: str, *aliases: str) -> CountryInfo:
    return CountryInfo(name=name, code=code, aliases=tuple(aliases))


COUNTRIES: tuple[CountryInfo, ...] = (
    _c("Afghanistan", "AFG", "Islamic Republic of Afghanistan"),
    _c("Albania", "ALB", "Republic of Albania"),
    _c("Algeria", "DZA", "People's Democratic Republic of Algeria"),
    _c("Angola", "AGO", "Republic of Angola"),
    _c("Antigua and Barbuda", "ATG", "Antigua & Barbuda"),
    _c("Argentina", "ARG", "Argentine Republic"),
    _c("Armenia", "ARM", "Republic of Armenia"),
    _c("Aruba", "ABW"),
    _c("Australia", "AUS", "Commonwealth of Australia"),
    _c("Austria", "AUT", "Republic of Austria"),
    _c("Azerbaijan", "AZE", "Republic of Azerbaijan"),
    _c("The Bahamas", "BHS", "Bahamas", "Bahamas, The", "Commonwealth of The Bahamas"),
    _c("Bahrain", "BHR", "Kingdom of Bahrain"),
    _c("Bangladesh", "BGD", "People's Republic of Bangladesh"),
    _c("Barbados", "BRB"),
    _c("Belarus", "BLR", "Republic of Belarus"),
    _c("Belgium", "BEL", "Kingdom of Belgium"),
    _c("Belize", "BLZ"),
    _c("Benin", "BEN", "Republic of Benin"),
    _c("Bhutan", "BTN", "Kingdom of Bhutan"),
    _c("Bolivia", "BOL", "Bolivia, Plurinational State of", "Plurinational State of Bolivia"),
    _c("Bosnia and Herzegovina", "BIH", "Bosnia & Herzegovina", "Bosnia-Herzegovina"),
    _c("Botswana", "BWA", "Republic of Botswana"),
    _c("Brazil", "BRA", "Federative Republic of Brazil"),
    _c("Brunei", "BRN", "Brunei Darussalam"),
    _c("Bulgaria", "BGR", "Republic of Bulgaria"),
    _c("Burkina Faso", "BFA"),
    _c("Burma", "MMR", "Myanmar", "Republic of the Union of Myanmar", "Burma (Myanmar)"),
    _c("Burundi", "BDI", "Republic of Burundi"),
    _c("Cabo Verde", "CPV", "Cape Verde", "Republic of Cabo Verde"),
    _c("Cambodia", "KHM", "Kingdom of Cambodia"),
    _c("Cameroon", "CMR", "Republic of Cameroon"),
    _c("Canada", "CAN"),
    _c("Central African Republic", "CAF", "CAR"),
    _c("Chad", "TCD", "Republic of Chad"),
    _c("Chile", "CHL", "Republic of Chile"),
    _c("China", "CHN", "People's Republic of China", "PRC", "China (PRC)"),
    _c("Colombia", "COL", "Republic of Colombia"),
    _c("Comoros", "COM", "Union of the Comoros"),
    # ISO 3166 calls the Republic of the Congo plain "Congo" (the Heiss-Kelley table uses it).
    _c(
        "Republic of the Congo",
        "COG",
        "Congo",
        "Republic of Congo",
        "Congo, Republic of the",
        "Congo, Republic of",
        "Congo (Brazzaville)",
        "Congo-Brazzaville",
        "ROC",
    ),
    _c(
        "Democratic Republic of the Congo",
        "COD",
        "Democratic Republic of Congo",
        "Congo, Democratic Republic of the",
        "Congo, the Democratic Republic of the",
        "Congo, Democratic Republic of",
        "Congo (Kinshasa)",
        "Congo-Kinshasa",
        "DRC",
        "DR Congo",
    ),
    _c("Costa Rica", "CRI", "Republic of Costa Rica"),
    _c("Cote d'Ivoire", "CIV", "Côte d’Ivoire", "Ivory Coast", "Republic of Cote d'Ivoire"),
    _c("Croatia", "HRV", "Republic of Croatia"),
    _c("Cuba", "CUB", "Republic of Cuba"),
    _c("Curaçao", "CUW", "Curacao"),
    _c("Cyprus", "CYP", "Republic of Cyprus"),
    _c("Czech Republic", "CZE", "Czechia"),
    _c("Denmark", "DNK", "Kingdom of Denmark"),
    _c("Djibouti", "DJI", "Republic of Djibouti"),
    _c("Dominica", "DMA", "Commonwealth of Dominica"),
    _c("Dominican Republic", "DOM"),
    _c("Ecuador", "ECU", "Republic of Ecuador"),
    _c("Egypt", "EGY", "Arab Republic of Egypt"),
    _c("El Salvador", "SLV", "Republic of El Salvador"),
    _c("Equatorial Guinea", "GNQ", "Republic of Equatorial Guinea"),
    _c("Eritrea", "ERI", "State of Eritrea"),
    _c("Estonia", "EST", "Republic of Estonia"),
    _c("Eswatini", "SWZ", "Swaziland", "Kingdom of Eswatini"),
    _c("Ethiopia", "ETH", "Federal Democratic Republic of Ethiopia"),
    _c("Fiji", "FJI", "Republic of Fiji"),
    _c("Finland", "FIN", "Republic of Finland"),
    _c("France", "FRA", "French Republic"),
    _c("Gabon", "GAB", "Gabonese Republic"),
    _c("The Gambia", "GMB", "Gambia", "Gambia, The", "Republic of The Gambia"),
    _c("Georgia", "GEO"),
    _c("Germany", "DEU", "Federal Republic of Germany"),
    _c("Ghana", "GHA", "Republic of Ghana"),
    _c("Greece", "GRC", "Hellenic Republic"),
    _c("Grenada", "GRD"),
    _c("Guatemala", "GTM", "Republic of Guatemala"),
    _c("Guinea", "GIN", "Republic of Guinea"),
    _c("Guinea-Bissau", "GNB", "Guinea Bissau", "Republic of Guinea-Bissau"),
    _c("Guyana", "GUY", "Co-operative Republic of Guyana"),
    _c("Haiti", "HTI", "Republic of Haiti"),
    _c("Honduras", "HND", "Republic of Honduras"),
    _c("Hong Kong", "HKG", "Hong Kong SAR", "Hong Kong, China"),
    _c("Hungary", "HUN"),
    _c("Iceland", "ISL"),
    _c("India", "IND", "Republic of India"),
    _c("Indonesia", "IDN", "Republic of Indonesia"),
    _c("Iran", "IRN", "Iran, Islamic Republic of", "Islamic Republic of Iran"),
    _c("Iraq", "IRQ", "Republic of Iraq"),
    _c("Ireland", "IRL"),
    _c("Israel", "ISR", "State of Israel"),
    _c("Italy", "ITA", "Italian Republic"),
    _c("Jamaica", "JAM"),
    _c("Japan", "JPN"),
    _c("Jordan", "JOR", "Hashemite Kingdom of Jordan"),
    _c("Kazakhstan", "KAZ", "Republic of Kazakhstan"),
    _c("Kenya", "KEN", "Republic of Kenya"),
    _c("Kiribati", "KIR", "Republic of Kiribati"),
    _c(
        "North Korea",
        "PRK",
        "Korea, North",
        "Korea, Democratic People's Republic of",
        "Democratic People's Republic of Korea",
        "DPRK",
        "Korea (North)",
    ),
    _c(
        "South Korea",
        "KOR",
        "Korea, South",
        "Korea, Republic of",
        "Republic of Korea",
        "ROK",
        "Korea (South)",
    ),
    # Kosovo has no ISO 3166 code; XKX is the user-assigned code used by the EU and the IMF.
    _c("Kosovo", "XKX", "Republic of Kosovo"),
    _c("Kuwait", "KWT", "State of Kuwait"),
    _c("Kyrgyz Republic", "KGZ", "Kyrgyzstan"),
    _c("Laos", "LAO", "Lao People's Democratic Republic", "Lao PDR"),
    _c("Latvia", "LVA", "Republic of Latvia"),
    _c("Lebanon", "LBN", "Lebanese Republic"),
    _c("Lesotho", "LSO", "Kingdom of Lesotho"),
    _c("Liberia", "LBR", "Republic of Liberia"),
    _c("Libya", "LBY", "State of Libya"),
    _c("Lithuania", "LTU", "Republic of Lithuania"),
    _c("Luxembourg", "LUX", "Grand Duchy of Luxembourg"),
    _c("Macau", "MAC", "Macao", "Macau SAR", "Macao SAR"),
    _c("Madagascar", "MDG", "Republic of Madagascar"),
    _c("Malawi", "MWI", "Republic of Malawi"),
    _c("Malaysia", "MYS"),
    _c("Maldives", "MDV", "Republic of Maldives"),
    _c("Mali", "MLI", "Republic of Mali"),
    _c("Malta", "MLT", "Republic of Malta"),
    _c("Marshall Islands", "MHL", "Republic of the Marshall Islands", "RMI"),
    _c("Mauritania", "MRT", "Islamic Republic of Mauritania"),
    _c("Mauritius", "MUS", "Republic of Mauritius"),
    _c("Mexico", "MEX", "United Mexican States"),
    _c(
        "Micronesia",
        "FSM",
        "Federated States of Micronesia",
        "Micronesia, Federated States of",
        "FSM",
    ),
    _c("Moldova", "MDA", "Moldova, Republic of", "Republic of Moldova"),
    _c("Mongolia", "MNG"),
    _c("Montenegro", "MNE"),
    _c("Morocco", "MAR", "Kingdom of Morocco"),
    _c("Mozambique", "MOZ", "Republic of Mozambique"),
    _c("Namibia", "NAM", "Republic of Namibia"),
    _c("Nepal", "NPL", "Federal Democratic Republic of Nepal"),
    _c("Netherlands", "NLD", "Kingdom of the Netherlands", "Holland"),
    _c("New Zealand", "NZL"),
    _c("Nicaragua", "NIC", "Republic of Nicaragua"),
    _c("Niger", "NER", "Republic of Niger"),
    _c("Nigeria", "NGA", "Federal Republic of Nigeria"),
    _c(
        "North Macedonia",
        "MKD",
        "Macedonia",
        "Macedonia, the former Yugoslav Republic of",
        "Former Yugoslav Republic of Macedonia",
        "Republic of North Macedonia",
    ),
    _c("Norway", "NOR", "Kingdom of Norway"),
    _c("Oman", "OMN", "Sultanate of Oman"),
    _c("Pakistan", "PAK", "Islamic Republic of Pakistan"),
    _c("Palau", "PLW", "Republic of Palau"),
    _c("Panama", "PAN", "Republic of Panama"),
    _c("Papua New Guinea", "PNG"),
    _c("Paraguay", "PRY", "Republic of Paraguay"),
    _c("Peru", "PER", "Republic of Peru"),
    _c("Philippines", "PHL", "Republic of the Philippines"),
    _c("Poland", "POL", "Republic of Poland"),
    _c("Portugal", "PRT", "Portuguese Republic"),
    _c("Qatar", "QAT", "State of Qatar"),
    _c("Romania", "ROU"),
    _c("Russia", "RUS", "Russian Federation"),
    _c("Rwanda", "RWA", "Republic of Rwanda"),
    _c("Saint Kitts and Nevis", "KNA", "St. Kitts and Nevis", "St Kitts and Nevis"),
    _c("Saint Lucia", "LCA", "St. Lucia", "St Lucia"),
    _c(
        "Saint Vincent and the Grenadines",
        "VCT",
        "St. Vincent and the Grenadines",
        "St Vincent and the Grenadines",
    ),
    _c("Samoa", "WSM", "Independent State of Samoa"),
    _c("Sao Tome and Principe", "STP", "São Tomé and Príncipe"),
    _c("Saudi Arabia", "SAU", "Kingdom of Saudi Arabia"),
    _c("Senegal", "SEN", "Republic of Senegal"),
    _c("Serbia", "SRB", "Republic of Serbia"),
    _c("Seychelles", "SYC", "Republic of Seychelles"),
    _c("Sierra Leone", "SLE", "Republic of Sierra Leone"),
    _c("Singapore", "SGP", "Republic of Singapore"),
    _c("Sint Maarten", "SXM", "Sint Maarten (Dutch part)"),
    _c("Slovakia", "SVK", "Slovak Republic"),
    _c("Slovenia", "SVN", "Republic of Slovenia"),
    _c("Solomon Islands", "SLB"),
    _c("Somalia", "SOM", "Federal Republic of Somalia"),
    _c("South Africa", "ZAF", "Republic of South Africa"),
    _c("South Sudan", "SSD", "Republic of South Sudan"),
    _c("Spain", "ESP", "Kingdom of Spain"),
    _c("Sri Lanka", "LKA", "Democratic Socialist Republic of Sri Lanka"),
    _c("Sudan", "SDN", "Republic of the Sudan"),
    _c("Suriname", "SUR", "Republic of Suriname"),
    _c("Sweden", "SWE", "Kingdom of Sweden"),
    _c("Switzerland", "CHE", "Swiss Confederation"),
    _c("Syria", "SYR", "Syrian Arab Republic"),
    _c("Taiwan", "TWN", "Taiwan, Province of China"),
    _c("Tajikistan", "TJK", "Republic of Tajikistan"),
    _c("Tanzania", "TZA", "Tanzania, United Republic of", "United Republic of Tanzania"),
    _c("Thailand", "THA", "Kingdom of Thailand"),
    _c("Timor-Leste", "TLS", "East Timor", "Democratic Republic of Timor-Leste"),
    _c("Togo", "TGO", "Togolese Republic"),
    _c("Tonga", "TON", "Kingdom of Tonga"),
    _c("Trinidad and Tobago", "TTO", "Republic of Trinidad and Tobago", "Trinidad & Tobago"),
    _c("Tunisia", "TUN", "Republic of Tunisia"),
    _c("Turkey", "TUR", "Türkiye", "Turkiye", "Republic of Turkey", "Republic of Türkiye"),
    _c("Turkmenistan", "TKM"),
    _c("Uganda", "UGA", "Republic of Uganda"),
    _c("Ukraine", "UKR"),
    _c("United Arab Emirates", "ARE", "UAE"),
    _c(
        "United Kingdom",
        "GBR",
        "UK",
        "United Kingdom of Great Britain and Northern Ireland",
        "Great Britain",
    ),
    _c("United States", "USA", "United States of America", "USA", "US", "U.S."),
    _c("Uruguay", "URY", "Oriental Republic of Uruguay"),
    _c("Uzbekistan", "UZB", "Republic of Uzbekistan"),
    _c("Vanuatu", "VUT", "Republic of Vanuatu"),
    _c("Venezuela", "VEN", "Venezuela, Bolivarian Republic of", "Bolivarian Republic of Venezuela"),
    _c("Vietnam", "VNM", "Viet Nam", "Socialist Republic of Vietnam"),
    _c("Yemen", "YEM", "Republic of Yemen"),
    _c("Zambia", "ZMB", "Republic of Zambia"),
    _c("Zimbabwe", "ZWE", "Republic of Zimbabwe"),
)

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"'})


def normalize_name(s: str) -> str:
    """Return the form of a country name used for exact matching.

    Decode HTML entities (a tier table has "Laos&nbsp;"), straighten curly quotes, drop accents
    ("Curaçao" = "Curacao"), casefold, collapse whitespace, strip a leading "the " and trailing
    punctuation.
    """
    s = html.unescape(s).translate(_QUOTES)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = re.sub(r"\s+", " ", s.casefold()).strip()
    if s.startswith("the "):
        s = s[4:]
    return s.rstrip(" .,;:!?'\"")


def _build_index() -> dict[str, CountryInfo]:
    index: dict[str, CountryInfo] = {}
    for info in COUNTRIES:
        for form in (info.name, *info.aliases):
            key = normalize_name(form)
            other = index.get(key)
            if other is not None and other is not info:
                raise ValueError(f"{form!r} names both {other.name} and {info.name}")
            index[key] = info
    return index


_INDEX = _build_index()

# The length of the longest name or alias: a reader looking for a name in running text need
# read no further.
LONGEST_NAME = max(len(form) for info in COUNTRIES for form in (info.name, *info.aliases))
_BY_CODE = {info.code: info for info in COUNTRIES}


def match_country(name: str) -> CountryInfo | None:
    """Return the country whose name or alias equals `name` once normalised, else None."""
    if not name or not name.strip():
        return None
    return _INDEX.get(normalize_name(name))


def by_code(code: str) -> CountryInfo | None:
    """Return the country with this ISO alpha-3 code, else None."""
    return _BY_CODE.get(code.strip().upper())
