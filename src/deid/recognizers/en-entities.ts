/**
 * English person names, places, organisations and street addresses. Names come from titles
 * (Dr, Mrs), credentials after a name (RN, MD), family and care cues (wife, son, HCP), and first/
 * last-name lexicons, discounted when the word is also a common English word or a clinical
 * abbreviation. Letter case is used only where the text is in mixed case.
 */
import { extendAddressBackward, extendAddressForward } from './en-address-blocks.ts';
import { loadEnLexicons, loadKnownWords } from '../lexicons.ts';
import { EntityType, type Finding, type RecognizeInput, type Recognizer } from '../types.ts';
import {
  AMBIGUOUS_CITIES,
  FACILITY_SUFFIX,
  HOSPITAL_NAMES,
  MAJOR_CITIES,
  PLACE_SUFFIX,
} from './en-places.ts';
import { WordTable, wordHash } from './word-table.ts';

/** Bits of `Tok.b`: letter case of the word and what the gap before it holds. */
const B_TITLE = 1;
const B_CAPS = 2;
/** Letters only (no apostrophe or hyphen): /^\p{L}+$/u. */
const B_LETTERS = 4;
const B_GAP_BREAK = 8;
const B_GAP_COMMA = 16;
const B_GAP_NEWLINE = 32;
const B_GAP_PLAIN = 64;
const B_GAP_DIGIT = 128;
const B_GAP_SENTENCE = 256;
const B_MONO = 512;

/**
 * One word token. The yes/no facts are packed into one number (`b`) behind getters. Tokens are
 * reused from one analysis to the next (see `tokenPool`): only the tokenizer writes them.
 */
class Tok {
  constructor(
    /** As written. */
    public w: string,
    /** Lower case. */
    public l: string,
    /** Lexicon flags of the lower-case word (F_FIRST, F_LAST, ...), looked up once. */
    public f: number,
    public start: number,
    public end: number,
    /** B_* bits. */
    public b: number,
  ) {}
  /** Capitalised, not all caps. */
  get title(): boolean {
    return (this.b & B_TITLE) !== 0;
  }
  get caps(): boolean {
    return (this.b & B_CAPS) !== 0;
  }
  /** Made of letters only (no apostrophe or hyphen). */
  get letters(): boolean {
    return (this.b & B_LETTERS) !== 0;
  }
  /** The gap before this token holds punctuation other than . or , or a line break. */
  get gapBreak(): boolean {
    return (this.b & B_GAP_BREAK) !== 0;
  }
  get gapComma(): boolean {
    return (this.b & B_GAP_COMMA) !== 0;
  }
  get gapNewline(): boolean {
    return (this.b & B_GAP_NEWLINE) !== 0;
  }
  /** The gap holds only spaces and commas. */
  get gapPlain(): boolean {
    return (this.b & B_GAP_PLAIN) !== 0;
  }
  get gapEndsDigit(): boolean {
    return (this.b & B_GAP_DIGIT) !== 0;
  }
  /** The gap ends with . ! or ? (then spaces). */
  get gapSentence(): boolean {
    return (this.b & B_GAP_SENTENCE) !== 0;
  }
  /** Most cased letters of this token's line are of one case: letter case says nothing there. */
  get mono(): boolean {
    return (this.b & B_MONO) !== 0;
  }
}

const F_FIRST = 1;
const F_LAST = 2;
const F_COMMON = 4;
const F_VERY = 8;
const F_PLACE = 16;
const F_CLIN = 32;
const F_ORGSUF = 1 << 6;
const F_REL = 1 << 7;
const F_TITLE = 1 << 8;
const F_CRED = 1 << 9;
const F_PLSUF = 1 << 10;
const F_FCUE = 1 << 11;
const F_TPREP = 1 << 12;
const F_PPREP = 1 << 13;
const F_CARE = 1 << 14;
const F_STATE = 1 << 15;
const F_COUNTRY = 1 << 16;
const F_ORGIN = 1 << 17;
const F_REPORT = 1 << 18;
/** First word of a place, state, country or city name. */
const F_PLACE1 = 1 << 19;
/** A known English word (SCOWL up to size 70, see `loadKnownWords`). */
const F_KNOWN = 1 << 20;
/** First word of a generic hospital name ("holy" of "holy cross"; "saint" counts as "st"). */
const F_HOSP1 = 1 << 21;

/** True when token `t` carries lexicon flag `flag`. */
const is = (t: Tok, flag: number): boolean => (t.f & flag) !== 0;

/** Lexicon flags per lower-case word, memoised (bounded: cleared when it grows too large). */
let flagMemo = new Map<string, number>();
function flagsOf(l: string): number {
  let f = flagMemo.get(l);
  if (f !== undefined) return f;
  const lex = loadEnLexicons();
  f =
    (lex.first.has(l) ? F_FIRST : 0) |
    (lex.last.has(l) ? F_LAST : 0) |
    (lex.common.has(l) ? F_COMMON : 0) |
    (lex.veryCommon.has(l) ? F_VERY : 0) |
    (lex.places.has(l) ? F_PLACE : 0) |
    (CLINICAL.has(l) ? F_CLIN : 0) |
    (ORG_SUFFIX.has(l) ? F_ORGSUF : 0) |
    (RELATIONS.has(l) ? F_REL : 0) |
    (TITLES.has(l) ? F_TITLE : 0) |
    (CREDENTIALS.has(l) ? F_CRED : 0) |
    (PLACE_SUFFIX.has(l) ? F_PLSUF : 0) |
    (FACILITY_CUES.has(l) ? F_FCUE : 0) |
    (TRANSFER_PREPS.has(l) ? F_TPREP : 0) |
    (PLACE_PREPS.has(l) ? F_PPREP : 0) |
    (CARE_BEFORE.has(l) ? F_CARE : 0) |
    (US_STATES.has(l) ? F_STATE : 0) |
    (COUNTRIES.has(l) ? F_COUNTRY : 0) |
    (ORG_INNER.has(l) ? F_ORGIN : 0) |
    (REPORT_AFTER.has(l) ? F_REPORT : 0) |
    (placeFirstWords(lex).has(l) || US_STATES.has(l) || COUNTRIES.has(l) ? F_PLACE1 : 0) |
    (loadKnownWords().has(l) ? F_KNOWN : 0) |
    (HOSPITAL_FIRST.has(l === 'saint' ? 'st' : l) ? F_HOSP1 : 0);
  if (flagMemo.size > 200_000) flagMemo = new Map();
  flagMemo.set(l, f);
  return f;
}

const TITLES = new Set([
  'dr',
  'doctor',
  'mr',
  'mrs',
  'ms',
  'miss',
  'mister',
  'prof',
  'professor',
  'mrs',
  'rev',
  'drs',
  "dr's",
]);
/** Words after a name that say a person was told, called or present: "E. Welsh aware". */
const REPORT_AFTER = new Set([
  'aware',
  'notified',
  'paged',
  'called',
  'informed',
  'updated',
  'made',
  'here',
  'spoke',
  'said',
  'ordered',
  'in',
  'at',
  'visited',
  'came',
  'present',
  'was',
  'phoned',
]);
/** Words after a relative's first name that is also a common word: "son bill called". */
const FAMILY_VERB_AFTER = new Set([
  'consented',
  'states',
  'stated',
  'says',
  'left',
  'called',
  'visited',
  'was',
  'came',
  'phoned',
  'aware',
  'updated',
  'here',
]);
/** Words before an initial and surname: "per W. Marotta", "paged Z. Miller". */
const INITIAL_CUES_BEFORE = new Set([
  'per',
  'by',
  'paged',
  'called',
  'notified',
  'informed',
  'with',
]);
/** Care-team words right before a name: "NP Djuric", "md Saeed", "HO Falco". */
const CARE_BEFORE = new Set(['np', 'md', 'ho', 'caseworker', 'rn', 'nurse', 'attending', 'pcp']);
/** Words after "PA"/"NP" that make it a catheter or a pressure, not a credential. */
const CRED_DEVICE_AFTER = new Set([
  'line',
  'lines',
  'catheter',
  'cath',
  'pressure',
  'pressures',
  'p',
  'ps',
  'port',
  'numbers',
  'nums',
  'tracing',
  'wedge',
  'diastolic',
  'systolic',
  'mean',
  'sat',
  'sats',
]);
/** Genus initials in clinical text: "E. coli", "S. aureus" are organisms, not people. */
const SPECIES = new Set(
  (
    'coli aureus epidermidis pneumoniae aeruginosa faecalis faecium albicans glabrata cloacae ' +
    'marcescens mirabilis difficile diff influenzae maltophilia baumannii pyogenes agalactiae ' +
    'viridans lugdunensis fragilis perfringens catarrhalis meningitidis gonorrhoeae jirovecii ' +
    'carinii fumigatus neoformans oxytoca proteus enterococcus klebsiella'
  ).split(' '),
);
const CREDENTIALS = new Set([
  'crt',
  'licsw',
  'aprn',
  'fnp',
  'acnp',
  'cnm',
  'rn',
  'md',
  'np',
  'pa',
  'lpn',
  'cna',
  'do',
  'phd',
  'rnc',
  'bsn',
  'msn',
  'crna',
  'mph',
  'facs',
  'facc',
  'rrt',
  'pharmd',
  'lcsw',
  'msw',
]);
const RELATIONS = new Set([
  'social',
  'wife',
  'husband',
  'son',
  'daughter',
  'mother',
  'father',
  'mom',
  'dad',
  'brother',
  'sister',
  'sibling',
  'niece',
  'nephew',
  'aunt',
  'uncle',
  'grandson',
  'granddaughter',
  'grandmother',
  'grandfather',
  'friend',
  'fiance',
  'fiancee',
  'partner',
  'girlfriend',
  'boyfriend',
  'neighbor',
  'neighbour',
  'dtr',
  'hcp',
  'proxy',
  'guardian',
  'spouse',
  'sons',
  'daughters',
  'sisters',
  'brothers',
  'cousin',
  'stepson',
  'stepdaughter',
  'stepmother',
  'stepfather',
  'inlaw',
  'caregiver',
  'roommate',
  'companion',
  'pcp',
  'attending',
  'resident',
  'intern',
  'fellow',
  'surgeon',
  'cardiologist',
  'nephrologist',
  'oncologist',
  'neurologist',
  'physician',
  'nurse',
  'np',
  'rn',
  'md',
  'dr',
  'doc',
  'covering',
  'pastor',
  'priest',
  'chaplain',
  'rabbi',
  'sw',
  'case',
  'manager',
  'family',
  'visitor',
  'visitors',
  'pt',
  'patient',
  'named',
  'name',
  'names',
  'called',
  'paged',
  'per',
  'notified',
  'spoke',
  'talked',
  'aware',
  'cc',
  'signed',
  'dear',
  'thanks',
  'thank',
  // Reporting and greeting words of narrative text: "says Orlavsky", "Hi Gerolf".
  'says',
  'starring',
  'hi',
  'hello',
  'kid',
  'kids',
]);
/** Cues strong enough to take an unknown word as a name. */
const STRONG_CUES = new Set([
  'daughters',
  'sons',
  'sisters',
  'brothers',
  'wife',
  'husband',
  'son',
  'daughter',
  'mother',
  'father',
  'mom',
  'dad',
  'brother',
  'sister',
  'niece',
  'nephew',
  'aunt',
  'uncle',
  'grandson',
  'granddaughter',
  'friend',
  'fiance',
  'fiancee',
  'girlfriend',
  'boyfriend',
  'neighbor',
  'neighbour',
  'dtr',
  'hcp',
  'proxy',
  'guardian',
  'spouse',
  'cousin',
  'named',
  'pcp',
  'attending',
  'resident',
  'intern',
  'fellow',
  'surgeon',
  'cardiologist',
  'pastor',
  'chaplain',
  'priest',
  'rabbi',
  'name',
  'cc',
  'dear',
  'stepson',
  'stepdaughter',
  'caregiver',
  'roommate',
  'says',
  'starring',
  'hi',
  'hello',
  'grandmother',
  'grandfather',
  'kid',
]);
/** Words that sit between a cue and the name: "wife, Mary", "son is Bill", "name is". */
const CUE_FILLERS = new Set([
  'him',
  'is',
  'was',
  'named',
  'name',
  'called',
  'of',
  'the',
  'her',
  'his',
  'their',
  'pt',
  "pt's",
  's',
]);
/** Clinical abbreviations and ward words that are also names in the lexicons. */
const CLINICAL = new Set(
  (
    'pt pts bp hr rr sob cp ns iv po prn npo ivf ngt ogt ett abg cbc bun cr k na mg ca ph co2 o2 sat sats ' +
    'ms mae perrl cta dsg drsg wnl nad aox ao neuro resp cv gi gu id skin soc dispo plan a p s o hpi pmh ' +
    'psh fh sh ros vs vss afeb tmax t hgb hct plt wbc inr ptt pt/ptt lft ast alt alk bili tsh ' +
    'ekg ecg echo cxr ct mri kub us eeg emg pft ua uti cva tia mi chf cad copd dm htn afib af svt ' +
    'vt vf nsr st sb ccu micu sicu csru icu er ed or pacu ew floor rehab nh vna home ' +
    'lasix coumadin heparin dopamine levo neo neosynephrine insulin digoxin kayexalate vanco zosyn ' +
    'flagyl tylenol morphine ativan haldol propofol fentanyl versed dilaudid percocet lopressor ' +
    'captopril lisinopril amiodarone diltiazem nitro ntg asa plavix protonix zantac colace senna ' +
    'lactulose albuterol atrovent combivent solumedrol prednisone lovenox ceftriaxone levaquin ' +
    'cipro bactrim fluconazole nystatin tpn lr d5w d5 ffp prbc plts cc ml mcg mg kg lb hrs hr min ' +
    'am pm noc eve days nights wk wks mo mos yr yrs yo y/o x2 x3 d/c dc c/o s/p r/o h/o b/l ' +
    'rle lle rue lue rll lll rul lul bilat cath tele sbp dbp map cvp pad pcwp svr ci co ' +
    'aline cvl picc peg trach vent cpap bipap peep fio2 psv imv simv ac tv mv rsbi abd ' +
    'bs bm ob ot slp pt/ot fsbg fs bgs ssi riss lytes cvvh cvvhd hd crrt art ' +
    'md rn np pa do lpn cna phd jr sr ii iii iv mrs mr dr ms miss st mt ft pt ' +
    'mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'january february march april may june july august september october november december ' +
    'monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight ' +
    'male female man woman lady gentleman baby infant boy girl child christian catholic jewish ' +
    'hospital clinic unit service team nursing medicine surgery cardiology ' +
    'ok okay yes no not none and or but with without per via pre post ' +
    'foley endo neg pos perl perla perrl perrla pearl pearla max min rad rads reg tol mag mags bil bili bolus ' +
    'boluses mic mics ced gib fi ax raf los av ami ab sig uo temp temps peri occ brady tachy qhr qh qd bid tid ' +
    'qid prn quinton hickman swan ganz groshong mediport portacath jp penrose kerlix tegaderm duoderm ' +
    'aline hct lyte lytes coags cx cxs abx dsd wbc serosanguinous sanguinous paco pao sao svo ' +
    'english spanish russian chinese italian portuguese french german haitian creole polish greek ' +
    'vietnamese korean japanese arabic hindi catholic baptist methodist jehovah ' +
    'wo ectopy pvc pvcs pac pacs lbbb rbbb mod mods sl sq subq im ivp ivpb gtt gtts drip drips ' +
    'nebs neb mdi trach peg tf tfs ngt dobhoff kub lue rue lle rle ble bue ue le ext exts ' +
    'angio preop postop periop intraop commode ' +
    'stoma ostomy wound rt fld ivs line lines tube tubes drain port ' +
    'quinton quintin quentin swann ganz riker ted teds allegra douglas mallory weiss ' +
    'passy muir bair hugger cor pulmonale johnny bovie doppler dopp kling floro fluoro ' +
    'cont contin oob etc inf med meds rabbi chaplain pastor priest ceo poss addendum ' +
    'trendelenburg trendelenberg trendelberg carevue careview ' +
    'ed ms mso bp hr rr o2 fio2 sao2 spo2 etco2 abd bs bm bms gu gi resp neuro cv id skin psych social'
  ).split(/\s+/),
);

const ORG_SUFFIX = new Set([
  // Church hospitals are named by their denomination: "Riverside Adventist".
  'adventist',
  'baptist',
  'methodist',
  'presbyterian',
  'lutheran',
  'deaconess',
  'hospital',
  'hosp',
  'clinic',
  'clinics',
  'university',
  'college',
  'school',
  'academy',
  'institute',
  'inc',
  'corp',
  'corporation',
  'llc',
  'ltd',
  'company',
  'bank',
  'foundation',
  'associates',
  'pharmacy',
  'laboratories',
  'labs',
  'infirmary',
  'hospice',
  'church',
  'plc',
  'gmbh',
  'group',
  'partners',
  'systems',
  'healthcare',
  'center',
  'centre',
  'vamc',
  'ctr',
  'ministries',
  'agency',
  'society',
  'memorial',
  'rehab',
  'technologies',
  'technology',
  'solutions',
  'consulting',
  'industries',
  'enterprises',
  'holdings',
  'capital',
  'orchestra',
  'insights',
  'analytics',
  'ventures',
]);
/** Two-letter US state abbreviations (USPS). */
const STATE_ABBR = new Set(
  (
    'al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ' +
    'ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc'
  ).split(' '),
);
/** State abbreviations that are no clinical shorthand (MI, CA, PA, OR, IN are): "Hampton, MA". */
const TOWN_STATE_ABBR = new Set(
  'ma md nj ny nc va wv fl tx ri ct nh vt nm nv az ut wa wi mn ia ne ks tn ky ga sd nd wy dc'.split(
    ' ',
  ),
);
/** "University of X", "Univ. of X", "U of X", "UOf X", "U X" with hospital words after it. */
const UNIVERSITY_RE =
  /\b(?:University|Univ\.?|U\.?)\s*(of\s+)?([A-Za-z]{2,14})\b(?:\s+(?:Medical|Med\.?|Hospital|Hosp\.?|Center|Ctr\.?|Campus|ER|ED|EW|MC|Health|System)\b\.?)*/gi;
/** Organisation suffixes that are also clinical shorthand: only capitalised in mixed-case text. */
const WEAK_ORG_SUFFIX = new Set(['labs', 'inc', 'systems', 'group', 'rehab', 'agency']);
const ORG_INNER = new Set([
  'medical',
  'med',
  'greater',
  'general',
  'memorial',
  'community',
  'regional',
  'county',
  'state',
  'university',
  "children's",
  'childrens',
  "women's",
  'health',
  'care',
  'rehabilitation',
  'rehab',
  'nursing',
  'sacred',
  'heart',
  'holy',
  'cross',
  'saint',
  'st',
  'of',
  'the',
  'and',
  '&',
  'mercy',
  'good',
  'samaritan',
  'baptist',
  'methodist',
  'presbyterian',
  'lutheran',
  'hebrew',
  'home',
  'city',
  'national',
  'international',
  'cancer',
  'heart',
  'eye',
  'ear',
  'veterans',
  'va',
  'valley',
  'north',
  'south',
  'east',
  'west',
  'central',
  'new',
  'union',
  'mount',
  'mt',
  'lady',
  'our',
  'high',
  'elementary',
  'middle',
  'law',
  'financial',
  'insurance',
  'mutual',
]);
const PLACE_PREPS = new Set([
  'in',
  'from',
  'to',
  'at',
  'near',
  'of',
  'moved',
  'lives',
  'resides',
  'live',
  'visiting',
  'back',
]);
const US_STATES = new Set([
  'alabama',
  'alaska',
  'arizona',
  'arkansas',
  'california',
  'colorado',
  'connecticut',
  'delaware',
  'florida',
  'georgia',
  'hawaii',
  'idaho',
  'illinois',
  'indiana',
  'iowa',
  'kansas',
  'kentucky',
  'louisiana',
  'maine',
  'maryland',
  'massachusetts',
  'michigan',
  'minnesota',
  'mississippi',
  'missouri',
  'montana',
  'nebraska',
  'nevada',
  'new hampshire',
  'new jersey',
  'new mexico',
  'new york',
  'north carolina',
  'north dakota',
  'ohio',
  'oklahoma',
  'oregon',
  'pennsylvania',
  'rhode island',
  'south carolina',
  'south dakota',
  'tennessee',
  'texas',
  'utah',
  'vermont',
  'virginia',
  'washington',
  'west virginia',
  'wisconsin',
  'wyoming',
]);
const COUNTRIES = new Set([
  'china',
  'japan',
  'korea',
  'india',
  'france',
  'germany',
  'italy',
  'spain',
  'portugal',
  'england',
  'ireland',
  'scotland',
  'wales',
  'canada',
  'mexico',
  'brazil',
  'argentina',
  'chile',
  'peru',
  'colombia',
  'venezuela',
  'uruguay',
  'paraguay',
  'bolivia',
  'ecuador',
  'cuba',
  'haiti',
  'jamaica',
  'russia',
  'ukraine',
  'poland',
  'hungary',
  'austria',
  'switzerland',
  'belgium',
  'netherlands',
  'holland',
  'sweden',
  'norway',
  'denmark',
  'finland',
  'iceland',
  'greece',
  'turkey',
  'israel',
  'egypt',
  'iran',
  'iraq',
  'syria',
  'lebanon',
  'jordan',
  'pakistan',
  'afghanistan',
  'bangladesh',
  'vietnam',
  'thailand',
  'cambodia',
  'laos',
  'philippines',
  'indonesia',
  'malaysia',
  'singapore',
  'australia',
  'zealand',
  'nigeria',
  'kenya',
  'ethiopia',
  'ghana',
  'morocco',
  'algeria',
  'tunisia',
  'croatia',
  'serbia',
  'romania',
  'bulgaria',
  'czech',
  'slovakia',
  'slovenia',
  'albania',
  'estonia',
  'latvia',
  'lithuania',
  'belarus',
  'georgia',
  'armenia',
  'azerbaijan',
  'kazakhstan',
  'taiwan',
  'mongolia',
  'nepal',
  'somalia',
  'sudan',
  'congo',
  'angola',
  'zimbabwe',
  'zambia',
  'senegal',
  'cameroon',
  'guatemala',
  'honduras',
  'nicaragua',
  'panama',
  'salvador',
  'dominica',
  'bahamas',
  'barbados',
  'united states',
  'united kingdom',
  'great britain',
  'new zealand',
  'south africa',
  'czech republic',
  'dominican republic',
  'cyprus',
  'malta',
  'luxembourg',
  'liechtenstein',
  'andorra',
  'greenland',
  'bosnia',
  'montenegro',
  'macedonia',
  'moldova',
  'saudi arabia',
  'united arab emirates',
  'qatar',
  'kuwait',
  'yemen',
  'oman',
  'sri lanka',
  'myanmar',
  'south korea',
  'north korea',
  'costa rica',
  'puerto rico',
  'el salvador',
  'trinidad',
  'tanzania',
  'uganda',
  'rwanda',
  'mozambique',
  'madagascar',
  'namibia',
  'botswana',
  'libya',
  'uzbekistan',
  'kyrgyzstan',
  'tajikistan',
  'turkmenistan',
]);
const STREET_SUFFIX =
  `(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Crescent|Alley|Plaza|Route|Rte|Turnpike|Pike|Row|Loop|Path|Walk|Heights|Hts|Ridge|Point|` +
  // More street suffixes of USPS Publication 28 (appendix C1) and British usage.
  `Close|Greens?|Gardens|Grove|Mews|Rise|Vale|Dale|Flats|Union|Pass|Prairie|Squares|Views?|Crossing|Estates|Manor|Meadows|Mills|Orchard|Springs|Summit|Valley|Village|Vista|Falls|Ferry|Creek|Cove|Causeway|Expressway|Freeway)`;

const ADDRESS_RE = new RegExp(
  `\\b\\d{1,6}(?:-\\d{1,4})?[A-Za-z]?\\s+(?:[NSEW]\\.?\\s+)?(?:[A-Z][A-Za-z'.-]*\\s+){1,4}?${STREET_SUFFIX}\\b\\.?` +
    `(?:,?\\s*(?:Apt|Apartment|Suite|Ste|Unit|#|Fl|Floor|Room|Rm)\\.?\\s*#?\\s*[A-Za-z0-9-]+)?` +
    `(?:,?\\s*\\n?\\s*[A-Z][A-Za-z]+(?:\\s[A-Z][A-Za-z]+){0,2},?\\s*\\n?\\s*(?:[A-Z]{2}|[A-Z][a-z]+)\\.?\\s+\\d{5}(?:-\\d{4})?)?`,
  'g',
);
const ADDRESS_LOOSE_RE = new RegExp(`\\bP\\.?\\s?O\\.?\\s+Box\\s+\\d+`, 'g');
/** US military mail: "PSC 0413, Box 8144", "Unit 4719 Box 7394", "APO AA 61487". */
const ADDRESS_MILITARY_RE =
  /\b(?:(?:PSC|Unit|CMR)\s+\d{3,5},?\s+Box\s+\d{3,5}|USN[SV]\s+[A-Z][a-z]+|[AFD]PO\s+A[AEP]\s+\d{5})\b/gi;
/** Apartment and suite numbers: "Apt. 595", "Suite 501". */
const CITY_AFTER = `(?: \\p{Lu}[\\p{L}'’-]+(?: \\p{Lu}[\\p{L}'’-]+){0,2}(?= |,|$))?`;
const ADDRESS_UNIT_RE = new RegExp(
  `\\b(?:Apt|Apartment|Suite|Ste)\\.? #?\\d{1,5}[A-Z]?\\b${CITY_AFTER}`,
  'gu',
);
/**
 * House number, street name and a number after it, the order of most European addresses:
 * "28245 Puruntie 82 Apt. 595", "5049 Harjukuja 54, Seinäjoki".
 */
const ADDRESS_EU_RE =
  /(?<![\d.,/-])\b\d{2,6} \p{Lu}\p{Ll}[\p{Ll}'’-]+(?: [\p{L}'’-]+\.?){0,3}? \d{1,4}[A-Za-z]?(?:(?=\.?\s*(?:[>|]\s*)?(?:Apt|Suite|Unit|apt|suite)\b)|, ?\p{Lu}[\p{L}'’-]+(?: \p{Lu}\b)?|(?=[ \t]*\r?\n))/gu;
/**
 * A street name with its number before "St." or "street": "Lindenweg 14 St.", "lives on Via Verdi
 * 12 street" (the words before the number; see `STREET_ANCHORS`).
 */
const STREET_NAME_BEFORE_RE =
  /(?:^|[\s>:])((?:\d{1,6} )?(?:\p{Lu}|C\/ )[\p{L}'’-]*\.?(?: (?!and |or |on |at |of |the |to |in )[\p{L}'’-]+\.?){0,3} \d{1,5})$/u;

/**
 * Token objects kept from one tokenization to the next: a text of a few megabytes has hundreds of
 * thousands of tokens, and allocating them anew each time costs more in garbage collection than
 * all the rules that read them. Each tokenization overwrites the pool from its start, so only the
 * token list of the latest tokenization (`poolGeneration`) is valid; the cache below re-tokenizes
 * an older input instead of handing out overwritten tokens. Bounded: tokens beyond `TOKEN_POOL_MAX`
 * are allocated per call.
 */
const tokenPool: Tok[] = [];
const TOKEN_POOL_MAX = 1 << 19;
let poolGeneration = 0;
const tokenCache = new WeakMap<RecognizeInput, { toks: Tok[]; generation: number }>();

/** Word tokens of the input, computed once per analysis and shared by the en recognizers. */
function tokensOf(input: RecognizeInput): Tok[] {
  const cached = tokenCache.get(input);
  if (cached && cached.generation === poolGeneration) return cached.toks;
  poolGeneration++;
  const toks = tokenize(input.text);
  tokenCache.set(input, { toks, generation: poolGeneration });
  return toks;
}

/** Token number `k` of the current tokenization, taken from the pool when it holds one. */
function makeTok(
  k: number,
  w: string,
  l: string,
  f: number,
  start: number,
  end: number,
  b: number,
): Tok {
  const t = tokenPool[k];
  if (t === undefined) {
    const fresh = new Tok(w, l, f, start, end, b);
    if (k === tokenPool.length && k < TOKEN_POOL_MAX) tokenPool.push(fresh);
    return fresh;
  }
  t.w = w;
  t.l = l;
  t.f = f;
  t.start = start;
  t.end = end;
  t.b = b;
  return t;
}

/** Latin-script code units of the BMP (built once): names are not ASCII-only (Szöllösy, José). */
let latinTable: Uint8Array | undefined;
function latin(): Uint8Array {
  if (!latinTable) {
    latinTable = new Uint8Array(0x10000);
    const rx = /\p{Script=Latin}/u;
    for (let c = 0; c < 0x10000; c++) {
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) latinTable[c] = 1;
      else if (c >= 0xaa && (c < 0xd800 || c > 0xdfff) && rx.test(String.fromCharCode(c)))
        latinTable[c] = 1;
    }
  }
  return latinTable;
}

/** Distinct words seen so far: lower case, lexicon flags and letter case computed once per word. */
const enWords = new WordTable();
/** `WordTable.info` holds the lexicon flags below this shift and the B_TITLE, B_CAPS and B_LETTERS bits above. */
const WORD_CASE_SHIFT = 24;
const WORD_FLAGS_MASK = (1 << WORD_CASE_SHIFT) - 1;

/**
 * Stores a word met for the first time: its lower case, lexicon flags and letter case (`ascii`,
 * `upper`, `lower`: whether its letters are all ASCII and how many are upper and lower case).
 */
function addWord(w: string, ascii: boolean, upper: number, lower: number, hash: number): number {
  const c0 = w.charCodeAt(0);
  const c1 = w.charCodeAt(1);
  const l = ascii && upper === 0 ? w : w.toLowerCase();
  const title =
    w.length < 2
      ? false
      : c0 < 128 && c1 < 128
        ? c0 >= 65 && c0 <= 90 && c1 >= 97 && c1 <= 122
        : /^\p{Lu}\p{Ll}/u.test(w);
  const caps = w.length > 1 && (ascii ? lower === 0 : w === w.toUpperCase());
  const kase = (title ? B_TITLE : 0) | (caps ? B_CAPS : 0) | (/^\p{L}+$/u.test(w) ? B_LETTERS : 0);
  return enWords.add(w, l, flagsOf(l) | (kase << WORD_CASE_SHIFT), hash);
}

/**
 * Word tokens: runs of Latin letters with inner apostrophes and hyphen-joined parts, scanned by
 * code unit (no regular expression, no per-character allocation).
 */
function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const L = latin();
  const n = text.length;
  // Line monocase, computed once per line as the tokens reach it.
  let lineEnd = -1;
  let lineMono = false;
  let prevEnd = 0;
  let i = 0;
  while (i < n) {
    if (L[text.charCodeAt(i)] !== 1) {
      i++;
      continue;
    }
    const start = i;
    let upper = 0;
    let lower = 0;
    let ascii = true;
    for (;;) {
      const c = text.charCodeAt(i);
      if (L[c] === 1) {
        if (c >= 65 && c <= 90) upper++;
        else if (c >= 97 && c <= 122) lower++;
        else ascii = false;
        i++;
      } else if (c === 39 || c === 0x2019) i++;
      else if (c === 45 && i + 1 < n && L[text.charCodeAt(i + 1)] === 1) i++;
      else break;
      if (i >= n) break;
    }
    const rawEnd = i;
    let end = rawEnd;
    const lastC = text.charCodeAt(end - 1);
    if (lastC === 39 || lastC === 0x2019) end--;
    const hash = wordHash(text, start, end);
    let entry = enWords.find(text, start, end, hash);
    if (entry < 0) entry = addWord(text.slice(start, end), ascii, upper, lower, hash);
    let gapBreak = false;
    let gapComma = false;
    let gapNewline = false;
    let gapPlain = true;
    let gapDot = false;
    let lastNonSpace = -1;
    for (let k = prevEnd; k < start; k++) {
      const c = text.charCodeAt(k);
      if (c === 32 || c === 9 || c === 13) continue;
      lastNonSpace = c;
      if (c === 44) {
        gapComma = true;
        continue;
      }
      gapPlain = false;
      if (c === 10) {
        gapNewline = true;
        gapBreak = true;
      } else if (c === 46) gapDot = true;
      else gapBreak = true;
    }
    if (gapDot && !gapBreak && prevWasSentenceEnd(text, prevEnd)) gapBreak = true;
    if (start > lineEnd) {
      const ls = text.lastIndexOf('\n', start) + 1;
      let le = text.indexOf('\n', start);
      if (le < 0) le = n;
      lineEnd = le;
      lineMono = monocase(text, ls, le);
    }
    const info = enWords.info[entry]!;
    const bits =
      (info >>> WORD_CASE_SHIFT) |
      (gapBreak ? B_GAP_BREAK : 0) |
      (gapComma ? B_GAP_COMMA : 0) |
      (gapNewline ? B_GAP_NEWLINE : 0) |
      (gapPlain ? B_GAP_PLAIN : 0) |
      (lastNonSpace >= 48 && lastNonSpace <= 57 ? B_GAP_DIGIT : 0) |
      (lastNonSpace === 46 || lastNonSpace === 33 || lastNonSpace === 63 ? B_GAP_SENTENCE : 0) |
      (lineMono ? B_MONO : 0);
    out.push(
      makeTok(
        out.length,
        enWords.words[entry]!,
        enWords.lower[entry]!,
        info & WORD_FLAGS_MASK,
        start,
        end,
        bits,
      ),
    );
    prevEnd = rawEnd;
  }
  return out;
}

/** A period right after a longer word ends a sentence; after an initial or title it does not. */
function prevWasSentenceEnd(text: string, end: number): boolean {
  let s = end;
  while (s > 0) {
    const c = text.charCodeAt(s - 1);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) break;
    s--;
  }
  const word = text.slice(s, end).toLowerCase();
  return word.length > 1 && !TITLES.has(word) && !ABBREV_DOT.has(word);
}

/** Abbreviations written with a period inside names: "St. Mary", "Mt. Sinai", "Ft. Meade". */
const ABBREV_DOT = new Set(['st', 'mt', 'ft', 'jr', 'univ', 'med', 'ctr', 'hosp']);

/** True when most cased letters of text[ls, le) are of one case: case says nothing there. */
function monocase(text: string, ls: number, le: number): boolean {
  let up = 0;
  let lo = 0;
  for (let i = ls; i < le; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) up++;
    else if (c >= 97 && c <= 122) lo++;
  }
  return up === 0 || lo === 0 || up > lo * 1.5;
}

const push = (
  out: Finding[],
  a: Tok,
  b: Tok,
  type: Finding['type'],
  score: number,
  recognizer: string,
  why: string,
): void => {
  out.push({ start: a.start, end: b.end, type, score, recognizer, why });
};

/** A capitalised word that is no English, clinical, organisation or place word. */
function unknownCap(x: Tok | undefined): x is Tok {
  if (x === undefined || !x.title || x.l.length < 2) return false;
  return (
    !is(x, F_COMMON) &&
    !is(x, F_CLIN) &&
    !is(x, F_ORGSUF) &&
    !is(x, F_ORGIN) &&
    !is(x, F_STATE) &&
    !is(x, F_COUNTRY) &&
    !is(x, F_PLACE)
  );
}

/** Cues of narrative text (see RELATIONS) that need a capitalised name after them. */
const NARRATIVE_CUES = new Set(['says', 'starring', 'hi', 'hello']);

/** Street words that end a name: "Holt Rd" is a street. */
const STREET_WORDS = new Set([
  'street',
  'avenue',
  'ave',
  'road',
  'rd',
  'lane',
  'boulevard',
  'blvd',
]);

/** Verbs after a person's name in narrative text: "Brannagh lives", "Oddny spent". */
const PERSON_VERBS = new Set(
  (
    'lives lived spent began begins shouted said says told asked replied wants wanted works ' +
    'worked moved grew studied joined founded'
  ).split(' '),
);
/**
 * "is", "was", "has": after a drug name too ("Levophed was weaned"), so only with a word after
 * them that describes a person ("Kvitsoy is very kind", "Velimir is from ...").
 */
const LINK_VERBS = new Set(['is', 'was', 'has', 'had']);
const AFTER_LINK_VERB = new Set(
  'from very born my your his her our always never so too really such'.split(' '),
);

/** A possessive's stem that can be a name: no clinical word, and no common word unless a name. */
function possessiveName(stem: string): boolean {
  if (stem.length < 2) return false;
  const f = flagsOf(stem);
  if ((f & (F_CLIN | F_REL | F_TITLE | F_CRED | F_ORGSUF | F_STATE | F_COUNTRY)) !== 0)
    return false;
  if ((f & F_COMMON) !== 0) return (f & (F_FIRST | F_LAST)) !== 0 && (f & F_VERY) === 0;
  return true;
}

/** An opening bracket after `end`, past spaces and a comma: "MORETTI (DAUGHTER)". */
function parenAfter(text: string, end: number): boolean {
  for (let i = end; i < end + 4 && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) return true;
    if (c !== 32 && c !== 44) return false;
  }
  return false;
}

/** English person-name recognizer. */
export function createEnPersonRecognizer(): Recognizer {
  return {
    name: 'en-person',
    types: [EntityType.Person],
    langs: ['en'],
    recognize(input: RecognizeInput): Finding[] {
      const lex = loadEnLexicons();
      const { text } = input;
      const toks = tokensOf(input);
      const out: Finding[] = [];
      const isStop = (t: Tok): boolean => is(t, F_COMMON) || is(t, F_CLIN);
      const inLex = (t: Tok): boolean => is(t, F_FIRST) || is(t, F_LAST);
      const isInitial = (t: Tok): boolean =>
        t.w.length === 1 && t.w.charCodeAt(0) >= 65 && t.w.charCodeAt(0) <= 90;
      /** Could this token be part of a name, given how strong the surrounding evidence is? */
      const nameLike = (t: Tok, strong: boolean): boolean => {
        if (t.l.length < 2) return isInitial(t);
        if (is(t, F_CLIN) || is(t, F_TITLE) || is(t, F_CRED)) return false;
        const monoLine = t.mono;
        if (!monoLine && !t.title && !t.caps) return strong && !is(t, F_COMMON);
        if (is(t, F_COMMON)) return strong && inLex(t);
        return true;
      };
      /** Extends a name from token i over up to `max` further name-like tokens. */
      const extend = (i: number, max: number, strong: boolean): number => {
        let j = i;
        while (j + 1 < toks.length && j - i < max) {
          const n = toks[j + 1]!;
          if (n.gapBreak || n.gapComma) break;
          if (!nameLike(n, false) && !(strong && inLex(n) && !is(n, F_CLIN))) break;
          if (!inLex(n) && !isInitial(n) && isStop(n)) break;
          if (!strong && !inLex(n) && !isInitial(n) && n.mono) break;
          if (is(n, F_VERY)) break;
          // "Brindlecombe Hospital", "Holden Adventist", "Holt Rd": an organisation or street word ends
          // a name.
          if (is(n, F_ORGSUF) || STREET_WORDS.has(n.l)) break;
          j++;
        }
        return j;
      };

      for (let i = 0; i < toks.length; i++) {
        const t = toks[i]!;
        const prev = i > 0 ? toks[i - 1] : undefined;
        const next = toks[i + 1];
        // 0. Initial and surname with a reporting cue: "E. Welsh aware", "per W. Marotta".
        if (
          t.w.length === 1 &&
          /[A-Za-z]/.test(t.w) &&
          text[t.end] === '.' &&
          (t.start === 0 || /[\s(,;:-]/.test(text[t.start - 1]!)) &&
          next &&
          /^[A-Za-z]+$/.test(next.w) &&
          !next.gapNewline &&
          next.start - t.end <= 3 &&
          next.l.length >= 3 &&
          !is(next, F_CLIN) &&
          !is(next, F_CRED) &&
          !SPECIES.has(next.l) &&
          !is(next, F_VERY) &&
          (!is(next, F_COMMON) || inLex(next))
        ) {
          const after = toks[i + 2];
          const cueAfter =
            after !== undefined &&
            !after.gapNewline &&
            (is(after, F_REPORT) || (is(after, F_CRED) && after.l.length > 2));
          const cueBefore = prev !== undefined && !t.gapBreak && INITIAL_CUES_BEFORE.has(prev.l);
          if (cueAfter || cueBefore) {
            push(
              out,
              t,
              next,
              EntityType.Person,
              0.7,
              'en-person',
              cueAfter
                ? `initial and surname before "${after!.w}"`
                : `initial and surname after "${prev!.w}"`,
            );
            i++;
            continue;
          }
        }
        // 0f. A relation and a first name joined by a hyphen: "DAUGHTER-KRISSY---301 ...".
        if (t.w.includes('-')) {
          const dash = t.w.indexOf('-');
          const head = t.l.slice(0, dash);
          const tail = t.l.slice(dash + 1);
          if (
            STRONG_CUES.has(head) &&
            !tail.includes('-') &&
            tail.length >= 2 &&
            lex.first.has(tail) &&
            !RELATIONS.has(tail) &&
            !CLINICAL.has(tail)
          ) {
            out.push({
              start: t.start + dash + 1,
              end: t.end,
              type: EntityType.Person,
              score: 0.75,
              recognizer: 'en-person',
              why: `first name after "${t.w.slice(0, dash)}-"`,
            });
            continue;
          }
        }
        // 0a. Initial without a period, a lexicon surname and a reporting word: "J SMITH ORDERED".
        if (
          isInitial(t) &&
          // A, I, O, W, C, S, X without a period are words or shorthand (a, I, c/o, w/, s/p, x).
          !'AIOWCSX'.includes(t.w) &&
          (t.start === 0 || /[\s(,;]/.test(text[t.start - 1]!)) &&
          next &&
          text[t.end] === ' ' &&
          !is(next, F_VERY) &&
          !next.gapBreak &&
          is(next, F_LAST) &&
          !is(next, F_CLIN) &&
          REPORT_AFTER.has(toks[i + 2]?.l ?? '') &&
          !toks[i + 2]!.gapBreak
        ) {
          push(
            out,
            t,
            next,
            EntityType.Person,
            0.65,
            'en-person',
            'initial and surname before a reporting word',
          );
          i++;
          continue;
        }
        // 0e. One or two name words before a relation in brackets: "URSLA MORETTI (DAUGHTER)".
        if (
          !is(t, F_CLIN) &&
          t.l.length >= 3 &&
          (t.title || t.caps) &&
          (!is(t, F_COMMON) || inLex(t))
        ) {
          let e = i;
          const n1 = toks[i + 1];
          if (
            n1 &&
            !n1.gapBreak &&
            !n1.gapComma &&
            (n1.title || n1.caps) &&
            n1.l.length >= 2 &&
            !is(n1, F_CLIN) &&
            (!is(n1, F_COMMON) || inLex(n1))
          )
            e = i + 1;
          const rel = parenAfter(text, toks[e]!.end)
            ? /^\s*\(\s*([A-Za-z-]+)\s*\)/.exec(text.slice(toks[e]!.end, toks[e]!.end + 24))
            : null;
          if (
            rel &&
            (RELATIONS.has(rel[1]!.toLowerCase()) || CREDENTIALS.has(rel[1]!.toLowerCase()))
          ) {
            push(
              out,
              t,
              toks[e]!,
              EntityType.Person,
              0.75,
              'en-person',
              `name before "(${rel[1]})"`,
            );
            i = e;
            continue;
          }
        }
        // 0b. Care-team word before a name: "NP DJURIC", "md Saeed", "HO Falco", "caseworker Leona".
        if (
          prev &&
          is(prev, F_CARE) &&
          // lower-case "ho" is "history of"
          (prev.l !== 'ho' || prev.w === 'HO' || prev.w === 'Ho') &&
          !t.gapBreak &&
          !t.gapComma &&
          t.l.length >= 3 &&
          t.letters &&
          !(t.caps && t.l.length <= 4 && !inLex(t)) &&
          (t.title || t.caps || inLex(t) || REPORT_AFTER.has(toks[i + 1]?.l ?? '') || t.mono) &&
          !is(t, F_CLIN) &&
          !is(t, F_REPORT) &&
          !is(t, F_CRED) &&
          !is(t, F_TITLE) &&
          ((!is(t, F_COMMON) && !SPECIES.has(t.l)) || (inLex(t) && !is(t, F_VERY)))
        ) {
          const j = extend(i, 1, true);
          push(out, t, toks[j]!, EntityType.Person, 0.7, 'en-person', `after "${prev.w}"`);
          i = j;
          continue;
        }
        // 0c. First name then a word that is no English word: "BEA TURA", "grace dudak",
        // "Dan A. Forman-Lyons", "mary theresa kondouli".
        if (
          is(t, F_FIRST) &&
          t.l.length >= 3 &&
          !is(t, F_VERY) &&
          !is(t, F_CLIN) &&
          !is(t, F_TITLE) &&
          !is(t, F_REL)
        ) {
          // A first name that is also an English word (Grace, Carol, Dan) needs more in one-case
          // text: a known surname, a cue before, or a reporting word or credential after.
          const wordFirst = is(t, F_COMMON) && !(t.title && !t.mono);
          let k = i + 1;
          const mid = toks[k];
          if (
            mid &&
            !mid.gapBreak &&
            !mid.gapComma &&
            (isInitial(mid) || (is(mid, F_FIRST) && !is(mid, F_COMMON)))
          )
            k++;
          const sur = toks[k];
          if (
            sur &&
            !sur.gapBreak &&
            !sur.gapComma &&
            sur.l.length >= 3 &&
            (!is(sur, F_COMMON) || (is(sur, F_LAST) && sur.title && t.title && !is(sur, F_VERY))) &&
            !is(sur, F_CLIN) &&
            !is(sur, F_CRED) &&
            !is(sur, F_TITLE) &&
            !is(sur, F_ORGSUF) &&
            !is(sur, F_PLACE) &&
            /^\p{L}+(?:-\p{L}+)*$/u.test(sur.w.replace(/['’]/g, '')) &&
            !(sur.caps && sur.l.length <= 3) &&
            (inLex(sur) || !/(?:ing|ated|ed)$/.test(sur.l)) &&
            (!wordFirst ||
              is(sur, F_LAST) ||
              (prev !== undefined && !t.gapBreak && INITIAL_CUES_BEFORE.has(prev.l)) ||
              REPORT_AFTER.has(toks[k + 1]?.l ?? '') ||
              CREDENTIALS.has(toks[k + 1]?.l ?? '') ||
              /^[\s,]*\(/.test(text.slice(sur.end, sur.end + 3))) &&
            (sur.mono || sur.title || sur.caps)
          ) {
            push(
              out,
              t,
              sur,
              EntityType.Person,
              0.7,
              'en-person',
              'first name and a word that is no English word',
            );
            i = k;
            continue;
          }
        }
        // 0d. Initial with a period and a surname that is no English word: "M. PEPPLER", "d. renna".
        if (
          t.w.length === 1 &&
          /[A-Za-z]/.test(t.w) &&
          text[t.end] === '.' &&
          (t.start === 0 || /[\s(,;:-]/.test(text[t.start - 1]!)) &&
          next &&
          !next.gapNewline &&
          text[t.end + 1] === ' ' &&
          next.start - t.end <= 3 &&
          next.l.length >= 4 &&
          /^\p{L}+(?:-\p{L}+)*$/u.test(next.w.replace(/['’]/g, '')) &&
          /[aeiouy]/.test(next.l) &&
          // S. O. A. P. open the parts of a SOAP note.
          !(
            /^[soap]$/i.test(t.w) &&
            /(?:^|\n|:)\s*$/.test(text.slice(Math.max(0, t.start - 3), t.start))
          ) &&
          (inLex(next) || !/(?:ing|ated|ed)$/.test(next.l)) &&
          (!is(next, F_COMMON) || (is(next, F_LAST) && !is(next, F_VERY))) &&
          !is(next, F_CLIN) &&
          !SPECIES.has(next.l) &&
          !is(next, F_CRED) &&
          (next.title || next.caps || next.mono)
        ) {
          push(out, t, next, EntityType.Person, 0.65, 'en-person', 'initial and surname');
          i++;
          continue;
        }
        // 1. Title before: Dr Healey, Mrs. Smith, dr. b
        if (is(t, F_TITLE) && next && !next.gapBreak) {
          // MR/MS are also mitral regurgitation / mental status: demand a known name after them.
          const ambiguous = (t.l === 'mr' || t.l === 'ms') && (t.caps || t.mono);
          const initialOk =
            next.w.length === 1 &&
            /[A-Za-z]/.test(next.w) &&
            (t.l === 'dr' || text[next.end] === '.');
          const doctor = t.l === 'dr' || t.l === 'drs' || t.l === "dr's" || t.l === 'doctor';
          // "dr green aware": a common word after Dr is a name when a reporting word follows.
          const reported =
            doctor &&
            next.l.length >= 3 &&
            !is(next, F_CLIN) &&
            (!is(next, F_VERY) || inLex(next)) &&
            REPORT_AFTER.has(toks[i + 2]?.l ?? '') &&
            !toks[i + 2]!.gapBreak;
          // After Dr, a capitalised word in mixed-case text, or in one-case text any word that
          // is not among the most frequent English words, is taken as the name.
          const nextMono = next.mono;
          const afterDoctor =
            doctor &&
            next.l.length >= 2 &&
            (!is(next, F_CLIN) || (!nextMono && next.title && inLex(next))) &&
            !is(next, F_REPORT) &&
            !is(next, F_CRED) &&
            (nextMono ? !is(next, F_VERY) && next.l.length >= 3 : next.title || next.caps);
          // "MR LOMISH", "mr masci": a word that is no English word after Mr/Ms.
          const unknownAfter =
            next.l.length >= 4 &&
            !next.gapComma &&
            next.letters &&
            !is(next, F_COMMON) &&
            !is(next, F_CLIN) &&
            (next.mono || next.title);
          if (
            ambiguous
              ? (inLex(next) && !isStop(next)) || unknownAfter
              : nameLike(next, true) || initialOk || reported || afterDoctor || unknownAfter
          ) {
            let j = extend(i + 1, 2, true);
            // "Dr. Art White": capitalised words after Dr in mixed-case text, common or not.
            if (doctor && !nextMono)
              while (
                j + 1 < toks.length &&
                j - i < 3 &&
                toks[j + 1]!.title &&
                !toks[j + 1]!.gapBreak &&
                !toks[j + 1]!.gapComma &&
                !is(toks[j + 1]!, F_CLIN) &&
                !is(toks[j + 1]!, F_REPORT) &&
                !is(toks[j + 1]!, F_TITLE) &&
                !is(toks[j + 1]!, F_CRED)
              )
                j++;
            // "Drs. Ballou and Dutter", "Dr. Griffin and Swackhamer"
            const and = toks[j + 1];
            const second = toks[j + 2];
            if (
              doctor &&
              and?.l === 'and' &&
              !and.gapBreak &&
              second &&
              !second.gapBreak &&
              second.l.length >= 3 &&
              nameLike(second, true) &&
              (!isStop(second) || inLex(second)) &&
              !is(second, F_VERY)
            )
              push(
                out,
                second,
                second,
                EntityType.Person,
                0.7,
                'en-person',
                `second name after "${t.w} ${next.w} and"`,
              );
            push(
              out,
              next,
              toks[j]!,
              EntityType.Person,
              0.85,
              'en-person',
              `title "${t.w}" before a name`,
            );
            i = j;
            continue;
          }
        }
        // 2. Credential after: Mary Souza, RN
        if (
          next &&
          is(next, F_CRED) &&
          (next.caps || next.w.length <= 3) &&
          !next.gapNewline &&
          next.gapPlain
        ) {
          // PA/NP are also pulmonary artery / nasal prongs: only after a comma.
          const weakCred = next.l === 'pa' || next.l === 'np' || next.l === 'do';
          const afterCred = toks[i + 2];
          const device =
            afterCred !== undefined && !afterCred.gapBreak && CRED_DEVICE_AFTER.has(afterCred.l);
          if (
            (!weakCred || next.gapComma) &&
            !device &&
            // "Middle River, MD": a place and a state abbreviation.
            !is(t, F_PLSUF) &&
            !(is(t, F_PLACE) && !inLex(t)) &&
            (inLex(t) || !is(t, F_COMMON)) &&
            t.l.length > 1 &&
            !t.gapEndsDigit &&
            nameLike(t, true) &&
            (!isStop(t) || (inLex(t) && t.title && !is(t, F_CLIN))) &&
            !is(t, F_TITLE)
          ) {
            let a = i;
            while (
              a - 1 >= 0 &&
              (a - i > -2 || (a - i > -3 && toks.slice(a - 1, i).some(isInitial))) &&
              !toks[a]!.gapBreak &&
              !toks[a]!.gapComma &&
              nameLike(toks[a - 1]!, true) &&
              (!isStop(toks[a - 1]!) ||
                isInitial(toks[a - 1]!) ||
                (inLex(toks[a - 1]!) && (toks[a - 1]!.title || toks[a - 1]!.mono)))
            )
              a--;
            push(
              out,
              toks[a]!,
              t,
              EntityType.Person,
              0.8,
              'en-person',
              `credential "${next.w}" after a name`,
            );
            continue;
          }
        }
        // 3. Cue before (family, care team, "name is"), allowing one or two filler words.
        if (
          prev &&
          is(prev, F_REL) &&
          (!t.gapBreak ||
            (prev.l === 'social' && /^\s*:\s*$/.test(text.slice(prev.end, t.start))) ||
            // "What's your last name? Okonkwo"
            (prev.l === 'name' && /^[?:] ?$/.test(text.slice(prev.end, t.start)))) &&
          !(prev.l === 'cc' && (prev.gapEndsDigit || /\d$/.test(text.slice(0, prev.start))))
        ) {
          const strong = STRONG_CUES.has(prev.l);
          const famCue = strong || prev.l === 'social';
          // "son bill called", "his son, bill, called": a first name after a family word.
          const fam = toks[i + 1];
          if (
            famCue &&
            is(t, F_FIRST) &&
            (!is(t, F_CLIN) || ((t.title || t.caps) && t.l.length >= 2)) &&
            !is(t, F_REL) &&
            t.l.length >= 2 &&
            fam !== undefined &&
            !fam.gapBreak &&
            (FAMILY_VERB_AFTER.has(fam.l) || fam.l === 'and' || fam.l === 'in' || fam.gapComma)
          ) {
            push(out, t, t, EntityType.Person, 0.75, 'en-person', `first name after "${prev.w}"`);
            // "daughters sarah and margie"
            const second = toks[i + 2];
            if (
              fam.l === 'and' &&
              second !== undefined &&
              !second.gapBreak &&
              is(second, F_FIRST) &&
              !is(second, F_REL) &&
              !is(second, F_CLIN) &&
              !is(second, F_VERY)
            ) {
              push(
                out,
                second,
                second,
                EntityType.Person,
                0.7,
                'en-person',
                `first name after "${t.w} and"`,
              );
              i += 2;
            }
            continue;
          }
          let k = i;
          let fill = 0;
          while (
            k < toks.length &&
            CUE_FILLERS.has(toks[k]!.l) &&
            fill < 2 &&
            (k === i || !toks[k]!.gapBreak)
          ) {
            k++;
            fill++;
          }
          const c = toks[k];
          const ok =
            c !== undefined &&
            // After a reporting or greeting word only a capitalised word of letters ("says
            // PCN", "says I'm" are no names).
            (!NARRATIVE_CUES.has(prev.l) || (c.title && c.letters && !c.mono)) &&
            (!c.gapBreak || c === t) &&
            (!is(c, F_VERY) ||
              (strong &&
                is(c, F_FIRST) &&
                FAMILY_VERB_AFTER.has(toks[k + 1]?.l ?? '') &&
                !toks[k + 1]!.gapBreak)) &&
            (strong
              ? nameLike(c, true) && (!isStop(c) || is(c, F_FIRST))
              : inLex(c) && nameLike(c, false) && !isStop(c));
          if (c && ok) {
            const j = extend(k, 1, strong);
            push(
              out,
              c!,
              toks[j]!,
              EntityType.Person,
              strong ? 0.75 : 0.6,
              'en-person',
              `after "${prev.w}"`,
            );
            i = j;
            continue;
          }
        }
        // 4. Lexicon: first name (+ last name), or a known surname. A capitalised first name that
        // is also a less common word (John, Rose) counts in mixed-case text when not opening a sentence.
        const midSentence = i > 0 && !t.gapBreak && !t.gapSentence;
        const capFirst =
          t.title && is(t, F_FIRST) && !is(t, F_VERY) && !is(t, F_CLIN) && midSentence && !t.mono;
        const abbreviation = t.caps && t.w.length <= 3;
        if (
          t.l.length >= 2 &&
          !abbreviation &&
          inLex(t) &&
          (!isStop(t) || capFirst) &&
          (nameLike(t, false) || capFirst)
        ) {
          const monoLine = t.mono;
          const j = extend(i, 2, false);
          const isFirst = is(t, F_FIRST);
          let score: number;
          let why: string;
          if (j > i && toks[j]!.l.length > 1) {
            score = 0.85;
            why = 'first and last name in name lexicons';
          } else if (!monoLine && t.title) {
            score = isFirst ? 0.65 : 0.55;
            why = 'capitalised word in name lexicon';
          } else {
            score = isFirst ? 0.5 : 0.4;
            why = 'word in name lexicon';
          }
          push(out, t, toks[j]!, EntityType.Person, score, 'en-person', why);
          i = j;
          continue;
        }
        // 4b. "Ottilie's daughter": a capitalised name in the possessive before a relative.
        if (
          !t.mono &&
          (t.w.endsWith("'s") || t.w.endsWith('’s')) &&
          /^\p{Lu}/u.test(t.w) &&
          !t.caps &&
          next !== undefined &&
          !next.gapBreak &&
          !next.gapSentence &&
          !next.gapComma &&
          is(next, F_REL) &&
          possessiveName(t.l.slice(0, -2))
        ) {
          out.push({
            start: t.start,
            end: t.end - 2,
            type: EntityType.Person,
            score: 0.7,
            recognizer: 'en-person',
            why: `name in the possessive before "${next.w}"`,
          });
          continue;
        }
        // 4c. "Kvitsoy is very kind", "Brannagh lives on ...": a capitalised word that is no
        // English word at all, with a verb of a person after it.
        if (
          !t.mono &&
          unknownCap(t) &&
          t.letters &&
          t.l.length >= 3 &&
          !is(t, F_KNOWN) &&
          !DRUG_ENDING.test(t.l) &&
          next !== undefined &&
          !next.gapBreak &&
          !next.gapComma &&
          (PERSON_VERBS.has(next.l) ||
            (LINK_VERBS.has(next.l) &&
              toks[i + 2] !== undefined &&
              !toks[i + 2]!.gapBreak &&
              AFTER_LINK_VERB.has(toks[i + 2]!.l))) &&
          !(prev && !t.gapBreak && !t.gapSentence && (prev.title || prev.caps))
        ) {
          out.push({
            start: t.start,
            end: t.end,
            type: EntityType.Person,
            score: 0.55,
            recognizer: 'en-person',
            why: `capitalised word that is no English word before "${next.w}"`,
          });
          continue;
        }
        // 5. Two or three capitalised words in a row that are not English words, places or
        // organisation words (Krisztián Szöllösy, Tomomi Nishiyama) on a mixed-case line.
        if (!t.mono && unknownCap(t)) {
          let j = i;
          while (
            j + 1 < toks.length &&
            j - i < 2 &&
            !toks[j + 1]!.gapBreak &&
            !toks[j + 1]!.gapComma
          ) {
            const n = toks[j + 1]!;
            if (unknownCap(n) || (isInitial(n) && unknownCap(toks[j + 2]))) j++;
            else break;
          }
          if (j > i) {
            push(
              out,
              t,
              toks[j]!,
              EntityType.Person,
              0.55,
              'en-person',
              'capitalised words in a row that are not English words',
            );
            i = j;
          }
        }
      }
      return out;
    },
  };
}

let firstWords: Set<string> | undefined;
function placeFirstWords(lex: ReturnType<typeof loadEnLexicons>): Set<string> {
  if (!firstWords) {
    firstWords = new Set<string>();
    for (const p of lex.places) firstWords.add(p.split(' ')[0]!);
    for (const p of US_STATES) firstWords.add(p.split(' ')[0]!);
    for (const p of MAJOR_CITIES) firstWords.add(p.split(' ')[0]!);
    for (const p of COUNTRIES) firstWords.add(p.split(' ')[0]!);
  }
  return firstWords;
}

/** English places: US places and states, countries, and place words after in/from/to/at. */
export function createEnLocationRecognizer(): Recognizer {
  return {
    name: 'en-location',
    types: [EntityType.Location],
    langs: ['en'],
    context: ['lives', 'resides', 'from', 'moved', 'born', 'home', 'town', 'city'],
    recognize(input: RecognizeInput): Finding[] {
      const lex = loadEnLexicons();
      const { text } = input;
      const toks = tokensOf(input);
      const out: Finding[] = [];
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i]!;
        const monoLine = t.mono;
        // "returned to new haven": a lower-case city of two or more words after a preposition.
        const lowerCity =
          !monoLine &&
          !t.title &&
          !t.caps &&
          i > 0 &&
          (is(toks[i - 1]!, F_PPREP) || is(toks[i - 1]!, F_TPREP)) &&
          toks[i + 1] !== undefined &&
          !toks[i + 1]!.gapBreak &&
          MAJOR_CITIES.has(`${t.l} ${toks[i + 1]!.l}`);
        if (lowerCity) {
          push(
            out,
            t,
            toks[i + 1]!,
            EntityType.Location,
            0.7,
            'en-location',
            'city after a preposition',
          );
          i++;
          continue;
        }
        // "DC" after a preposition: the District of Columbia.
        if (
          t.w === 'DC' &&
          i > 0 &&
          (toks[i - 1]!.l === 'in' || toks[i - 1]!.l === 'from') &&
          !t.gapBreak &&
          /^\s*(?:[.,;)]|$)/.test(text.slice(t.end, t.end + 3))
        ) {
          push(
            out,
            t,
            t,
            EntityType.Location,
            0.6,
            'en-location',
            'District of Columbia after a preposition',
          );
          continue;
        }
        // "hampton, MA", "Towson Maryland": an unknown word before a state names a town.
        const st = toks[i + 1];
        if (
          st !== undefined &&
          !st.gapBreak &&
          (is(st, F_STATE) ||
            // "frostburg maryland's unit"
            (st.l.endsWith("'s") && US_STATES.has(st.l.slice(0, -2))) ||
            (st.gapComma &&
              st.w.length === 2 &&
              TOWN_STATE_ABBR.has(st.l) &&
              !/^[A-Za-z]/.test(text[st.end] ?? ' '))) &&
          t.l.length >= 4 &&
          !is(t, F_CLIN) &&
          !is(t, F_STATE) &&
          t.letters &&
          !is(t, F_KNOWN)
        ) {
          push(out, t, st, EntityType.Location, 0.65, 'en-location', 'town before a state');
          i++;
          continue;
        }
        if (!monoLine && !t.title && !t.caps && !/^[A-Z]/.test(t.w)) continue;
        if (!is(t, F_PLACE1)) continue;
        // Longest match of 1-3 tokens in the place, state or country lists.
        for (let n = 3; n >= 1; n--) {
          if (i + n > toks.length) continue;
          let ok = true;
          for (let k = 1; k < n; k++)
            if (toks[i + k]!.gapBreak || toks[i + k]!.gapComma) ok = false;
          if (!ok) continue;
          if (!is(t, F_PLACE1) && !is(t, F_STATE) && !is(t, F_COUNTRY) && n === 1) continue;
          if (n > 1 && !is(t, F_PLACE1)) continue;
          const phrase =
            n === 1
              ? t.l
              : n === 2
                ? `${t.l} ${toks[i + 1]!.l}`
                : `${t.l} ${toks[i + 1]!.l} ${toks[i + 2]!.l}`;
          const isState = US_STATES.has(phrase);
          const isCountry = COUNTRIES.has(phrase);
          const isCity = MAJOR_CITIES.has(phrase);
          const isPlace = isCity || lex.places.has(phrase);
          if (!isState && !isCountry && !isPlace) continue;
          const prev = toks[i - 1];
          const cue = prev && is(prev, F_PPREP) && !t.gapBreak;
          if (isCity && n === 1 && AMBIGUOUS_CITIES.has(phrase) && !cue) continue;
          if (
            n === 1 &&
            (lex.common.has(phrase) || CLINICAL.has(phrase)) &&
            !isState &&
            !isCountry &&
            !(isCity && cue)
          )
            continue;
          let score = isState || isCountry || isCity ? 0.6 : 0.45;
          if (cue) score += 0.2;
          if (!monoLine && t.title) score += 0.05;
          // A surname that is also a country or a state ("Poland", "Holland") is read as the
          // place; a given name ("Georgia", "Jordan") is not, without a cue.
          if (lex.first.has(phrase) || (lex.last.has(phrase) && !isState && !isCountry))
            score -= 0.1;
          push(
            out,
            t,
            toks[i + n - 1]!,
            EntityType.Location,
            Math.min(score, 0.85),
            'en-location',
            `${isState ? 'US state' : isCountry ? 'country' : isCity ? 'city' : 'place name'}${cue ? ` after "${prev!.w}"` : ''}`,
          );
          i += n - 1;
          break;
        }
      }
      return out;
    },
  };
}

/** English organisations: names ending in Hospital, Clinic, University, Inc, ... or "X of Y". */
export function createEnOrganizationRecognizer(): Recognizer {
  return {
    name: 'en-organization',
    types: [EntityType.Organization],
    langs: ['en'],
    recognize(input: RecognizeInput): Finding[] {
      const { text } = input;
      const toks = tokensOf(input);
      const out: Finding[] = [];
      // "University of Maryland Medical Center", "U of MD Med Center", "UOf Maryland Hosp".
      UNIVERSITY_RE.lastIndex = 0;
      for (let m = UNIVERSITY_RE.exec(text); m !== null; m = UNIVERSITY_RE.exec(text)) {
        const st = m[2]!.toLowerCase();
        // A bare "U" (units) needs "of" or a state spelled out: "2 U MD aware" is no university.
        if (!US_STATES.has(st) && !(STATE_ABBR.has(st) && (m[1] || m[0].length > 4 + st.length)))
          continue;
        if (!m[1] && /^U\.?\s/i.test(m[0]) && !US_STATES.has(st)) continue;
        out.push({
          start: m.index,
          end: m.index + m[0].length,
          type: EntityType.Organization,
          score: 1,
          recognizer: 'en-organization',
          why: 'state university',
        });
      }
      const nameish = (t: Tok): boolean => {
        const monoLine = t.mono;
        if (!monoLine)
          return (
            t.title ||
            t.caps ||
            t.l === 'of' ||
            t.l === 'the' ||
            t.l === 'and' ||
            is(t, F_STATE) ||
            is(t, F_ORGIN) ||
            (!is(t, F_COMMON) && t.l.length >= 4)
          );
        return !is(t, F_COMMON) || is(t, F_ORGIN);
      };
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i]!;
        if (!is(t, F_ORGSUF)) continue;
        const monoLine = t.mono;
        // "Review of Systems"; "labs", "inc" (incision, increased) only as capitalised words.
        if (t.l === 'systems' && toks[i - 2]?.l.startsWith('rev')) continue;
        if (WEAK_ORG_SUFFIX.has(t.l) && !(t.title && !monoLine)) continue;
        // "Kernan hospital": a lower-case hospital word after a capitalised name still names one.
        const lowerHospital =
          (t.l === 'hospital' || t.l === 'hosp') &&
          i > 0 &&
          !t.gapBreak &&
          (toks[i - 1]!.title ||
            toks[i - 1]!.caps ||
            is(toks[i - 1]!, F_STATE) ||
            (!is(toks[i - 1]!, F_COMMON) && !is(toks[i - 1]!, F_CLIN)));
        if (!monoLine && !t.title && !t.caps && !lowerHospital) continue;
        let a = i;
        let named = false;
        while (a - 1 >= 0 && i - a < 5 && !toks[a]!.gapBreak && !toks[a]!.gapComma) {
          const p = toks[a - 1]!;
          // "University of MD": a state abbreviation after "of".
          const stateAbbr = p.l === 'md' && toks[a - 2]?.l === 'of';
          if (
            !nameish(p) ||
            (is(p, F_CLIN) && !stateAbbr && !is(p, F_ORGIN)) ||
            (monoLine && is(p, F_COMMON) && !is(p, F_ORGIN))
          )
            break;
          if (!is(p, F_ORGIN) && !is(p, F_ORGSUF)) named = true;
          a--;
        }
        while (a < i && (toks[a]!.l === 'the' || toks[a]!.l === 'of' || toks[a]!.l === 'and')) a++;
        let b = i;
        // "Hospital of the University of Pennsylvania"
        if (toks[i + 1]?.l === 'of' && !toks[i + 1]!.gapBreak) {
          let c = i + 2;
          while (
            c < toks.length &&
            c - i < 6 &&
            !toks[c]!.gapBreak &&
            nameish(toks[c]!) &&
            !is(toks[c]!, F_CLIN)
          ) {
            if (!is(toks[c]!, F_ORGIN)) named = true;
            b = c;
            c++;
          }
          while (b > i && (toks[b]!.l === 'of' || toks[b]!.l === 'the' || toks[b]!.l === 'and'))
            b--;
        }
        if (!named && a === i && b === i) continue;
        const score = named ? 0.75 : 0.5;
        push(
          out,
          toks[a]!,
          toks[b]!,
          EntityType.Organization,
          score,
          'en-organization',
          `name ending in "${t.w}"`,
        );
        i = b;
      }
      return out;
    },
  };
}

/** US-style street addresses (number, street, suffix, unit, city, state, ZIP) and PO boxes. */
export function createEnAddressRecognizer(): Recognizer {
  return {
    name: 'en-address',
    types: [EntityType.Address],
    langs: ['en'],
    context: ['address', 'lives', 'resides', 'street'],
    recognize(input: RecognizeInput): Finding[] {
      const out: Finding[] = [];
      for (const [rx, score, why] of [
        [ADDRESS_RE, 0.8, 'number, street name and street suffix'],
        [ADDRESS_LOOSE_RE, 0.7, 'post office box'],
        [ADDRESS_MILITARY_RE, 0.7, 'military mail address (PSC, Unit, APO/FPO/DPO)'],
        [ADDRESS_UNIT_RE, 0.7, 'apartment or suite number'],
        [ADDRESS_EU_RE, 0.6, 'house number, street and number before a comma or a unit'],
      ] as const) {
        rx.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = rx.exec(input.text)) !== null) {
          const start = extendAddressBackward(input.text, m.index);
          const { end, strong } = extendAddressForward(input.text, m.index + m[0].length);
          // A house number, street and number ending a line ("98 Tylenol 650" looks alike) are
          // an address only when a unit, region or postal code follows them.
          if (
            rx === ADDRESS_EU_RE &&
            !strong &&
            /^[ \t]*\r?\n/.test(input.text.slice(m.index + m[0].length, m.index + m[0].length + 8))
          )
            continue;
          out.push({
            start,
            end,
            type: EntityType.Address,
            // A unit, region or postal code around the street confirms it.
            score: strong ? Math.min(1, score + 0.15) : score,
            recognizer: 'en-address',
            why:
              start < m.index || end > m.index + m[0].length
                ? `${why}; with the number, town, region or postal code around it`
                : why,
          });
        }
      }
      const { text } = input;
      let m: RegExpExecArray | null;
      // Street words found by plain search (faster than a regex over the whole text).
      for (const w of STREET_ANCHORS) {
        for (let p = text.indexOf(w); p >= 0; p = text.indexOf(w, p + w.length)) {
          const s = w === 'treet' ? p - 1 : p;
          const e = p + w.length;
          if (w === 'treet' && text[s] !== 'S' && text[s] !== 's') continue;
          if (
            isLetterCode(text.charCodeAt(s - 1)) ||
            (w !== 'St.' && isLetterCode(text.charCodeAt(e)))
          )
            continue;
          const head = text.slice(Math.max(0, s - 80), s);
          // "Lindenweg 14 St.", "Via Verdi 12 street": street words and a number before the word
          // (not "12 St. Mary": a saint).
          const num = w === 'St.' || w === 'treet' ? NUMBER_BEFORE_RE.exec(head) : null;
          if (num && !(w === 'St.' && /^ ?[A-Z]/.test(text.slice(e, e + 2)))) {
            const numEnd = s - num[0].length + 1 + num[1]!.length;
            const b = STREET_NAME_BEFORE_RE.exec(text.slice(Math.max(0, numEnd - 80), numEnd));
            if (b) {
              out.push({
                start: extendAddressBackward(text, numEnd - b[1]!.length),
                end: e,
                type: EntityType.Address,
                score: 0.6,
                recognizer: 'en-address',
                why: 'street name and number before "St." or "street"',
              });
              continue;
            }
          }
          // "shops on Harrow Mill Street": a street named after a preposition, no number.
          if (w === 'St.' || text[s] === 's') continue;
          const b = STREET_WORDS_BEFORE_RE.exec(head);
          if (!b) continue;
          out.push({
            start: s - b[1]!.length,
            end: e,
            type: EntityType.Address,
            score: 0.7,
            recognizer: 'en-address',
            why: `street named after "${b[0].trim().split(' ')[0]!}"`,
          });
        }
      }
      // "the corner of Kirkegata 12 and Storgata": a crossing of two streets.
      if (text.includes('orner of')) {
        CORNER_RE.lastIndex = 0;
        while ((m = CORNER_RE.exec(text)) !== null) {
          const v = m[1]!.replace(/[.?]$/, '');
          if (!/\d/.test(v) && !STREET_SUFFIX_WORD_RE.test(v)) continue;
          const start = m.index + m[0].length - m[1]!.length;
          out.push({
            start,
            end: start + v.length,
            type: EntityType.Address,
            score: 0.7,
            recognizer: 'en-address',
            why: 'street corner ("corner of ... and ...")',
          });
        }
      }
      return out;
    },
  };
}

/** "corner of <street> and <street>": the words before "and" may be any, those after capitalised. */
const CORNER_RE =
  /\b[Cc]orner of ((?:[\p{L}\d'’/-]+\.? ){1,5}and(?: (?:\p{Lu}[\p{L}'’-]*\.?|St\.|str\.?)){1,4})/gu;
const STREET_SUFFIX_WORD_RE = new RegExp(`\\b(?:${STREET_SUFFIX}|str)\\b`);
/**
 * Words searched for street names: "St." and "(S|s)treet" after a house number, "Street" after a
 * preposition (each further word costs a search of the whole text).
 */
const STREET_ANCHORS = ['St.', 'treet'];
/** A house number right before a street word: group 1 is its letter ("12B St."). */
const NUMBER_BEFORE_RE = /\d([A-Za-z]?)\.? $/;

function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 191;
}
const STREET_WORDS_BEFORE_RE = /(?:^|\s)(?:on|at|off|of|in) ((?:\p{Lu}[\p{L}'’-]+ ){1,3})$/u;

const TRANSFER_VERBS = new Set([
  'transferred',
  'transfered',
  'transfer',
  'trans',
  'referred',
  'admitted',
  'went',
  'go',
  'going',
  'returned',
  'returning',
  'discharged',
  'transported',
  'moved',
  'came',
  'arrived',
  'seen',
  'followed',
  'treated',
  'hospitalized',
  'hospitalised',
  'lives',
  'resides',
  'living',
  'home',
  'tx',
  'txd',
  'flew',
  'fly',
  'flying',
  'traveled',
  'travelled',
  'traveling',
  'travelling',
  'up',
  'originally',
  "i'm",
]);
const TRANSFER_PREPS = new Set(['to', 'from', 'at', 'in', 'of']);
/** Family words after which "from X", "in X" names where a relative lives. */
const FAMILY_WORDS = new Set(
  (
    'wife husband son daughter mother father mom dad brother sister niece nephew aunt uncle ' +
    'grandson granddaughter friend fiance fiancee girlfriend boyfriend neighbor neighbour dtr ' +
    'hcp proxy guardian spouse cousin sons daughters sisters brothers family lives living'
  ).split(' '),
);
/** Endings of drug and chemical names, which are capitalised unknown words too. */
const DRUG_ENDING =
  /(?:ol|il|ine|ide|one|pam|lam|cin|mycin|cillin|xacin|azole|pril|sartan|statin|mab|parin|ate|ium|ase|fen|done|phine|profen|tidine|prazole|olol|dipine|zepam|amine|sone|lone|nide|vir|xime|zole|mide|tan|nex|zide|rin|lin|tal|dil|xan|pine)$/;

/**
 * Places named after a transfer or residence verb ("transferred to X", "admitted at X", "lives in
 * X") when X is not an English word: hospitals and towns that the lexicons do not know.
 */
export function createEnFacilityRecognizer(): Recognizer {
  return {
    name: 'en-facility',
    types: [EntityType.Location],
    langs: ['en'],
    recognize(input: RecognizeInput): Finding[] {
      const toks = tokensOf(input);
      const out: Finding[] = [];
      // "based in LILLEHAMMER": an all-caps word of six letters or more in mixed-case text (shorter
      // ones are ward and service abbreviations: MICU, PACU).
      const allCapsPlace = (t: Tok): boolean => t.caps && !t.mono && t.l.length >= 6;
      const plain = (t: Tok): boolean =>
        !is(t, F_COMMON) &&
        !is(t, F_CLIN) &&
        t.l.length >= 3 &&
        // Unit and service abbreviations (NRB, TSICU, vicu) and hyphenated clinical words.
        !(t.caps && t.l.length <= 5) &&
        !t.w.includes('-') &&
        !/icu|^(?:hosp|ortho|step)/.test(t.l);
      for (let i = 2; i < toks.length; i++) {
        const prep = toks[i - 1]!;
        const verb = toks[i - 2]!;
        if (!is(prep, F_TPREP) || prep.gapBreak || toks[i]!.gapBreak) continue;
        if (!TRANSFER_VERBS.has(verb.l)) {
          // Without a transfer verb: "in Germantown", "son from Pikesville", "Meitz of Towson":
          // a capitalised word of five letters or more that is no English, clinical or drug word.
          const w = toks[i]!;
          const monoLine = w.mono;
          if (
            (prep.l === 'in' || prep.l === 'from' || prep.l === 'of') &&
            plain(w) &&
            w.l.length >= 4 &&
            w.letters &&
            (monoLine ? FAMILY_WORDS.has(verb.l) : w.title || allCapsPlace(w)) &&
            (prep.l !== 'of' || FAMILY_WORDS.has(verb.l) || verb.title) &&
            !is(w, F_KNOWN) &&
            !DRUG_ENDING.test(w.l) &&
            !/(?:ian|ese|ish|ic|al)$/.test(w.l) &&
            !is(w, F_FIRST)
          ) {
            const after = input.text.slice(w.end, w.end + 12);
            if (!/^\s*\d/.test(after))
              out.push({
                start: w.start,
                end: w.end,
                type: EntityType.Location,
                score: 0.55,
                recognizer: 'en-facility',
                why: `capitalised unknown word after "${prep.w}"`,
              });
            else if (prep.l === 'in' && !monoLine && w.l.length >= 6) {
              // "in Oberkirchen 77704, where ...": a town and its postal code (not "in Bed 12":
              // a known word, nor a short number).
              const zip = POSTAL_AFTER_TOWN_RE.exec(after);
              if (zip)
                out.push({
                  start: w.start,
                  end: w.end + zip[0].length,
                  type: EntityType.Address,
                  score: 0.6,
                  recognizer: 'en-facility',
                  why: `town and postal code after "${prep.w}"`,
                });
            }
          }
          continue;
        }
        // "grew up in X", not "up to the commode" or "weight up from preop".
        if (verb.l === 'up' && prep.l !== 'in') continue;
        let j = i;
        if (toks[j]!.l === 'the' && j + 1 < toks.length && !toks[j + 1]!.gapBreak) j++;
        const first = toks[j]!;
        // "went to Harbor": a capitalised place word standing alone names a facility.
        if (
          is(first, F_PLSUF) &&
          first.title &&
          !FACILITY_SUFFIX.has(first.l) &&
          !first.mono &&
          !(toks[j + 1] && !toks[j + 1]!.gapBreak && toks[j + 1]!.title)
        ) {
          out.push({
            start: first.start,
            end: first.end,
            type: EntityType.Location,
            score: 0.6,
            recognizer: 'en-facility',
            why: `capitalised place word after "${verb.w} ${prep.w}"`,
          });
          i = j;
          continue;
        }
        if (!plain(first)) continue;
        // "pt up to camode": a misspelt bedside word is no place.
        if (nearBedsideWord(first.l)) continue;
        let e = j;
        while (
          e + 1 < toks.length &&
          e - j < 2 &&
          !toks[e + 1]!.gapBreak &&
          !toks[e + 1]!.gapComma &&
          plain(toks[e + 1]!)
        )
          e++;
        out.push({
          start: first.start,
          end: toks[e]!.end,
          type: EntityType.Location,
          score: 0.6,
          recognizer: 'en-facility',
          why: `unknown word after "${verb.w} ${prep.w}"`,
        });
        i = e;
      }
      return out;
    },
  };
}

/**
 * A postal code right after a town in a sentence: 4-6 digits (not a year 1900-2099), "4000-123",
 * "752 36".
 */
const POSTAL_AFTER_TOWN_RE =
  /^ (?:\d{4}-\d{3}|\d{3} \d{2}|(?!(?:19|20)\d\d\b)\d{4,6})(?=[ ,.;)]|$)(?! ?(?:mg|ml|cc|units?|mcg|x)\b)/;

/** Where patients are moved at the bedside: after "to", a misspelling of one is no place. */
const BEDSIDE_WORDS = [
  'commode',
  'chair',
  'bedside',
  'bathroom',
  'shower',
  'stretcher',
  'recliner',
];

/** True when `w` is within two edits of a bedside word ("camode", "commonde", "recliner"). */
function nearBedsideWord(w: string): boolean {
  for (const b of BEDSIDE_WORDS)
    if (Math.abs(b.length - w.length) <= 2 && editDistance(w, b) <= 2) return true;
  return false;
}

/** Levenshtein distance of two short words. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let k = 1; k <= b.length; k++)
      cur[k] = Math.min(
        prev[k]! + 1,
        cur[k - 1]! + 1,
        prev[k - 1]! + (a[i - 1] === b[k - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}

/** Words before a place suffix that make no proper name: "the house", "nursing home". */
const GENERIC_PLACE_WORDS = new Set(
  (
    'the his her their our my your a an this that same group nursing assisted private state ' +
    'public general local outside other another previous prev old new big main ' +
    'upper lower back front whole open full in to at from on of for with and or out up down ' +
    'step full care medical surgical cardiac rehab acute chronic long short term'
  ).split(' '),
);

/** First words of the generic hospital names ("holy" of "holy cross"). */
const HOSPITAL_FIRST: ReadonlySet<string> = new Set(
  [...HOSPITAL_NAMES].map((n) => n.split(' ')[0]!.replace(/’/g, "'")),
);

function inLexAny(lex: ReturnType<typeof loadEnLexicons>, w: string): boolean {
  return lex.first.has(w) || lex.last.has(w);
}

/** Prepositions and verbs after which a hospital, ward or unit is named. */
const FACILITY_CUES = new Set([
  'to',
  'at',
  'from',
  'on',
  'in',
  'into',
  'by',
  'per',
  'leave',
  'left',
  'enroute',
  'via',
]);
/** Generic hospital abbreviations that name no particular hospital. */
const GENERIC_HOSPITAL_ABBR = new Set([
  'osh',
  'gsh',
  'ch',
  'nh',
  'snh',
  'lth',
  'rh',
  'nph',
  'wh',
  'th',
  'sh',
  'ah',
  'eh',
  'oh',
  'uh',
]);
/** A floor number (1-20) standing alone after a ward name, not a dose or a reading. */
const FLOOR_AFTER =
  /^ ?(?:1\d|20|[1-9])(?=[\s;,)]|\.(?!\d)|$)(?!\s*(?:mg|mcg|ml|cc|l|g|gm|kg|u|units?|mm|cm|hrs?|hours?|min|mins|days?|x|am|pm|mmhg|times|bags?|doses?|tabs?|liters?|lpm)\b)/i;
const ACRONYM_CUES = new Set([
  'to',
  'at',
  'from',
  'into',
  'by',
  'leave',
  'left',
  'enroute',
  'via',
  'in',
  'the',
]);

/**
 * Hospitals and wards by form: generic hospital names (Holy Cross, Sacred Heart, St. Mary's),
 * hospital acronyms ending in H or MC after a place cue ("to GH", "by GBMC"), and ward names made
 * of an unknown capitalised word and a floor number after a place cue ("on Quartermain 6").
 */
export function createEnHospitalRecognizer(): Recognizer {
  return {
    name: 'en-hospital',
    types: [EntityType.Location],
    langs: ['en'],
    recognize(input: RecognizeInput): Finding[] {
      const lex = loadEnLexicons();
      const { text } = input;
      const toks = tokensOf(input);
      const out: Finding[] = [];
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i]!;
        const prev = toks[i - 1];
        // "to GH", "from the GH": the cue may stand before an article.
        const cueTok = prev?.l === 'the' && !prev.gapBreak ? toks[i - 2] : prev;
        const cue = prev !== undefined && cueTok !== undefined && is(cueTok, F_FCUE) && !t.gapBreak;
        const monoLine = t.mono;
        // A word and a place or facility suffix: "Eastern Shore", "Keeley House", "mazur campus".
        const suf = toks[i + 1];
        if (
          suf !== undefined &&
          !suf.gapBreak &&
          !suf.gapComma &&
          is(suf, F_PLSUF) &&
          t.l.length >= 3 &&
          !is(t, F_CLIN) &&
          !is(t, F_ORGSUF) &&
          !is(t, F_PLSUF) &&
          // "Middle River", "North Campus": a very common word only capitalised, after a cue.
          (!is(t, F_VERY) || (cue && t.title && suf.title && !monoLine)) &&
          !GENERIC_PLACE_WORDS.has(t.l)
        ) {
          const unknown = !is(t, F_COMMON);
          const capsPair = monoLine ? cue : t.title && (suf.title || suf.caps);
          const facility = FACILITY_SUFFIX.has(suf.l);
          if ((unknown && (facility || cue || capsPair)) || (capsPair && (cue || !monoLine))) {
            // (on a one-case line an unknown word needs a facility suffix or a cue)
            let e = i + 1;
            while (
              e + 1 < toks.length &&
              e - i < 3 &&
              !toks[e + 1]!.gapBreak &&
              !toks[e + 1]!.gapComma &&
              (is(toks[e + 1]!, F_PLSUF) || is(toks[e + 1]!, F_ORGSUF))
            )
              e++;
            // One more name word before: "Warren Grant EW", "Sacred Heart Memorial".
            let a = i;
            const p0 = toks[i - 1];
            if (
              p0 &&
              !t.gapBreak &&
              !t.gapComma &&
              p0.l.length >= 3 &&
              (monoLine ? !is(p0, F_COMMON) : p0.title || p0.caps) &&
              !is(p0, F_CLIN) &&
              !is(p0, F_FCUE) &&
              !is(p0, F_VERY)
            )
              a = i - 1;
            push(
              out,
              toks[a]!,
              toks[e]!,
              EntityType.Location,
              0.65,
              'en-hospital',
              `name before "${suf.w}"`,
            );
            i = e;
            continue;
          }
        }
        // Generic hospital names of one to three words.
        let hit = false;
        const firstWord = is(t, F_HOSP1);
        for (let n = 3; n >= 1 && !hit && firstWord; n--) {
          if (i + n > toks.length) continue;
          let ok = true;
          for (let k = 1; k < n; k++)
            if ((toks[i + k]!.gapBreak && toks[i + k - 1]!.l !== 'st') || toks[i + k]!.gapComma)
              ok = false;
          if (!ok) continue;
          const phrase = toks
            .slice(i, i + n)
            .map((x) => (x.l === 'saint' ? 'st' : x.l).replace(/’/g, "'"))
            .join(' ');
          if (!HOSPITAL_NAMES.has(phrase)) continue;
          if (n === 1 && !cue) continue;
          if (!cue && !monoLine && !t.title && !t.caps) continue;
          // "Sacred Heart Memorial", "St. Mary Hospital": the facility words after the name.
          let e = i + n - 1;
          while (
            e + 1 < toks.length &&
            e - i < n + 2 &&
            !toks[e + 1]!.gapBreak &&
            !toks[e + 1]!.gapComma &&
            (is(toks[e + 1]!, F_ORGSUF) || is(toks[e + 1]!, F_PLSUF))
          )
            e++;
          n = e - i + 1;
          push(
            out,
            t,
            toks[i + n - 1]!,
            EntityType.Location,
            cue ? 0.7 : 0.6,
            'en-hospital',
            `hospital name${cue ? ` after "${prev!.w}"` : ''}`,
          );
          i += n - 1;
          hit = true;
        }
        if (hit) continue;
        // "GH EW today": a hospital acronym before the name of its emergency ward.
        if (
          !cue &&
          t.caps &&
          t.w.length >= 2 &&
          t.w.length <= 4 &&
          /^(?:[b-df-hj-np-tv-z]{1,3}h|[a-z]{1,2}mc)$/.test(t.l) &&
          !GENERIC_HOSPITAL_ABBR.has(t.l) &&
          !is(t, F_CLIN) &&
          /^ (?:EW|ED|ER)\b/.test(text.slice(t.end, t.end + 4))
        ) {
          push(
            out,
            t,
            t,
            EntityType.Location,
            0.6,
            'en-hospital',
            'hospital acronym before its emergency ward',
          );
          continue;
        }
        // Ward: an unknown word of six letters or more and a floor number, without a cue:
        // "PLAN: QUARTERMAIN 2 WHEN BED AVAIL".
        if (
          !cue &&
          t.l.length >= 6 &&
          t.letters &&
          text.charCodeAt(t.end) === 32 &&
          !is(t, F_KNOWN) &&
          !is(t, F_CLIN) &&
          !is(t, F_ORGSUF) &&
          ((t.title && !monoLine) ||
            /^ [1-9](?:\s*$|\s*[.,;]|\s+(?:when|this|or|and|if|today|tomorrow|once|bed|tonight)\b)/i.test(
              text.slice(t.end, t.end + 12),
            )) &&
          !DRUG_ENDING.test(t.l) &&
          !inLexAny(lex, t.l) &&
          FLOOR_AFTER.test(text.slice(t.end, t.end + 24)) &&
          !/^ ?\d+\s*(?:[-/:.]\d|%)/.test(text.slice(t.end, t.end + 8))
        ) {
          push(out, t, t, EntityType.Location, 0.55, 'en-hospital', 'ward name and floor number');
          continue;
        }
        if (!cue) continue;
        // Hospital acronym: GH, MGH, GBMC, JHH.
        if (
          ACRONYM_CUES.has(cueTok!.l) &&
          t.w.length >= 2 &&
          t.w.length <= 4 &&
          (t.caps || monoLine || (t.w.length <= 3 && t.l === t.w)) &&
          /^(?:[b-df-hj-np-tv-z]{1,3}h|[a-z]{1,2}mc)$/.test(t.l) &&
          !GENERIC_HOSPITAL_ABBR.has(t.l) &&
          !is(t, F_CLIN) &&
          !is(t, F_COMMON) &&
          !/^[A-Za-z]/.test(text.slice(t.end, t.end + 1))
        ) {
          push(
            out,
            t,
            t,
            EntityType.Location,
            0.6,
            'en-hospital',
            `hospital acronym after "${cueTok!.w}"`,
          );
          continue;
        }
        // Ward: an unknown capitalised word and a floor number (not a word whose letter case
        // changes inside, "combiQ4", "PSVon 12": a drug or setting run into the next word).
        if (
          t.l.length >= 5 &&
          !t.w.includes('-') &&
          !/[a-z][A-Z]|^[A-Z]{2,}[a-z]/.test(t.w) &&
          (t.title || t.caps || monoLine || !is(t, F_KNOWN)) &&
          !is(t, F_COMMON) &&
          !is(t, F_CLIN) &&
          !is(t, F_ORGSUF) &&
          FLOOR_AFTER.test(text.slice(t.end, t.end + 24))
        ) {
          push(
            out,
            t,
            t,
            EntityType.Location,
            0.6,
            'en-hospital',
            `ward name and floor after "${cueTok!.w}"`,
          );
        }
      }
      return out;
    },
  };
}

/**
 * A name found once with good evidence is a name wherever else it occurs in the same text: "per
 * DR TYRO ... TOLD DR TYRO BY PHONE ... TYRO AND HIS NOTE", "to Quartermain 2 ... quartermain".
 * Returns findings for the further occurrences of the words of person and place findings scoring
 * at least `minScore`, except common English words, clinical words and place or title words.
 */
export function propagateEnNames(input: RecognizeInput, findings: readonly Finding[]): Finding[] {
  const toks = tokensOf(input);
  const words = new Map<string, { type: Finding['type']; from: string; acronym: boolean }>();
  // Findings come sorted by start from mergeOverlaps and do not overlap: one forward pointer.
  let fp = 0;
  const covered = (t: Tok): boolean => {
    while (fp < findings.length && findings[fp]!.end <= t.start) fp++;
    const f = findings[fp];
    return f !== undefined && f.start < t.end;
  };
  let k = 0;
  for (const f of findings) {
    if (f.score < 0.6) continue;
    if (
      f.type !== EntityType.Person &&
      f.type !== EntityType.Location &&
      f.type !== EntityType.Organization
    )
      continue;
    while (k < toks.length && toks[k]!.end <= f.start) k++;
    for (let j = k; j < toks.length && toks[j]!.start < f.end; j++) {
      const t = toks[j]!;
      if (t.l.length < 3 || !t.letters) continue;
      // Abbreviations (NRB, OSH, TSICU) are no names; lexicon names of any length are.
      const named = is(t, F_FIRST) || is(t, F_LAST);
      const acronym = f.why.startsWith('hospital acronym') && t.caps;
      if (
        !named &&
        !acronym &&
        (t.l.length < 4 || !/[aeiouy]/.test(t.l) || (t.caps && t.l.length <= 5))
      )
        continue;
      if (is(t, F_VERY) || is(t, F_CLIN) || is(t, F_TITLE)) continue;
      if (is(t, F_CRED) || is(t, F_REL) || is(t, F_REPORT)) continue;
      if (is(t, F_ORGSUF) || is(t, F_ORGIN) || is(t, F_PLSUF)) continue;
      if (is(t, F_STATE) || is(t, F_COUNTRY) || SPECIES.has(t.l)) continue;
      // A common word is carried over only when the lexicons also know it as a name.
      if (is(t, F_COMMON) && !(f.type === EntityType.Person && is(t, F_FIRST))) continue;
      if (!words.has(t.l)) words.set(t.l, { type: f.type, from: f.recognizer, acronym });
    }
  }
  if (words.size === 0) return [];
  const out: Finding[] = [];
  for (const t of toks) {
    const w = words.get(t.l);
    if (!w || covered(t)) continue;
    if (w.acronym && !t.caps) continue;
    out.push({
      start: t.start,
      end: t.end,
      type: w.type,
      score: 0.6,
      recognizer: 'en-propagate',
      why: `same word as a ${w.type === EntityType.Person ? 'name' : 'place'} found elsewhere in the text`,
    });
  }
  return out;
}
