"""Entities from the text itself: people, organisations, places and the countries of those places.

Rules over capitalised word runs, no model and no run-time dependency:

- places: a gazetteer compiled from GeoNames (`searchkit/enrich/data/gazetteer.tsv.gz`, built by
  `python -m searchkit.enrich.build_gazetteer`): countries with their short forms and adjectives ("U.S.",
  "Britain", "French"), US states and Canadian provinces, cities of 200,000+ people and capitals
  anywhere in the text, smaller towns only in the dateline. A country is its Reuters-21578 code
  where it has one (`usa`, `uk`), chosen by the publication date where borders changed (Germany is
  `west-germany` before 3 October 1990, Moscow counts toward `ussr` before 1992); other places are
  slugs of their GeoNames name (`new-york`, `beijing` also for "Peking"). Every place gives its
  country to `countries`.
- organisations: a dictionary of international organisations and their spellings ("EC",
  "European Community", "Common Market" -> `ec`; codes follow Reuters-21578 where it has them),
  and runs that end in a company or body word (Inc, Corp, Bank, Ministry, Commission...), kept as
  written with the suffix spelt one way ("Corp." and "Corporation" -> "Corp"); names the words
  around them make an organisation's ("car firm Carfax", "Chelsea chief executive", "an analyst at
  UBS"), a long name before its defined short form ("... (ISM)"), names in capitals ("IBM"), and
  the organisations listed in `searchkit/enrich/data/organisations.txt` ("Microsoft", "Aston Villa").
- a place whose name is also a common surname or names a bigger place elsewhere (gazetteer rows
  `ambiguous`: Kennedy, Birmingham, Melbourne) counts only when the article names another place of
  its country and no person of that name.
- people: a run after a title or role (Mr, President, Finance Minister, spokesman...), a run that
  starts with a known given name, or a two- or three-word run next to "said"/"told"; "Mr Volcker"
  and "Paul Volcker" are one person (same surname within the article), named by the longest form.
"""
from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from ..text import slug

DATA = Path(__file__).resolve().parent / "data"


@dataclass
class Entities:
    people: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ data

@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict, dict, dict, frozenset[str]]:
    """name -> (kind, iso, canonical); UPPER NAME -> same (for capitals-only headlines); iso -> code;
    the names that count as places only with evidence from the article (`_evident`)."""
    names: dict[str, tuple[str, str, str]] = {}
    codes: dict[str, str] = {}
    ambiguous: set[str] = set()
    with gzip.open(DATA / "gazetteer.tsv.gz", "rt", encoding="utf-8") as f:
        for line in f:
            name, kind, iso, canon = line.rstrip("\n").split("\t")
            if kind == "code":
                codes[name] = iso
            elif kind == "ambiguous":
                ambiguous.add(name)
            else:
                names[name] = (kind, iso, canon)
    names.setdefault("US", ("country", "US", "United States"))  # BBC's spelling (Reuters: U.S.)
    upper: dict[str, tuple[str, str, str]] = {}
    for name, value in names.items():
        if value[0] != "town" and name.upper() not in upper:
            upper[name.upper()] = value
    return names, upper, codes, frozenset(ambiguous)


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    return frozenset((DATA / "given_names.txt").read_text(encoding="utf-8").split())


@lru_cache(maxsize=1)
def _known_orgs() -> tuple[dict[str, tuple[str, bool]], frozenset[str]]:
    """Spelling -> (name shown, whether it is also a common word) of the organisations listed in
    `data/organisations.txt`, and the first words of those spellings."""
    known: dict[str, tuple[str, bool]] = {}
    for line in (DATA / "organisations.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        common = line.startswith("~")
        spellings = line.lstrip("~").split("|")
        for spelling in spellings:
            known.setdefault(spelling, (spellings[0], common))
    return known, frozenset(s.split()[0] for s in known)


# Where borders or names changed: (iso codes, until this day, the code before it).
_ERAS = (
    ({"DE"}, date(1990, 10, 3), "west-germany"),
    ({"DD"}, date(1990, 10, 3), None),  # East Germany stays itself before; Germany after
    ({"RU", "UA", "BY", "KZ", "UZ", "GE", "AM", "AZ", "LT", "LV", "EE", "MD", "KG", "TJ", "TM"},
     date(1991, 12, 26), "ussr"),
    ({"CZ", "SK"}, date(1993, 1, 1), "czechoslovakia"),
    ({"SI", "HR", "BA", "MK", "RS", "ME"}, date(1991, 6, 25), "yugoslavia"),
    ({"CD"}, date(1997, 5, 17), "zaire"),
    ({"MM"}, date(1989, 6, 18), "burma"),
    ({"KH"}, date(1989, 5, 1), "kampuchea"),
)
_MODERN = {"CD": "dr-congo", "MM": "myanmar", "KH": "cambodia", "WG": "germany", "DD": "germany"}


def country_code(iso: str, day: date | None) -> str:
    """The canonical code of a country (ISO 3166 alpha-2) as of `day` (None: today's borders)."""
    codes = _gazetteer()[2]
    for isos, until, before in _ERAS:
        if iso in isos:
            if day is not None and day < until:
                return before or codes.get(iso, iso.lower())
            return _MODERN.get(iso, codes.get(iso, iso.lower()))
    if day is None or day >= date(1990, 10, 3):
        if iso in ("WG", "DD"):
            return "germany"
    return codes.get(iso, iso.lower())


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    codes = set(_gazetteer()[2].values())
    codes.update(c for _isos, _until, c in _ERAS if c)
    codes.update(_MODERN.values())
    return frozenset(codes)


def place_country(place: str, day: date | None = None) -> str | None:
    """The country code of a place given as a source tag or name: `usa` -> `usa`, "Norway" ->
    `norway`, "Tokyo" or `tokyo` -> `japan`; None when unknown."""
    code = slug(place)
    if code in _country_codes():
        return code
    names = _gazetteer()[0]
    hit = names.get(place) or names.get(place.title()) or names.get(place.replace("-", " ").title())
    if hit and hit[0] != "town":
        return country_code(hit[1], day)
    return None





# Organisations by code: the spellings that mean each. Codes follow Reuters-21578's ORGS list.
_ORG_ALIASES = {
    "ec": "EC|E.C.|European Community|European Communities|European Economic Community|EEC|"
          "Common Market|European Commission|EC Commission|Community's",
    "eu": "EU|E.U.|European Union",
    "opec": "OPEC|Organization of Petroleum Exporting Countries|"
            "Organisation of Petroleum Exporting Countries",
    "imf": "IMF|International Monetary Fund",
    "worldbank": "World Bank",
    "gatt": "GATT|General Agreement on Tariffs and Trade",
    "wto": "WTO|World Trade Organization|World Trade Organisation",
    "oecd": "OECD|Organisation for Economic Cooperation and Development|"
            "Organization for Economic Cooperation and Development|"
            "Organisation for Economic Co-operation and Development",
    "un": "UN|U.N.|United Nations|UN Security Council|U.N. Security Council",
    "unctad": "UNCTAD|United Nations Conference on Trade and Development",
    "fao": "FAO|Food and Agriculture Organization|Food and Agriculture Organisation",
    "iea": "IEA|International Energy Agency",
    "iaea": "IAEA|International Atomic Energy Agency",
    "ico-coffee": "ICO|International Coffee Organization|International Coffee Organisation|"
                  "International Coffee Agreement",
    "icco": "ICCO|International Cocoa Organization|International Cocoa Organisation|"
            "International Cocoa Agreement",
    "isa": "ISA|International Sugar Organization|International Sugar Organisation|"
           "International Sugar Agreement",
    "itc": "ITC|International Tin Council",
    "inro": "INRO|International Natural Rubber Organization|"
            "International Natural Rubber Organisation|International Natural Rubber Agreement",
    "iwc-wheat": "IWC|International Wheat Council",
    "iwc-whale": "International Whaling Commission",
    "adb-asia": "Asian Development Bank|ADB",
    "adb-africa": "African Development Bank|AfDB",
    "comecon": "Comecon|COMECON|CMEA|Council for Mutual Economic Assistance",
    "asean": "ASEAN|Association of South East Asian Nations|Association of Southeast Asian Nations",
    "bis": "BIS|Bank for International Settlements",
    "eib": "EIB|European Investment Bank",
    "efta": "EFTA|European Free Trade Association",
    "gcc": "GCC|Gulf Cooperation Council|Gulf Co-operation Council",
    "ilo": "ILO|International Labour Organisation|International Labor Organization",
    "who": "WHO|World Health Organization|World Health Organisation",
    "iata": "IATA|International Air Transport Association",
    "euratom": "Euratom|EURATOM",
    "oapec": "OAPEC|Organization of Arab Petroleum Exporting Countries",
    "cipec": "CIPEC|Intergovernmental Council of Copper Exporting Countries",
    "ida": "IDA|International Development Association",
    "aid": "Agency for International Development|USAID",
    "iisi": "IISI|International Iron and Steel Institute",
    "ilzsg": "ILZSG|International Lead and Zinc Study Group",
    "irsg": "IRSG|International Rubber Study Group",
    "iwcc": "IWCC|International Wrought Copper Council",
    "iws": "IWS|International Wool Secretariat",
    "iwto": "IWTO|International Wool Textile Organisation|International Wool Textile Organization",
    "lafta": "LAFTA|Latin American Free Trade Association",
    "mfa": "MFA|Multi-Fibre Arrangement|Multifibre Arrangement|Multi-Fiber Arrangement",
    "anrpc": "ANRPC|Association of Natural Rubber Producing Countries",
    "atpc": "ATPC|Association of Tin Producing Countries",
    "geplacea": "GEPLACEA|Group of Latin American and Caribbean Sugar Exporting Countries",
    "ecsc": "ECSC|European Coal and Steel Community",
    "emcf": "EMCF|European Monetary Cooperation Fund",
    "escap": "ESCAP|Economic and Social Commission for Asia and the Pacific",
    "eca": "Economic Commission for Africa",
    "ecla": "ECLA|ECLAC|Economic Commission for Latin America",
    "ece": "Economic Commission for Europe",
    "ecwa": "ECWA|Economic Commission for Western Asia",
    "aibd": "AIBD|Association of International Bond Dealers",
    "nato": "NATO|Nato|North Atlantic Treaty Organisation|North Atlantic Treaty Organization",
    "fed": "Fed|Federal Reserve|Federal Reserve Board|Federal Reserve Bank of New York|"
           "Federal Reserve System",
    "sec": "SEC|Securities and Exchange Commission",
    "ecb": "ECB|European Central Bank",
    "bundesbank": "Bundesbank",
    "bank-of-england": "Bank of England",
    "bank-of-japan": "Bank of Japan",
    "congress": "Congress|U.S. Congress",
    "bbc": "BBC|British Broadcasting Corporation",
    "fa": "FA|Football Association",
    "fifa": "Fifa|FIFA",
    "uefa": "Uefa|UEFA",
    "ioc": "IOC|International Olympic Committee",
    "labour": "Labour|Labour Party",
    "conservatives": "Conservatives|Conservative Party|Tories|Tory party|Conservative|Tory",
    "liberal-democrats": "Liberal Democrats|Lib Dems|Liberal Democrat|Lib Dem",
    "nyse": "NYSE|New York Stock Exchange",
    "nasdaq": "Nasdaq|NASDAQ",
    "ftc": "FTC|Federal Trade Commission",
    "fbi": "FBI",
    "cia": "CIA",
    "nhs": "NHS",
}
_ORG_CODE: dict[str, str] = {alias: code for code, aliases in _ORG_ALIASES.items()
                             for alias in aliases.split("|")}
_ORG_CODE.update({alias.capitalize(): code for alias, code in list(_ORG_CODE.items())
                  if alias.isupper() and len(alias) >= 4 and "." not in alias})  # "Opec", "Nato"
# One pass over the text for all spellings, longest first; "U.N." needs no trailing boundary.
# Every spelling starts with a capital: the alternatives are grouped by that letter, behind a
# lookahead, so that the engine tries them only where a capital stands (3x faster than one list).


def _org_pattern(aliases) -> re.Pattern:
    by_first: dict[str, list[str]] = {}
    for alias in sorted(aliases, key=len, reverse=True):
        assert alias[:1].isupper(), alias
        by_first.setdefault(alias[0], []).append(
            re.escape(alias[1:]).replace(r"\ ", r"\s+") + ("" if alias.endswith(".") else r"\b"))
    return re.compile(r"(?=[A-Z])(?<![\w.])(?:" + "|".join(
        f"{first}(?:{'|'.join(rests)})" for first, rests in by_first.items()) + ")")


_ORG_RE = _org_pattern(_ORG_CODE)
# In a headline in capitals these are more often words than names.
_HEADLINE_ORG_STOP = {"WHO", "AID", "ISA", "ITC", "IDA", "ADB", "FA", "BIS", "IWC", "MFA", "ECA",
                      "ICO", "ECE", "FED", "NET", "SEC"}
# Words that end (or, before "of", head) the name of an organisation, and how they are written.
_ORG_SUFFIX = {
    "Inc": "Inc", "Inc.": "Inc", "Incorporated": "Inc", "Corp": "Corp", "Corp.": "Corp",
    "Corporation": "Corp", "Co": "Co", "Co.": "Co", "Company": "Co", "Ltd": "Ltd", "Ltd.": "Ltd",
    "Limited": "Ltd", "Plc": "Plc", "PLC": "Plc", "plc": "Plc", "AG": "AG", "SA": "SA", "S.A.": "SA",
    "NV": "NV", "N.V.": "NV", "BV": "BV", "SpA": "SpA", "GmbH": "GmbH", "AB": "AB", "ASA": "ASA",
    "Bancorp": "Bancorp", "Bancshares": "Bancshares", "Group": "Group", "Holdings": "Holdings",
    "Industries": "Industries", "Bank": "Bank", "Council": "Council", "Commission": "Commission",
    "Ministry": "Ministry", "Department": "Department", "Agency": "Agency",
    "Association": "Association", "Federation": "Federation", "Board": "Board",
    "Authority": "Authority", "Committee": "Committee", "Party": "Party", "Institute": "Institute",
    "University": "University", "Exchange": "Exchange", "Fund": "Fund",
    "Organisation": "Organisation", "Organization": "Organization", "Foundation": "Foundation",
    "Trust": "Trust", "Airlines": "Airlines", "Airways": "Airways", "Motors": "Motors",
    "Systems": "Systems", "Technologies": "Technologies", "Communications": "Communications",
    "Securities": "Securities", "Partners": "Partners", "Railways": "Railways",
    "Railroad": "Railroad", "Office": "Office", "Union": "Union", "Corps": "Corps",
    "Service": "Service", "Services": "Services", "Club": "Club", "United": "United",
    "Rovers": "Rovers", "Athletic": "Athletic", "Records": "Records", "Studios": "Studios",
    "Pictures": "Pictures", "Electric": "Electric", "Petroleum": "Petroleum", "Chemical": "Chemical",
    "Chemicals": "Chemicals", "Steel": "Steel", "Mines": "Mines", "Mining": "Mining",
    "Resources": "Resources", "Energy": "Energy", "Oil": "Oil", "Gas": "Gas",
    "Financial": "Financial", "Insurance": "Insurance", "Savings": "Savings", "Capital": "Capital",
    "Investments": "Investments", "Enterprises": "Enterprises", "Laboratories": "Laboratories",
    "Pharmaceuticals": "Pharmaceuticals", "Stores": "Stores", "Parliament": "Parliament",
    "Assembly": "Assembly", "Senate": "Senate", "Treasury": "Treasury", "Reserve": "Reserve",
    "Court": "Court", "Tribunal": "Tribunal", "Police": "Police", "Army": "Army", "Navy": "Navy",
    "Times": "Times", "Journal": "Journal", "News": "News", "Post": "Post",
    "Bros": "Bros", "Brothers": "Brothers", "Entertainment": "Entertainment", "Video": "Video",
    "Associates": "Associates", "Films": "Films", "Broadband": "Broadband", "Registry": "Registry",
    "Consortium": "Consortium", "Stockbrokers": "Stockbrokers", "Media": "Media",
    "Networks": "Networks", "Aviation": "Aviation", "Aeronautics": "Aeronautics",
    "Tobacco": "Tobacco", "Pharmaceutical": "Pharmaceutical", "Software": "Software",
    "Wanderers": "Wanderers", "Albion": "Albion", "Harriers": "Harriers", "Hotspur": "Hotspur",
    "Centre": "Centre", "Center": "Center", "Hospital": "Hospital", "School": "School",
    "Executive": "Executive", "Prison": "Prison", "Guild": "Guild", "Coalition": "Coalition",
    "Guards": "Guards", "Telecom": "Telecom", "Electronics": "Electronics",
    "Instruments": "Instruments", "Press": "Press", "Radio": "Radio", "Television": "Television",
    "TV": "TV", "Project": "Project", "Administration": "Administration", "City": "City",
}
# Words that may head an organisation's name before "of" ("Bank of Japan", "Ministry of Finance").
_ORG_HEAD = {"Bank", "Ministry", "Department", "Council", "Commission", "Association", "Federation",
             "Board", "Institute", "University", "Organisation", "Organization", "Union", "Office",
             "Court", "Chamber", "League", "Society", "Church", "House", "Museum", "College",
             "School", "Academy", "Agency", "Bureau", "Confederation", "Federal", "National",
             "Chambers", "Centre", "Center", "Conference"}
# Words that alone are not a name of their own but a generic body.
_ORG_GENERIC = {"The", "A", "An", "Central", "State", "Federal", "National", "First", "New", "Its",
                "Our", "This", "That", "Their", "His", "Her", "Foreign", "Home", "Trade", "Finance",
                "Justice", "Defence", "Defense", "Energy", "Agriculture", "Commerce", "Industry",
                "Treasury", "Health", "Transport", "Interior", "Labour", "Labor", "Education"}

# Words before a name that make it a person's; the name follows the last of them in a run.
_TITLES = {
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Sir", "Dame", "Lord", "Lady", "Baroness",
    "President", "Chancellor", "Minister", "Secretary", "Chairman", "Chairwoman", "Governor",
    "Gov.", "Senator", "Sen.", "Rep.", "Representative", "Congressman", "Congresswoman", "Judge",
    "Justice", "General", "Gen.", "Adm.", "Admiral", "Col.", "Colonel", "Capt.", "Captain", "Sgt.",
    "King", "Queen", "Prince", "Princess", "Sheikh", "Sheik", "Pope", "Premier", "Ambassador",
    "Commissioner", "Director", "Spokesman", "Spokeswoman", "Mayor", "Prof.", "Professor",
    "Vice-President", "Vice", "Deputy", "Speaker", "Leader", "Rev.", "Father", "Bishop",
    "Archbishop", "Cardinal", "Detective", "Inspector", "Chief", "Coach", "Manager", "Boss",
    "Striker", "Midfielder", "Defender", "Goalkeeper", "Captain", "Star", "Actor", "Actress",
    "Singer", "Director-General", "Executive", "Officer", "Economist", "Analyst", "Treasurer",
    "Undersecretary", "Under-Secretary", "Attorney", "Counsel", "Presidents", "Ministers",
}
# Titles before a surname alone: "Mr Brown" is a person even where "brown" is a colour.
_HONORIFICS = frozenset("Mr Mr. Mrs Mrs. Ms Ms. Dr Dr. Sir Dame Lord Lady Baroness".split())
# Lower-case roles written just before a name ("spokesman John Smith", "analyst Ann Lee").
_ROLES = {
    "spokesman", "spokeswoman", "analyst", "economist", "chairman", "chairwoman", "president",
    "minister", "secretary", "director", "chief", "executive", "officer", "governor", "official",
    "leader", "head", "coach", "striker", "midfielder", "defender", "goalkeeper",
    "player", "captain", "champion", "singer", "actor", "actress", "star", "writer", "author",
    "producer", "presenter", "comedian", "musician", "rapper", "designer", "founder", "boss",
    "chancellor", "premier", "senator", "congressman", "ambassador", "negotiator", "trader",
    "dealer", "lawyer", "attorney", "judge", "candidate", "mp", "mep", "commissioner", "deputy",
    "colleague", "partner", "vice-president", "vice-chairman", "treasurer", "counsel", "tennis",
    "golfer", "winger", "forward", "champion", "chef", "editor", "veteran", "rival",
    "team-mate", "teammate", "host", "novelist", "filmmaker", "film-maker", "scientist", "expert",
    "professor", "researcher", "says", "said", "told", "stars", "starring", "husband", "wife", "son", "daughter", "brother", "sister", "father", "mother",
}
_SAY = {"said", "says", "told", "added", "says,", "stated", "explained", "argued", "warned",
        "announced", "noted", "predicted", "insisted", "wrote", "admitted", "believes", "thinks"}
# Capitalised words that never start or make a name (sentence starts, months, days...).
_NOT_NAME = set("""
The A An And But Or If In On At By For From To Of With As It Its This That These Those There
Their They He She We I You His Her Our Your My Mr Some Any All No Not New Many Most More Other
Such When While Where What Which Who Why How After Before Since Until During Under Over About
Also However Meanwhile Although Though Because Despite Both Each Every Last Next First Second
Third Yesterday Today Tomorrow January February March April May June July August September
October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday
Wednesday Thursday Friday Saturday Sunday Reuter Reuters Shr Net Revs Qtr Avg Shrs Mths Oper
Year Dlrs Pct Mln Billion Cts Vs Note Inc Corp Co Ltd Plc Group Bank Government Ministry
Minister President Chairman Secretary Mrs Ms Dr Sir Lord Lady Under Among Between Against Through
Within Without Even Just Only Then Now Here Yet Still So Thus Already Later Earlier Ahead Asked
Analysts Officials Sources Shares Prices Oil Gold Trade Market Markets Stock Stocks Profit
Sales Revenue Total Earnings Results Dividend Tax Budget Company Companies Industry Board
Chief Executive Officer Director Manager Deputy General Central Federal National State
International Union Council Commission Committee Party Department Agency Office Court House
Senate Congress Parliament Treasury Reserve Fund Exchange Street Road Avenue Square City County
North South East West Northern Southern Eastern Western Western Upper Lower Great Greater Old
Prime Speaker Labour Conservative Democrat Democrats Republican Republicans Liberal Tory Tories
Christmas Easter God Internet Web Online Net Digital Mobile Phone TV Radio Film Music Album
Oscar Oscars Grammy Awards Award Olympic Olympics Cup League Championship Premiership Test
Open World European Asian African American British English French German Japanese Chinese
Islamic Muslim Christian Jewish Catholic Arab Arabs Kurdish Sunni Shia Shiite
Wars War Rings Plan
""".split())
# Words that start a sentence, and so a capitalised run, but never an organisation's name.
_LEADING = frozenset("""
The the But And Or Nor If In On At By For From To With As It Its This That These Those There Their
They He She We I You His Her Our Your My Some Any All No Not Many Most Other Such When While Where
What Which Who Why How After Before Since Until During Under Over About Also However Meanwhile
Although Though Because Despite Both Each Every Even Just Only Then Now Here Yet Still So Thus
Already Later Earlier Whether Recently Reports Like Unlike Including Former
""".split())
# Names that look like people's but in the news are firms, newspapers (-> orgs) or works (dropped).
_NOT_PEOPLE: dict[str, str | None] = {
    "Merrill Lynch": "Merrill Lynch", "Dean Witter": "Dean Witter", "Morgan Stanley": "Morgan Stanley",
    "Goldman Sachs": "Goldman Sachs", "Smith Barney": "Smith Barney", "Kidder Peabody": "Kidder Peabody",
    "Shearson Lehman": "Shearson Lehman", "Drexel Burnham": "Drexel Burnham", "Dow Jones": "Dow Jones",
    "Asharq Al-Awsat": "Asharq Al-Awsat", "Franz Ferdinand": None, "Vera Drake": None,
    "Marshall Plan": None,
}
# A name written right after one of these words is, in that article, a work, band, paper or firm.
_WORK_WORDS = frozenset("""
film movie drama comedy sitcom musical show series play single song album band group newspaper
daily weekly magazine paper brokerage firm novel book
""".split())
# Lower-case words written just before an organisation's name ("car firm Carfax", "watchdog Ofcom",
# "sports daily Marca"), and those that may also name a club or band called like its town.
_ORG_BEFORE = frozenset("""
firm firms company companies giant maker makers retailer retailers chain carrier airline
network newspaper newspapers tabloid daily weekly magazine agency watchdog regulator provider
operator developer developers label studio charity think-tank insurer lender manufacturer supplier
conglomerate brokerage consultancy auctioneers station outfit start-up group band bank banks
monopoly state-owned subsidiary unit utility
""".split())
_CLUB_BEFORE = frozenset("club side join joined joins joining".split())
# Words written just after a club's or band's name ("Chelsea chief executive", "Larne boss",
# "Boyzone singer"), and after a firm's name followed by 's ("Nestle's profits").
_CLUB_AFTER = frozenset("""
boss chairman manager striker midfielder defender goalkeeper keeper winger coach fans supporters
singer frontman guitarist drummer chief
""".split())
_ORG_POSSESSIVE = frozenset("""
shares share profits profit revenue revenues sales chief boss chairman spokesman spokeswoman founder
subscribers shareholders customers employees workforce stores headquarters executives directors
""".split())
# "<role> at/of/for X" and "shares in X": X is an organisation ("an analyst at UBS").
_ORG_AFTER_WORD = {
    "at": frozenset("""analyst analysts economist economists strategist director partner manager
                     executive officer dealer trader researcher spokesman spokeswoman head editor""".split()),
    "of": frozenset("""takeover acquisition executive chairman president founder boss head spokesman
                     spokeswoman shares owner""".split()),
    "for": frozenset("bid offer spokesman spokeswoman".split()),
    "in": frozenset("shares stake investors shareholders".split()),
    "with": frozenset("economist analyst merger".split()),
}
# Words after a country's name or adjective that make it a currency's ("Swiss francs").
_CURRENCY = frozenset("""
dollar dollars dlr dlrs dlrs. franc francs mark marks pound pounds sterling yen lira lire crown
crowns krona kronor krone kroner guilder guilders peso pesos rupee rupees dinar dinars riyal riyals
rand cent cents cts shilling shillings escudo escudos peseta pesetas drachma drachmas schilling
schillings rouble roubles ruble rubles yuan won baht ringgit rupiah zloty forint currency
""".split())
# Capitals that are not an organisation: units, formats, honours, ranks, table words (Reuters).
_NOT_ACRONYM = frozenset("""
GMT BST EST EDT CET DVD DVDS GDP GNP CEO CFO COO VAT IPO MP3 HIV AIDS SARS BSE SMS MMS GPS GPRS GSM
ADSL LCD HDTV USB RSS XML HTML PDF DRM III VII XV PVR VCR VHS DIY OBE MBE CBE AWOL UMD PDA RFID
IPTV DAB SUV LNG LBO NOTE NOTES FOB CIF PCT YEAR NEW OLD LAST TOTAL MORE HIGH LOW RATE CORN WHEAT
NIL REV REUTER EMS ECU SDR LIBOR PSBR LIFO FIFO WTI AND THE FOR NOT ALL BUT MPS MEP MEPS MSP MSPS
OK CGI CCTV SIM CPU RAM LED DDOS ISBN ATM PIN NHS ISP ISPS MPG BTU API ABS PVC DNA MRI IVF EPO
ACT USSR UAE USA PLC LTD INC CORP WMD WWI WWII FTSE GTA TTL JAN FEB MAR APR MAY JUN JUNE JNE JUL
JULY JLY AUG SEP SEPT OCT NOV DEC MON TUE WED THU FRI SAT SUN R&B FRN FRNS NIF RUF MTN
""".split())
# Music genres: "Soul singer Stevie Wonder" names no band.
_GENRES = frozenset("Soul Pop Rock Jazz Country Folk Rap Blues Opera Punk Metal Indie Gospel Reggae "
                    "Disco Dance Techno Classical Grime Garage".split())
# Any word that may tell an organisation before or after a run (a first, cheap check).
_ORG_CUE_BEFORE = _ORG_BEFORE | _CLUB_BEFORE | frozenset(_ORG_AFTER_WORD)
_ORG_CUE_AFTER = _CLUB_AFTER | _ORG_POSSESSIVE
_ACRONYM = re.compile(r"[A-Z][A-Z&]{2,5}$")
_DEFINED_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z&]{1,7})\)")

_CONNECT = {"de", "van", "von", "der", "den", "da", "du", "del", "la", "le", "bin", "al", "ibn", "di",
            "dos", "das", "y", "ter", "of", "&", "the"}
_NAME_CONNECT = {"de", "van", "von", "der", "den", "da", "du", "del", "la", "le", "bin", "al", "ibn",
                 "di", "dos", "das", "y", "ter"}

_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'\u2019&.\-]*|&")
_ABBREV = re.compile(r"^(?:[A-Z]\.)+[A-Z]?\.?$|^(?:Mr|Mrs|Ms|Dr|St|Gov|Sen|Rep|Gen|Col|Capt|Sgt|Adm"
                     r"|Prof|Rev|Inc|Corp|Co|Ltd|Jr|Sr|No|Calif|Conn|Mass|Fla|Ill|Mich|Minn|Tex|Pa"
                     r"|Va|Wash|Wis|Ont|Que|Alta|Ariz|Colo|Ore|Okla|Tenn|Ky|La|Md|Mo|Neb|Nev|Ala"
                     r"|Ark|Ga|Ind|Kan|Miss|Mont|Vt|Wyo|Del)\.$")


_PARAGRAPH = re.compile(r"\n\s*\n|\n[ \t]{2,}")


# A token and the characters up to the next one: one C-level pass over the text.
_TOKEN_GAP = re.compile(r"([A-Za-z\u00C0-\u024F][\w\u00C0-\u024F'\u2019&.\-]*|&)([^A-Za-z\u00C0-\u024F&]*)")
_LEAD = re.compile(r"[^A-Za-z\u00C0-\u024F&]*")
_SLOW_LAST = frozenset(".'\u2019-s")


class _Toks:
    """The tokens of a text as parallel lists: word, start, end (after a stripped sentence dot or
    possessive), capitalised, and whether punctuation (or a sentence end) follows."""
    __slots__ = ("words", "starts", "ends", "caps", "stops")

    def __init__(self, text: str) -> None:
        words: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        stops: list[bool] = []
        pos = _LEAD.match(text).end()
        for word, gap in _TOKEN_GAP.findall(text):
            start = pos
            pos = start + len(word) + len(gap)
            if word[-1] in _SLOW_LAST:
                end = start + len(word)
                stop = False
                if word[-1] == "." and not _ABBREV.match(word):
                    stripped = word.rstrip(".")
                    end -= len(word) - len(stripped)
                    word = stripped
                    stop = True
                if word.endswith(("'s", "\u2019s")):
                    word, end = word[:-2], end - 2
                    stop = True  # a possessive ends a name: "Robert Maxwell's British Printing"
                word = word.rstrip("'\u2019-")
                if not word:  # cannot happen (a token starts with a letter), kept for safety
                    if stops:
                        stops[-1] = True
                    continue
                if not stop:
                    gap = text[end:pos]
                    stop = bool(gap.strip()) or ("\n" in gap and _PARAGRAPH.search(gap) is not None)
            else:
                end = start + len(word)
                stop = gap != " " and (bool(gap.strip()) or
                                       ("\n" in gap and _PARAGRAPH.search(gap) is not None))
            words.append(word)
            starts.append(start)
            ends.append(end)
            stops.append(stop)
        self.words, self.starts, self.ends, self.stops = words, starts, ends, stops
        self.caps = [w[0].isupper() or _is_particle_name(w) for w in words]


def _runs(toks: _Toks) -> list[tuple[int, int]]:
    """Maximal runs of capitalised tokens, joined by name/organisation connectors, within clauses,
    as (first, past the last) token indexes."""
    words, caps, stops = toks.words, toks.caps, toks.stops
    runs: list[tuple[int, int]] = []
    n = len(words)
    i = 0
    while i < n:
        if not caps[i]:
            i += 1
            continue
        j = i + 1
        while j < n and not stops[j - 1]:
            if caps[j]:
                j += 1
                continue
            k = j
            while k < n and k - j < 2 and (words[k] in _CONNECT or (
                    words[k] == "for" and k == j and words[j - 1] in _ORG_HEAD)) and not stops[k]:
                k += 1  # "of", "of the", "de la"; "Department for Education"
            if k > j and k < n and caps[k]:
                j = k
                continue
            break
        runs.append((i, j))
        i = j
    return runs


def _joined(text: str, toks: _Toks, a: int, b: int) -> bool:
    """Whether two neighbouring tokens are in one clause, or separated by a comma only."""
    return text[toks.ends[a]:toks.starts[b]].strip() in ("", ",")


@lru_cache(maxsize=1024)
def _is_upper_text(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(map(str.isupper, letters)) > 0.8 * len(letters)


# ------------------------------------------------------------------ places

def _place_key(kind: str, iso: str, canon: str, day: date | None) -> tuple[str, str]:
    """(place value, country code) of a gazetteer hit."""
    code = country_code(iso, day)
    return (code if kind == "country" else slug(canon)), code


def _dateline_place(dateline: str, day: date | None) -> tuple[str, str] | None:
    names, upper, _codes, _ambiguous = _gazetteer()
    head = re.split(r",\s*(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d|\d)",
                    dateline)[0]
    parts = [p.strip(" .-") for p in head.split(",") if p.strip(" .-")]
    if not parts:
        return None
    if len(parts) > 1:  # "CALGARY, Alberta", "TAUPO, New Zealand", "ROCHESTER, N.Y."
        region = names.get(parts[-1]) or names.get(parts[-1] + ".") or upper.get(parts[-1].upper())
        if region and region[0] in ("country", "state"):
            city = names.get(parts[0].title())
            if city and city[1] == region[1] and city[0] in ("city", "town"):
                return _place_key("city", city[1], city[2], day)
            return _place_key("city", region[1], parts[0].title(), day)
    city = names.get(parts[0]) or names.get(parts[0].title()) or upper.get(parts[0].upper())
    if city is None:
        return None
    return _place_key(city[0] if city[0] != "town" else "city", city[1], city[2], day)


# ------------------------------------------------------------------ extraction

def _ends_in_place(words: list[str], is_place: Callable[[str], bool]) -> bool:
    """Whether a run that ends in an organisation word is a place with words before it that make
    no organisation: "Soviet Union", "Western Soviet Union" (not "Institute of the Soviet Union")."""
    for k in range(len(words) - 1):
        if words[k] in _ORG_HEAD or words[k] in _ORG_SUFFIX or words[k] == "of":
            return False
        if is_place(" ".join(words[k:])):
            return True
    return False


def _org_name(words: list[str]) -> str:
    while words and (words[0] in ("The", "the") or words[0].endswith("-based")):
        words = words[1:]
    if words and words[-1] in _ORG_SUFFIX:
        words = [*words[:-1], _ORG_SUFFIX[words[-1]]]
    return " ".join(words)


def _is_particle_name(word: str) -> bool:
    """An Arabic name written with its article: "al-Sabah", "el-Din"."""
    return word[2:3] == "-" and word[:2] in ("al", "el") and word[3:4].isupper()


@lru_cache(maxsize=65536)
def _looks_like_name(word: str) -> bool:
    return _is_particle_name(word) or (word[:1].isupper() and not word.isupper() and word not in _NOT_NAME
            and not word.endswith(".") and not word.endswith("-based")
            and not any(c.isdigit() for c in word) and word not in _ORG_SUFFIX) or \
        (len(word) == 2 and word.endswith("."))  # an initial: "J."


def extract(headline: str, body: str, dateline: str = "", published: datetime | date | None = None
            ) -> Entities:
    """People, organisations, places and countries named in an article."""
    day = published.date() if isinstance(published, datetime) else published
    names, upper, _codes, ambiguous = _gazetteer()
    given = _given_names()
    toks = _Toks(body)
    runs = _runs(toks)
    twords, tstarts = toks.words, toks.starts

    people: dict[str, list[str]] = {}      # surname -> forms (word lists), in order found
    orgs: list[str] = []
    place_hits: list[tuple[str, str, str]] = []   # (place, country, name if it needs evidence)
    person_words: set[int] = set()          # indexes of tokens inside a person's name

    not_people: set[str] = set()             # names this article gives to a work or a firm

    def is_place(name: str) -> bool:
        """Whether a name is a place wherever it is written (not a town, nor a name that needs
        evidence: "Kennedy" is a district of Bogota and a surname)."""
        hit = names.get(name)
        return hit is not None and hit[0] != "town" and name not in ambiguous

    def add_person(words: list[str]) -> None:
        words = [w for w in words if w not in _TITLES]
        while words and words[0] in _NAME_CONNECT:
            words = words[1:]
        if not words or len(words) > 4 or not all(_looks_like_name(w) or w in _NAME_CONNECT
                                                  for w in words):
            return
        if is_place(" ".join(words)) or " ".join(words) in _ORG_CODE:
            return
        people.setdefault(words[-1], []).append(words)

    org_starts: set[int] = set()
    for m in _ORG_RE.finditer(body):
        orgs.append(_ORG_CODE[" ".join(m.group().split())])
        org_starts.update(range(m.start(), m.end()))
    if _is_upper_text(headline):
        orgs.extend(_ORG_CODE[m.group()] for m in _ORG_RE.finditer(headline)
                    if m.group() not in _HEADLINE_ORG_STOP)
    n_toks = len(twords)
    org_runs: set[int] = set()  # runs that name an organisation (not a place, nor a person)
    known_orgs, known_firsts = _known_orgs()
    defined = frozenset(_DEFINED_ACRONYM.findall(body)) if "(" in body else frozenset()
    for first, stop in runs:
        last = stop - 1
        words = twords[first:stop]
        # 1. words of the run that belong to a dictionary organisation
        covered = {k for k in range(len(words)) if tstarts[first + k] in org_starts} \
            if org_starts else ()
        # 2. split the run at titles: what follows the last title is a person
        title_at = -1
        for k in range(len(words) - 1, -1, -1):
            if words[k] in _TITLES:
                title_at = k
                break
        if title_at >= 0 and title_at + 1 < len(words):
            # the name is the tail of the run: name-like words that are not places, from a given
            # name on if there is one ("Chancellor of the Exchequer Nigel Lawson")
            tail: list[int] = []
            for k in range(len(words) - 1, title_at, -1):
                w = words[k]
                if not (_looks_like_name(w) or w in _NAME_CONNECT) or is_place(w) or k in covered:
                    break
                tail.insert(0, k)
            broken = bool(tail) and tail[0] > title_at + 1  # a word that is no name stopped it
            starts = [k for k in tail if words[k] in given]
            if starts and broken:
                tail = [k for k in tail if k >= starts[0]]
            elif broken and len(tail) == 1 and (words[tail[0] - 1] in _ORG_SUFFIX or
                                                words[tail[0] - 1] in _CONNECT):
                tail = []  # "Chief Police Officers", "Chambers of Commerce", "Officer of Sony"
            while tail and words[tail[0]] in _NAME_CONNECT:
                tail.pop(0)
            if len(tail) == 1 and words[title_at] not in _HONORIFICS and \
                    re.search(rf"\b{re.escape(words[tail[0]].lower())}\b", body):
                tail = []  # a word also written in lower case: "General Election co-ordinator"
            if tail and len(tail) <= 4:
                add_person([words[k] for k in tail])
                person_words.update(first + k for k in tail)
            org_part = words[:title_at]
        else:
            org_part = words
        # 3. organisations by their last word or head word
        if len(org_part) >= 2 and not all(k in covered for k in range(len(org_part))):
            lead = 0
            while lead < len(org_part) - 2 and org_part[lead] in _LEADING:
                lead += 1  # "But the Home Office"
            org_part = org_part[lead:]
            of_at = org_part.index("of") if "of" in org_part[2:4] else 0
            if of_at and org_part[0] in given and not any(
                    w in _ORG_HEAD or w in _ORG_SUFFIX or not _looks_like_name(w) for w in org_part[:of_at]):
                add_person(org_part[:of_at])  # "Allan Leslie of Discount Corp"
                person_words.update(range(first + lead, first + lead + of_at))
                org_part = org_part[of_at + 1:]
            while len(org_part) > 1 and org_part[-1] in _TITLES and org_part[-1] not in _ORG_SUFFIX:
                org_part = org_part[:-1]  # "Metropolitan Police Commissioner"
            if org_part and org_part[-1] in _ORG_SUFFIX and org_part[-1] not in ("Reserve",) and \
                    not all(w in _ORG_GENERIC or w in _ORG_SUFFIX for w in org_part) and \
                    not _ends_in_place(org_part, is_place) and \
                    not (org_part[-1] == "City" and " ".join(org_part) in names):
                orgs.append(_org_name(org_part))
                continue
            elif org_part and any(w in _ORG_HEAD and org_part[i + 1] in ("of", "for")
                                  for i, w in enumerate(org_part[:3]) if i + 1 < len(org_part)) \
                    and not is_place(" ".join(org_part)):
                orgs.append(_org_name(org_part))  # "Bank of Japan", "Muslim Council of Britain"
                continue
        # 3a. organisations known by name ("Microsoft", "Aston Villa"), not inside a person's name
        if not covered and any(w in known_firsts for w in org_part):
            found_known = False
            base = first + next(i for i in range(len(words)) if words[i:i + len(org_part)] == org_part)
            k = 0
            while k < len(org_part):
                for size in range(min(4, len(org_part) - k), 0, -1) if org_part[k] in known_firsts else ():
                    hit = known_orgs.get(" ".join(org_part[k:k + size]))
                    at = base + k  # the token the name starts at
                    if hit and not (k and org_part[0] in given) and not (
                            hit[1] and (at == 0 or toks.stops[at - 1] or not _joined(body, toks, at - 1, at))):
                        orgs.append(hit[0])
                        found_known = True
                        k += size - 1
                        break
                k += 1
            if found_known and title_at < 0:
                org_runs.add(first)
                continue
        # 3b. organisations by the words around them ("car firm Carfax", "Chelsea chief executive",
        # "an analyst at UBS"), by a short form defined after them ("Institute for Supply
        # Management (ISM)"), or written in capitals ("IBM")
        before = twords[first - 1] if first else ""
        after = twords[stop] if stop < n_toks else ""
        if title_at < 0 and not covered and (
                before in _ORG_CUE_BEFORE or after in _ORG_CUE_AFTER or
                (stop - first == 1 and words[0].isupper()) or
                "(" in body[toks.ends[last]:toks.ends[last] + 3]):
            org = _org_in_context(body, toks, first, stop, names, defined)
            if org:
                orgs.append(org)
                org_runs.add(first)
                continue
        # 4. people without a title
        if title_at < 0 and not covered:
            before = twords[first - 1] if first > 0 and _joined(body, toks, first - 1, first) else ""
            after = twords[stop] if stop < n_toks and _joined(body, toks, last, stop) else ""
            name = words
            firm = (after in ("and", "&") and last + 2 < n_toks
                    and twords[last + 2] in ("Co", "Co.", "Company", "Sons", "Partners"))
            if firm:
                orgs.append(" ".join([*name, after, _ORG_SUFFIX.get(twords[last + 2], "Sons")]))
            elif 2 <= len(name) <= 4 and all(_looks_like_name(w) or w in _NAME_CONNECT for w in name):
                if before.lower() in _WORK_WORDS or body.startswith(" and the ", toks.ends[last]):
                    not_people.add(" ".join(name))  # "the film Vera Drake", "Harry Potter and the"
                elif name[0] in given or (after in _SAY or before in _SAY or before in _ROLES):
                    # a place's name after a given name is a surname ("Tony Jordan", "Sofia Coppola")
                    if not any(is_place(w) for w in name) or (
                            name[0] in given and len(name) == 2 and not is_place(" ".join(name))
                            and not (is_place(name[0]) and is_place(name[1]))):
                        add_person(name)
                        person_words.update(range(first, stop))
            elif len(name) == 1 and _looks_like_name(name[0]) and before.lower() in ("mr", "mrs", "ms"):
                add_person(name)
    # 5. places: longest gazetteer match in each run, skipping people's and organisations' names
    for first, stop in runs:
        if first in org_runs:
            continue
        words = twords[first:stop]
        n_words = len(words)
        if stop < n_toks and twords[stop] in _CURRENCY and _joined(body, toks, stop - 1, stop):
            n_words -= 1  # "Swiss francs", "U.S. dlrs" name a currency, not a place
            if not n_words:
                continue
        if n_words == 1:
            if first not in person_words:
                hit = names.get(words[0])
                if hit and hit[0] != "town":
                    doubt = words[0] if words[0] in ambiguous else ""
                    place_hits.append((*_place_key(hit[0], hit[1], hit[2], day), doubt))
            continue
        k = 0
        while k < n_words:
            if first + k in person_words:
                k += 1
                continue
            for size in range(min(4, n_words - k), 0, -1):
                name = " ".join(words[k:k + size])
                hit = names.get(name)
                if hit and hit[0] != "town":
                    place_hits.append((*_place_key(hit[0], hit[1], hit[2], day), name if name in ambiguous else ""))
                    k += size
                    break
            else:
                k += 1
    headline_countries: list[str] = []
    if _is_upper_text(headline):
        hwords = re.findall(r"[A-Z][A-Z.'\-]*", headline)
        for k in range(len(hwords)):
            for size in (3, 2, 1):
                hit = upper.get(" ".join(hwords[k:k + size]))
                if hit and hit[0] != "town" and not (size == 1 and hwords[k] in ("US",)):
                    place_hits.append((*_place_key(hit[0], hit[1], hit[2], day), hit[2] if hit[2] in ambiguous else ""))
                    break
            if hwords[k] in ("U.S.", "US"):
                place_hits.append((*_place_key("country", "US", "", day), ""))
    elif headline:
        sub = extract("", headline, "", day)
        place_hits.extend((place, "", "") for place in sub.places)
        headline_countries = sub.countries
    if dateline:
        hit = _dateline_place(dateline, day)
        if hit:
            place_hits.insert(0, (*hit, ""))
    # a place whose name is also a surname or a bigger namesake's counts when the article names
    # another place of its country (the dateline, the country, a state, a city) and no one of its name
    named = {w for forms in people.values() for form in forms for w in form}
    evident = {c for _p, c, doubtful in place_hits if c and not doubtful}
    place_hits = [(p, c, doubtful) for p, c, doubtful in place_hits
                  if not doubtful or (c in evident and doubtful not in named)]

    out = Entities()
    # people: one per surname, named by its longest form; a surname inside another's name is dropped,
    # and so is a name the article gives to a work or a firm ("Merrill Lynch and Co")
    for surname, forms in people.items():
        best = " ".join(max(forms, key=len))
        if any(surname != other and surname in [w for f in ofs for w in f[:-1]]
               for other, ofs in people.items()):
            continue
        known = next((k for k in _NOT_PEOPLE if best == k or best.startswith(k + " ")), None)
        if known is not None:
            if _NOT_PEOPLE[known]:
                orgs.append(_NOT_PEOPLE[known])
            continue
        if best in not_people or best in orgs or any(o.startswith(best + " ") for o in orgs):
            continue
        out.people.append(best)
    distinct_orgs = _distinct(orgs)
    # "House of Fabrics" is "House of Fabrics Inc" when the article names it so
    out.orgs = [o for o in distinct_orgs
                if not any(other != o and other.startswith(o + " ") and other.split()[-1] in
                           _ORG_SUFFIX.values() for other in distinct_orgs)]
    out.places = _distinct(p for p, _c, _d in place_hits)
    out.countries = _distinct([*(c for _p, c, _d in place_hits if c), *headline_countries])
    return out


def _org_in_context(text: str, toks: _Toks, first: int, stop: int, names: dict,
                    defined: frozenset[str]) -> str | None:
    """The organisation a run of capitalised words names, told by the words around it: None when
    they do not say, or the run is a country or state (or a town, unless it names a club)."""
    twords = toks.words
    n = len(twords)
    words = twords[first:stop]
    lead = 0
    while lead < len(words) - 1 and words[lead] in _LEADING:
        lead += 1
    words = words[lead:]
    if len(words) > 6 or all(w in _NOT_NAME or w in _ORG_GENERIC for w in words):
        return None
    name = " ".join(words)
    last = stop - 1
    end = toks.ends[last]
    gap = text[end:toks.starts[stop]] if stop < n else text[end:]
    club = org = False
    if len(words) >= 2 and stop == first + lead + len(words):
        m = _DEFINED_ACRONYM.match(gap)
        if m and m.group(1)[0] == words[0][0] and sum(c.isupper() for c in m.group(1)) >= 2:
            org = True  # "Energy Information Administration (EIA)"
    if not org and len(words) == 1 and _ACRONYM.match(name) and name not in _NOT_ACRONYM \
            and name not in defined and text[toks.starts[first] - 1:toks.starts[first]] != "<" \
            and any(0 <= k < n and twords[k][0].islower() for k in (first - 1, stop)) \
            and not re.search(rf"\b{name.lower()}\b", text):
        # "IBM", beside a word in lower case (not in a table), and not a word shouted ("WILL");
        # a short form defined in the article stands for its long name
        org = True
    if not org and first > 0:
        before = twords[first - 1]
        joined = text[toks.ends[first - 1]:toks.starts[first]].strip() == ""
        if joined and before in _ORG_BEFORE:
            org = True
        elif joined and before in _CLUB_BEFORE:
            club = True
        elif joined and before in _ORG_AFTER_WORD and first > 1 and \
                twords[first - 2].lower() in _ORG_AFTER_WORD[before]:
            org = True
    if not org and not club and stop < n:
        after = twords[stop]
        if gap in ("'s ", "\u2019s "):
            org = after in _ORG_POSSESSIVE
        elif gap == " " and after in _CLUB_AFTER:
            club = True
    if not (org or club):
        return None
    if club and (words[0] in _GENRES or (names.get(words[0]) or ("",))[0] in ("country", "state")):
        return None  # "Soul singer", "England Under-21 keeper"
    if len(words) >= 2 and words[0] in _given_names() and words[-1] not in _ORG_SUFFIX and \
            not (len(words) == 2 and words[1][:1].isdigit()):
        return None  # a person's name ("broadcaster Cyril Fletcher")
    hit = names.get(name)
    if hit and (hit[0] in ("country", "state") or not club):
        return None
    return name


def _distinct(values) -> list[str]:
    seen: set[str] = set()
    out = []
    for v in values:
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out
