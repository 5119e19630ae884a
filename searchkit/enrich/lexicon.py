"""Word lists of entity extraction: organisations by code and their spellings, company and
body words, titles and roles before people's names, words that make no name."""
from __future__ import annotations

import re


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
# lookahead, so that the engine tries them only where a capital stands (faster than one list).


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
    "professor", "researcher", "says", "said", "told", "stars", "starring", "husband", "wife", "son",
    "daughter", "brother", "sister", "father", "mother",
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
# Words after a country's or city's name that make it a currency's or a rate's ("Swiss francs",
# "London interbank offered rate").
_CURRENCY = frozenset("""
dollar dollars dlr dlrs dlrs. franc francs mark marks pound pounds sterling yen lira lire crown
crowns krona kronor krone kroner guilder guilders peso pesos rupee rupees dinar dinars riyal riyals
rand cent cents cts shilling shillings escudo escudos peseta pesetas drachma drachmas schilling
schillings rouble roubles ruble rubles yuan won baht ringgit rupiah zloty forint currency
interbank Interbank
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
