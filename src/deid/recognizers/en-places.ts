/**
 * Place-name lexicons written for the English recognizers: the largest US cities and the best-known
 * cities of the world (public geographic facts), and generic religious or charitable names that US
 * hospitals commonly bear. The census place list in `random-name` misses most large cities.
 */

/** Large US cities (by population) and world cities, lower case, one or two words. */
export const MAJOR_CITIES = new Set(
  (
    'new york|los angeles|chicago|houston|phoenix|philadelphia|san antonio|san diego|dallas|san jose|' +
    'austin|jacksonville|fort worth|columbus|charlotte|san francisco|indianapolis|seattle|denver|' +
    'boston|el paso|nashville|detroit|oklahoma city|portland|las vegas|memphis|louisville|baltimore|' +
    'milwaukee|albuquerque|tucson|fresno|mesa|sacramento|atlanta|kansas city|colorado springs|omaha|' +
    'raleigh|miami|long beach|virginia beach|oakland|minneapolis|tulsa|tampa|arlington|new orleans|' +
    'wichita|cleveland|bakersfield|aurora|anaheim|honolulu|santa ana|riverside|corpus christi|' +
    'lexington|stockton|henderson|saint paul|st paul|cincinnati|pittsburgh|greensboro|anchorage|' +
    'plano|lincoln|orlando|irvine|newark|toledo|durham|chula vista|fort wayne|jersey city|' +
    'st petersburg|laredo|madison|chandler|buffalo|lubbock|scottsdale|reno|glendale|gilbert|' +
    'winston salem|norfolk|chesapeake|garland|irving|hialeah|fremont|boise|richmond|baton rouge|' +
    'spokane|des moines|tacoma|san bernardino|modesto|fontana|santa clarita|birmingham|oxnard|' +
    'fayetteville|moreno valley|rochester|glendale|huntington beach|salt lake city|grand rapids|' +
    'amarillo|yonkers|montgomery|akron|little rock|huntsville|augusta|columbus|shreveport|' +
    'knoxville|worcester|providence|hartford|new haven|springfield|syracuse|albany|trenton|' +
    'wilmington|annapolis|charleston|savannah|dover|concord|burlington|montpelier|harrisburg|' +
    'allentown|scranton|camden|paterson|bridgeport|stamford|cambridge|lowell|manchester|' +
    'washington|atlantic city|myrtle beach|key west|tallahassee|gainesville|fort lauderdale|' +
    'west palm beach|palm beach|sarasota|naples|pensacola|mobile|jackson|biloxi|chattanooga|' +
    'lansing|ann arbor|flint|dayton|youngstown|erie|green bay|duluth|fargo|sioux falls|' +
    'cheyenne|billings|santa fe|juneau|olympia|salem|eugene|berkeley|pasadena|santa barbara|' +
    'palm springs|san juan|' +
    'london|paris|rome|berlin|madrid|barcelona|lisbon|dublin|edinburgh|glasgow|amsterdam|' +
    'brussels|vienna|prague|budapest|warsaw|krakow|moscow|st petersburg|kiev|kyiv|athens|' +
    'istanbul|ankara|cairo|jerusalem|tel aviv|beirut|baghdad|tehran|dubai|riyadh|karachi|lahore|' +
    'delhi|new delhi|mumbai|bombay|calcutta|kolkata|chennai|madras|bangalore|hyderabad|dhaka|' +
    'bangkok|hanoi|saigon|manila|jakarta|singapore|kuala lumpur|beijing|peking|shanghai|' +
    'hong kong|taipei|seoul|tokyo|osaka|kyoto|sydney|melbourne|brisbane|perth|auckland|' +
    'toronto|montreal|vancouver|ottawa|calgary|quebec|mexico city|guadalajara|havana|' +
    'kingston|port au prince|santo domingo|bogota|lima|caracas|quito|santiago|buenos aires|' +
    'sao paulo|rio de janeiro|lagos|nairobi|addis ababa|johannesburg|cape town|accra|' +
    'casablanca|tunis|algiers|naples|milan|venice|florence|munich|frankfurt|hamburg|zurich|' +
    'geneva|stockholm|oslo|copenhagen|helsinki|reykjavik|belfast|cardiff|liverpool|oxford'
  ).split('|'),
);

/** Single-word cities in MAJOR_CITIES that are also common English words or names: need a cue. */
export const AMBIGUOUS_CITIES = new Set([
  'mobile',
  'reno',
  'mesa',
  'aurora',
  'lincoln',
  'jackson',
  'madison',
  'augusta',
  'concord',
  'salem',
  'dover',
  'erie',
  'perth',
  'kingston',
  'richmond',
  'washington',
  'henderson',
  'lexington',
  'montgomery',
  'irving',
  'gilbert',
  'garland',
  'lowell',
  'burlington',
  'springfield',
  'columbus',
  'charlotte',
  'austin',
  'santiago',
  'lima',
  'naples',
  'fargo',
  'laredo',
  'chandler',
  'mobile',
  'eugene',
  'providence',
  'buffalo',
  'phoenix',
  'durham',
  'rochester',
  'oxford',
  'cambridge',
  'camden',
  'albany',
  'plano',
]);

/** Generic names that US hospitals and rehabilitation centres commonly bear. */
export const HOSPITAL_NAMES = new Set([
  'holy cross',
  'sacred heart',
  'good samaritan',
  'mount sinai',
  'mt sinai',
  'beth israel',
  'st mary',
  "st mary's",
  'saint mary',
  "saint mary's",
  'st joseph',
  "st joseph's",
  'saint joseph',
  "saint joseph's",
  'st luke',
  "st luke's",
  "saint luke's",
  'st vincent',
  "st vincent's",
  'st francis',
  "st elizabeth's",
  "st john's",
  'st jude',
  'st agnes',
  'good sam',
  'mercy',
  'presbyterian',
  'shriners',
]);

/**
 * Words that end a place or facility name: "Eastern Shore", "Franklin Square", "Keeley House",
 * "Mazur campus", "Laurel Regional", "Washington Adventist".
 */
export const PLACE_SUFFIX = new Set([
  'shore',
  'square',
  'river',
  'beach',
  'heights',
  'creek',
  'falls',
  'springs',
  'valley',
  'hills',
  'lake',
  'harbor',
  'harbour',
  'bay',
  'island',
  'mill',
  'mills',
  'village',
  'manor',
  'county',
  'township',
  'campus',
  'house',
  'regional',
  'adventist',
  'assisted',
  'hosp',
  'hospital',
  'rehab',
  'micu',
  'sicu',
  'ccu',
  'icu',
]);
/** Suffixes that name a facility by themselves after any unknown word ("kernan hospital"). */
export const FACILITY_SUFFIX = new Set([
  'campus',
  'house',
  'regional',
  'adventist',
  'assisted',
  'hosp',
  'hospital',
  'rehab',
  'manor',
]);
