import { describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { createAnalyzer, EntityType, MAX_TEXT_LENGTH, type Finding } from './index.ts';

const analyzer = createAnalyzer();
const found = (text: string, lang: 'zh' | 'en' | 'auto' = 'auto'): [string, string][] =>
  analyzer.analyze(text, { lang }).map((f: Finding) => [f.type, text.slice(f.start, f.end)]);

describe('Chinese text', () => {
  const note =
    '患者欧阳娜娜，女，45岁，身份证号11010519491231002X，手机138-1234-5678，住北京市海淀区中关村大街27号，主治医生王建国，家属李小明之子张伟。2023年5月6日入院，住院号ZY20230506。车牌京A12345。就诊于北京协和医院。';
  const f = found(note, 'zh');
  it.each([
    [EntityType.Person, '欧阳娜娜'],
    [EntityType.IdCard, '11010519491231002X'],
    [EntityType.Phone, '138-1234-5678'],
    [EntityType.Address, '北京市海淀区中关村大街27号'],
    [EntityType.Person, '王建国'],
    [EntityType.Person, '张伟'],
    [EntityType.Date, '2023年5月6日'],
    [EntityType.MedicalRecordNumber, 'ZY20230506'],
    [EntityType.LicensePlate, '京A12345'],
    [EntityType.Organization, '北京协和医院'],
  ])('finds %s %s', (type, text) => {
    expect(f).toContainEqual([type, text]);
  });
  it('finds compound surnames after cue words', () => {
    for (const name of ['司马相如', '诸葛亮', '上官婉儿'])
      expect(found(`患者${name}今日复诊`, 'zh')).toContainEqual([EntityType.Person, name]);
  });
  it('does not report a resident ID with a wrong check digit', () => {
    expect(found('编号110105194912310021', 'zh').filter(([t]) => t === EntityType.IdCard)).toEqual(
      [],
    );
  });
  it('finds legacy 15-digit IDs when labelled, and permits', () => {
    expect(found('身份证号：110105491231002', 'zh')).toContainEqual([
      EntityType.IdCard,
      '110105491231002',
    ]);
    expect(found('回乡证号码：H12345678', 'zh')).toContainEqual([
      EntityType.TravelPermit,
      'H12345678',
    ]);
    expect(found('台胞证：12345678', 'zh')).toContainEqual([EntityType.TravelPermit, '12345678']);
    expect(found('护照号E12345678', 'zh')).toContainEqual([EntityType.Passport, 'E12345678']);
  });
  it('finds ages over 89 only', () => {
    expect(found('患者92岁', 'zh')).toContainEqual([EntityType.Age, '92']);
    expect(found('患者45岁', 'zh').filter(([t]) => t === EntityType.Age)).toEqual([]);
  });
  it('finds Luhn-valid bank cards but not invalid ones', () => {
    expect(
      found('银行卡号 6222 0202 0011 2233 447'.replace('447', '4' + '4' + '7'), 'zh').some(
        ([t]) => t === EntityType.BankCard,
      ),
    ).toBe(
      true ===
        (() => {
          const d = '6222020200112233447';
          let s = 0;
          for (let i = 0; i < d.length; i++) {
            let v = Number(d[d.length - 1 - i]);
            if (i % 2) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
            s += v;
          }
          return s % 10 === 0;
        })(),
    );
    expect(found('卡号 4111 1111 1111 1111')).toContainEqual([
      EntityType.BankCard,
      '4111 1111 1111 1111',
    ]);
    expect(found('卡号 4111 1111 1111 1112').some(([t]) => t === EntityType.BankCard)).toBe(false);
  });
  it('finds landlines, dates in Chinese numerals and month-day dates', () => {
    expect(found('电话010-12345678', 'zh')).toContainEqual([EntityType.Phone, '010-12345678']);
    expect(found('二〇二三年五月六日手术', 'zh')).toContainEqual([
      EntityType.Date,
      '二〇二三年五月六日',
    ]);
    expect(found('5月6日复查', 'zh')).toContainEqual([EntityType.Date, '5月6日']);
  });
});

describe('English text', () => {
  const note =
    'Pt seen by Dr. Healey. Wife Mary Souza, RN called at (410) 555-9876 on 7/22/2019. Transferred from Calvert Hospital. Email jdoe@example.com, IP 10.2.3.4, see https://portal.example.org/x. MRN: 00123456. 93 yo. Lives at 123 Main Street, Springfield, IL 62704.';
  const f = found(note, 'en');
  it.each([
    [EntityType.Person, 'Healey'],
    [EntityType.Person, 'Mary Souza'],
    [EntityType.Phone, '(410) 555-9876'],
    [EntityType.Date, '7/22/2019'],
    [EntityType.Organization, 'Calvert Hospital'],
    [EntityType.Email, 'jdoe@example.com'],
    [EntityType.IpAddress, '10.2.3.4'],
    [EntityType.Url, 'https://portal.example.org/x'],
    [EntityType.MedicalRecordNumber, '00123456'],
    [EntityType.Age, '93'],
    [EntityType.Address, '123 Main Street, Springfield, IL 62704'],
  ])('finds %s %s', (type, text) => {
    expect(f).toContainEqual([type, text]);
  });
  it('does not take clinical abbreviations for names', () => {
    expect(
      found('RESP: O2 AT 2L NP WITH SATS 96%. MR d/t MVR.', 'en').filter(
        ([t]) => t === EntityType.Person,
      ),
    ).toEqual([]);
  });
});

describe('pipeline', () => {
  it('reports UTF-16 offsets', () => {
    const text = '😀患者欧阳娜娜';
    const p = createAnalyzer()
      .analyze(text)
      .find((x) => x.type === EntityType.Person)!;
    expect(p.start).toBe(4);
    expect(text.slice(p.start, p.end)).toBe('欧阳娜娜');
  });
  it('explains every finding and merges overlaps', () => {
    const fs = analyzer.analyze('身份证号11010519491231002X');
    expect(fs).toHaveLength(1);
    expect(fs[0]!.why).toMatch(/GB 11643/);
  });
  it('applies allow and deny lists and tenant patterns', () => {
    const a = createAnalyzer({
      allow: ['北京协和医院'],
      deny: [{ text: '长庚', type: EntityType.Location }],
      patterns: [{ name: 'inpatient', type: EntityType.MedicalRecordNumber, pattern: 'IP-\\d{6}' }],
    });
    const text = '在北京协和医院就诊，来自长庚，IP-123456';
    const got = a.analyze(text).map((x) => [x.type, text.slice(x.start, x.end)]);
    expect(got).not.toContainEqual([EntityType.Organization, '北京协和医院']);
    expect(got).toContainEqual([EntityType.Location, '长庚']);
    expect(got).toContainEqual([EntityType.MedicalRecordNumber, 'IP-123456']);
  });
  it('respects the threshold and disabled recognizers', () => {
    const strict = createAnalyzer({ threshold: 0.99, disabled: ['email'] });
    expect(strict.analyze('jdoe@example.com 7/22/2019')).toEqual([]);
  });
  it('rejects bad configuration and oversized input with stable codes', () => {
    expect(() =>
      createAnalyzer({ patterns: [{ name: 'x', type: EntityType.Custom, pattern: '(' }] }),
    ).toThrow(expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }));
    expect(() => createAnalyzer({ threshold: 2 })).toThrow(
      expect.objectContaining({ code: 'CUSTOS_CONFIG_INVALID' }),
    );
    let err: unknown;
    try {
      analyzer.analyze('a'.repeat(MAX_TEXT_LENGTH + 1));
    } catch (e) {
      err = e;
    }
    expect(isCustosError(err, 'CUSTOS_INPUT_INVALID')).toBe(true);
  });
  it('handles an enormous line quickly enough and without crashing', () => {
    const line = '患者张三 电话13812345678 '.repeat(20_000);
    const fs = createAnalyzer({ zhPos: false }).analyze(line);
    expect(fs.filter((x) => x.type === EntityType.Phone)).toHaveLength(20_000);
  });
});

describe('English places, hospitals and phone formats', () => {
  const types = (text: string, type: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === type)
      .map(([, s]) => s);
  it.each([
    ['Her daughter flew in from Seattle last night.', 'Seattle'],
    ['DAUGHTER ARRIVING FROM ROME TOMORROW.', 'ROME'],
    ['Plan to discharge to Sacred Heart Memorial in the morning.', 'Sacred Heart Memorial'],
    ['Awaiting a bed at Baltimore Rehab per case manager.', 'Baltimore Rehab'],
    ['Pt med-flighted to MGH for cath.', 'MGH'],
    ['Seen by the liaison nurse from GBMC today.', 'GBMC'],
    ['Transferred to Westwing 4 after the procedure.', 'Westwing'],
    ['Will go to St. Mary’s tomorrow.', 'St. Mary’s'],
  ])('finds the place in %s', (text, place) => {
    const all = found(text, 'en').map(([, s]) => s);
    expect(all.some((s) => s.includes(place) || place.includes(s))).toBe(true);
  });
  it.each([
    'Breathing in synch with the vent.',
    'Remains on mech vent overnight.',
    'Started on NPH insulin bid.',
    'Received from OSH intubated.',
    'Started on Kefzol 1gm q8h.',
    'Changed to Apaced 88 overnight.',
  ])('finds no place in %s', (text) => {
    expect(types(text, EntityType.Location)).toEqual([]);
  });
  it.each([
    ['his wife (201/324/1423) confirms', '201/324/1423'],
    ['dtr - 212- 476- 8356.', '212- 476- 8356'],
    ['CELLULAR-410 202-6694', '410 202-6694'],
    ['can be reached at 202 2671093.', '202 2671093'],
    ['son, (240444-1243) was in', '(240444-1243)'],
    ['PG 33445', '33445'],
    ['beeper number 55037 for consents', '55037'],
  ])('finds the phone number in %s', (text, phone) => {
    expect(types(text, EntityType.Phone)).toContain(phone);
  });
  it.each([
    'Tidal volumes 800-1000cc.',
    'Goal 500-1000 negative.',
    'HR 100-1112 on the monitor.',
    'Vent ac 14 x 700 40% peep 5.',
    'He called 911 from home.',
  ])('finds no phone number in %s', (text) => {
    expect(types(text, EntityType.Phone)).toEqual([]);
  });
});

describe('English names from initials and reporting cues', () => {
  const people = (text: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === EntityType.Person)
      .map(([, s]) => s);
  it.each([
    ['K+ 5.9. R. Tellamy aware, will recheck.', 'R. Tellamy'],
    ['Milrinone off as per J. Vantreese.', 'J. Vantreese'],
    ['All is well at this time. t. brokaw rrt', 't. brokaw'],
    ['Stridor noted, dr hawk aware.', 'hawk'],
    ['Drs. Abernathy and Quillfeather at bedside.', 'Quillfeather'],
    ['social: son bill called twice for updates.', 'bill'],
  ])('finds the person in %s', (text, name) => {
    expect(people(text)).toContain(name);
  });
  it.each([
    'Sputum grew E. coli and S. aureus, on vanco.',
    "BP in high 90's. Milrinone at .35.",
    'Suctioned 200cc in 2h. ENT was called.',
    'Son will call tomorrow.',
  ])('finds no person in %s', (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe('English dates with two-digit and trailing-apostrophe years', () => {
  const dates = (text: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === EntityType.Date)
      .map(([, s]) => s);
  it.each([
    ['PMH: AVR 6/89, DDD pacer.', '6/89'],
    ['Ovarian CA (11/94) s/p debulking.', '11/94'],
    ["CVA 71. Cholecystectomy 78'.", "78'"],
    ["Prostate CA'86, GERD.", "'86"],
    ['Breast CA s/p lumpectomy in 1984, HTN.', '1984'],
    ['Remote MI 1991. No etoh.', '1991'],
  ])('finds the date in %s', (text, date) => {
    expect(dates(text)).toContain(date);
  });
  it.each([
    "HOB 30'. Drain patent.",
    "Ambulated 50' with assist.",
    'PEEP 5/40% on the vent.',
    'Ca 8.5 this am.',
  ])('finds no date in %s', (text) => {
    expect(dates(text)).toEqual([]);
  });
});

describe('International phone numbers and addresses', () => {
  const of = (text: string, type: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === type)
      .map(([, s]) => s);
  it.each([
    ['Phone: 44 812 905', '44 812 905'],
    ['Please call me at 0611 203 44 87 tomorrow.', '0611 203 44 87'],
    ['Stop sending messages to 077 1234 5566', '077 1234 5566'],
    ['Vaasa 65100 091 234 5678-Office', '091 234 5678'],
  ])('finds the phone in %s', (text, phone) => {
    expect(of(text, EntityType.Phone)).toContain(phone);
  });
  it.each(['Phone: 12 34', 'Lasix 40 mg, desk 5'])('finds no phone in %s', (text) => {
    expect(of(text, EntityType.Phone)).toEqual([]);
  });
  it.each([
    ['Ship to 41210 Kauppakatu 17, Vaasa', '41210 Kauppakatu 17, Vaasa'],
    ['Mail to PSC 1234, Box 5678 APO AE 09123', 'PSC 1234, Box 5678 APO AE 09123'],
    ['Mail to Unit 4719 Box 7394', 'Unit 4719 Box 7394'],
    ['He lives in Apt. 212 upstairs.', 'Apt. 212'],
  ])('finds the address in %s', (text, addr) => {
    expect(of(text, EntityType.Address)).toContain(addr);
  });
  it.each(['SIMV 14 VT 600, PEEP 5', 'Intubated with 8.0 Portex. Vent settings Pcv 24, peep 5'])(
    'finds no address in %s',
    (text) => {
      expect(of(text, EntityType.Address)).toEqual([]);
    },
  );
});

describe('Cities after travel cues and in addresses', () => {
  const all = (text: string): string[] => found(text, 'en').map(([, s]) => s);
  it.each([
    ['Mrs. Okafor flew to Kvarnholm on Friday.', 'Kvarnholm'],
    ['He grew up in Oberwald.', 'Oberwald'],
    ['Ship to 41210 Kauppakatu 17, Vaasa', 'Vaasa'],
    ['Suite 501 Tallberga Sweden 12345', 'Tallberga'],
  ])('covers the city in %s', (text, city) => {
    expect(all(text).some((s) => s.includes(city))).toBe(true);
  });
  it.each(['Pt up to commode x2.', 'Weight up from preop.', 'Travelled to angio this am.'])(
    'finds nothing in %s',
    (text) => {
      expect(found(text, 'en').filter(([t]) => t === EntityType.Location)).toEqual([]);
    },
  );
});

describe('Organisation suffixes', () => {
  it.each([
    ['She works at Brightwater Technologies downtown.', 'Brightwater Technologies'],
    ['The Harrowgate Orchestra was founded in 1977.', 'Harrowgate Orchestra'],
  ])('finds the organisation in %s', (text, org) => {
    expect(found(text, 'en')).toContainEqual([EntityType.Organization, org]);
  });
  it('does not take a lone suffix word for an organisation', () => {
    expect(
      found('New solutions were tried for the dressing.', 'en').filter(
        ([t]) => t === EntityType.Organization,
      ),
    ).toEqual([]);
  });
});

describe('Lower-case hospital after a capitalised name', () => {
  it('finds "Kettering hospital" and not "the hospital"', () => {
    expect(found('He was at Kettering hospital last week.', 'en')).toContainEqual([
      EntityType.Organization,
      'Kettering hospital',
    ]);
    expect(
      found('He was at the hospital last week.', 'en').filter(
        ([t]) => t === EntityType.Organization,
      ),
    ).toEqual([]);
  });
});

describe('English nursing-note names', () => {
  const persons = (text: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === EntityType.Person)
      .map(([, s]) => s);
  it.each([
    ['after a care-team word', 'BP 90S. NP WOZNIAK MADE AWARE, BOLUS GIVEN.', 'WOZNIAK'],
    ['after md in mixed case', 'lasix given per md Okonkwo. plan to diurese', 'Okonkwo'],
    ['first name and an unknown surname', 'HR 110S. GLENDA PRZYWARA AWARE.', 'GLENDA PRZYWARA'],
    [
      'relative first name before a verb',
      'Social: son walter called for update; Denies pain',
      'walter',
    ],
    [
      'name before a bracketed relation',
      'FAMILY AT BEDSIDE. OTTILIE VASQUEZ (NIECE) IS PROXY.',
      'OTTILIE VASQUEZ',
    ],
    ['relation joined by a hyphen', 'SOCIAL: SISTER-BRENDA---410 555 0188', 'BRENDA'],
    [
      'initial and surname before a reporting word',
      'PAPS UP, K MCALLISTER ORDERED FLUIDS.',
      'K MCALLISTER',
    ],
    ['Dr and two capitalised words', 'Consent signed by Dr. Rose Hill today.', 'Rose Hill'],
  ])('finds a name %s', (_why, text, name) => {
    expect(persons(text).some((p) => p.includes(name))).toBe(true);
  });
  it('finds first name, initial and hyphenated surname before a credential', () => {
    expect(persons('SETTINGS UNCHANGED. DEB K. ARLOTTI-MAYNE, RRT')).toContainEqual(
      'DEB K. ARLOTTI-MAYNE',
    );
  });
  it('carries a name found once over to its other occurrences in the text', () => {
    const p = persons('PER DR KWIATEK, CONTINUE HEPARIN. KWIATEK TO DISCUSS WITH FAMILY.');
    expect(p.filter((x) => x === 'KWIATEK')).toHaveLength(2);
  });
  it.each([
    ['colour words before a misspelling', 'foley draining amber colored urine, tan sputum.'],
    ['sinus rhythm before a word', 'CV: SR ON MONITOR, NO ECTOPY.'],
    ['volumes before a word', 'GIVEN 500CC FLD BOLUS, 250 cc NS.'],
    ['catheter eponyms', 'R FEMORAL QUINTON CATHETER PLACED, SWAN PULLED BACK.'],
    ['SOAP headings', 'S. INTUBATED, SEDATED. O. SEE FLOWSHEET.'],
    ['PA line after an adjective', 'ASYMPTOMATIC, PA LINE PRESSURES STABLE.'],
  ])('does not take %s for a name', (_why, text) => {
    expect(persons(text)).toEqual([]);
  });
});

describe('English nursing-note places', () => {
  const places = (text: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t !== EntityType.Person && t !== EntityType.Date)
      .map(([, s]) => s);
  it.each([
    [
      'a ward and its floor',
      'Plan: transfer to Featherstone 4 when bed available.',
      'Featherstone',
    ],
    ['a ward without a cue', 'PLAN: KILDARROW 3 WHEN BED READY.', 'KILDARROW'],
    ['a hospital acronym after an article', 'PT SEEN AT THE KGH FOR SYNCOPE.', 'KGH'],
    ['a hospital acronym before its ward', 'brought by EMS to KGH EW today.', 'KGH'],
    [
      'a state university',
      'ADMITTED FROM UNIVERSITY OF OHIO MEDICAL CENTER YESTERDAY.',
      'UNIVERSITY OF OHIO MEDICAL CENTER',
    ],
    [
      'a name before a place suffix',
      'Family drove in from the Western Shore tonight.',
      'Western Shore',
    ],
    [
      'a facility name before "house"',
      'ADMITTED FROM THE BRIARWOOD HOUSE AFTER A FALL.',
      'BRIARWOOD HOUSE',
    ],
    ['a town after a family word', 'Social: daughter from Catonsville called.', 'Catonsville'],
  ])('finds %s', (_why, text, place) => {
    expect(places(text).some((p) => p.includes(place))).toBe(true);
  });
  it.each([
    ['unit abbreviations after transfer verbs', 'TRANSFER TO PCU TODAY, BACK TO NRB.'],
    ['Review of Systems', 'Review of Systems: Neuro intact.'],
    ['diagnoses after "of"', 'EPISODES OF HYPOTENSION OVERNIGHT.'],
    ['drugs after "of"', 'given 2mg of Narcan with effect.'],
  ])('does not report %s', (_why, text) => {
    expect(places(text)).toEqual([]);
  });
});

describe('English nursing-note dates', () => {
  const dates = (text: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === EntityType.Date)
      .map(([, s]) => s);
  it.each([
    ['a month/day after an event word', 'extubated 3/2, weaned 3/3.', '3/2'],
    ['a zero-padded month/day', 'EF 40% (2/03) on echo.', '2/03'],
    ['an ordinal day', 'she says it is the 14th.', '14th'],
    ['a month alone after "in"', 'admitted to rehab in sept. for PT.', 'sept'],
    ['a month name and year with "of"', 'LAST CHEMO IN MAY OF 1994.', 'MAY OF 1994'],
    ['a month-day with a hyphen after "on"', 'returned to OR on 6-9 for repair.', '6-9'],
    ['a date after a hyphen', 'LITHIUM TOXICITY-8/3/91. NKDA.', '8/3/91'],
  ])('finds %s', (_why, text, date) => {
    expect(dates(text)).toContainEqual(date);
  });
  it.each([
    ['pain scores', 'c/o CP 7/10, pain 4/10 after morphine.'],
    ['pressure-support pairs', 'on mask ventilation 10/5, flowby 6/3.'],
    ['settings with a percentage', 'vent 600x12/5/40% overnight.'],
    ['clock times', 'NURSING NOTE 1900-0700. Lasix given at 2030.'],
    ['fractions', 'on d5 1/2 ns, crackles 1/3 up.'],
    ['ordinals before a noun', 'placed on 1st step mattress; 2nd dose given.'],
  ])('does not report %s', (_why, text) => {
    expect(dates(text)).toEqual([]);
  });
});

describe('English word tokens shared between analyses', () => {
  // Names at the same places in both texts: tokens of one read as the other's would show.
  const a = 'Dr. Healey saw pt today, Healey aware. Wife Mary Souza called at 1400.';
  const b = 'Dr. Tyrone saw pt. Tyrone called the son. Tyrone aware. '.repeat(5);
  const spans = (fs: Finding[]): string[] => fs.map((f) => `${f.start}-${f.end} ${f.type}`);

  it('give the same findings whatever was analysed before', () => {
    const first = spans(analyzer.analyze(a, { lang: 'en' }));
    analyzer.analyze(b.repeat(50), { lang: 'en' });
    expect(spans(analyzer.analyze(a, { lang: 'en' }))).toEqual(first);
  });

  it('give the same findings when a recognizer analyses another text in between', () => {
    const inner = createAnalyzer();
    const nested = createAnalyzer({
      recognizers: [
        {
          name: 'nested-analysis',
          types: [EntityType.Custom],
          langs: ['en'],
          recognize: () => {
            inner.analyze(b, { lang: 'en' });
            return [];
          },
        },
      ],
    });
    // The extra recognizer runs after the built-in ones and before names found once are looked
    // for elsewhere in the text, which reads the tokens again.
    expect(spans(nested.analyze(a, { lang: 'en' }))).toEqual(
      spans(analyzer.analyze(a, { lang: 'en' })),
    );
  });
});

describe('Postal address blocks, postal codes and countries', () => {
  const of = (text: string, type: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === type)
      .map(([, s]) => s);
  it.each([
    [
      'Jana Kowal\n4410 Lindenweg 14\nBREMGARTEN\nSwitzerland 5620',
      '4410 Lindenweg 14\nBREMGARTEN\nSwitzerland 5620',
    ],
    ['Leave it at 77 Kastanjelaan 3 > Apt. 9 > Hoorn', '77 Kastanjelaan 3 > Apt. 9 > Hoorn'],
    ['Enter on Lindenweg 14 St. after noon.', 'Lindenweg 14 St.'],
    ['She lives on Via Verdi 12 street.', 'Via Verdi 12 street'],
    ['Write to 12 Cedar Avenue, Dunmore, PA 18512 please', '12 Cedar Avenue, Dunmore, PA 18512'],
    [
      'Send to 4410 Lindenweg 14\nBREMGARTEN\n, AG\n 5620 by post',
      '4410 Lindenweg 14\nBREMGARTEN\n, AG\n 5620',
    ],
    ['Meet at the corner of Holt Rd and Vine Street.', 'Holt Rd and Vine Street'],
    ['Meet at the corner of Kirkegata 12 and Storgata', 'Kirkegata 12 and Storgata'],
    ['The shop on Harrow Mill Street closed.', 'Harrow Mill Street'],
    ['Her flat is at 14 Marlow Close now.', '14 Marlow Close'],
  ])('finds the whole address in %j', (text, addr) => {
    expect(of(text, EntityType.Address)).toContain(addr);
  });
  it.each([
    'Temp 98 Tylenol 650\nTolerating diet',
    'Given 2 Percocet 5\nPain 3/10',
    'Bed 12 St. Mary unit', // a saint's name after a number, no street number
    'Redness at the corner of mouth and Lips dry', // no number and no street word
    'Pt on Road trip', // no capitalised street name before the street word
  ])('finds no address in %j', (text) => {
    expect(of(text, EntityType.Address)).toEqual([]);
  });
  it.each([
    ['My zip code is 4021', '4021'],
    ['ZIP: 752 36', '752 36'],
    ['Postcode 1011 AB for the office', '1011 AB'],
    ['postal code 4000-123', '4000-123'],
  ])('finds the postal code in %j', (text, zip) => {
    expect(of(text, EntityType.ZipCode)).toContain(zip);
  });
  it.each(['zip code is in the form', 'ZIP 12 times', 'post op day 123'])(
    'finds no postal code in %j',
    (text) => {
      expect(of(text, EntityType.ZipCode)).toEqual([]);
    },
  );
  it.each([
    ['Her son moved to New Zealand last year.', 'New Zealand'],
    ['South Africa was lovely.', 'South Africa'],
    ['A tour of Southern Poland', 'Poland'],
    ['The studio is based in LILLEHAMMER.', 'LILLEHAMMER'],
  ])('finds the place in %j', (text, place) => {
    expect(of(text, EntityType.Location)).toContain(place);
  });
  it.each(['Transferred in MICU overnight.', 'Seen in PACU.', 'Georgia called her mother.'])(
    'finds no place in %j',
    (text) => {
      expect(of(text, EntityType.Location)).toEqual([]);
    },
  );
});

describe('English dates with trailing years, typed phone numbers and church hospitals', () => {
  const of = (text: string, type: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === type)
      .map(([, s]) => s);
  it.each([
    ['Progress note 3->4 oct, 97 1900-0700', '3->4 oct, 97'],
    ['Seen 14 Feb, 02 0700-1900', '14 Feb, 02'],
    ['Born june 3, 1888 per chart', 'june 3, 1888'],
  ])('finds the date in %j', (text, date) => {
    expect(of(text, EntityType.Date)).toContain(date);
  });
  it('does not take a dose after a date for its year', () => {
    expect(of('Started Dec 4, 12 units of insulin', EntityType.Date)).toEqual(['Dec 4']);
  });
  it.each([
    ['Sister called (412 555 12345) tonight', '412 555 12345'],
    ['Call back 617-332-98761', '617-332-98761'],
  ])('finds the phone with a digit too many in %j', (text, phone) => {
    expect(of(text, EntityType.Phone)).toContain(phone);
  });
  it.each(['Vent 100 150 12345', 'code 123 456 78901'])(
    'finds no phone in %j (area code or exchange starting with 0 or 1)',
    (text) => {
      expect(of(text, EntityType.Phone)).toEqual([]);
    },
  );
  it('takes a name before a church denomination for a hospital, not a person', () => {
    const f = found('Transferred from Brindlecombe Methodist last night.', 'en');
    expect(f).toContainEqual([EntityType.Organization, 'Brindlecombe Methodist']);
    expect(f.filter(([t]) => t === EntityType.Person)).toEqual([]);
  });
  it('takes a word before a state in the possessive for a town', () => {
    expect(
      of('toured the frostburg maryland’s unit'.replace('’', "'"), EntityType.Location),
    ).toContain("frostburg maryland's");
  });
});

describe('Card numbers of other lengths and names in narrative text', () => {
  const of = (text: string, type: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === type)
      .map(([, s]) => s);
  // Luhn-valid numbers made up for these tests.
  it.each([
    ['Please block card 180000000000002 today', '180000000000002'],
    ['my card number is 500000000009 thanks', '500000000009'],
  ])('finds the card in %j', (text, card) => {
    expect(of(text, EntityType.BankCard)).toContain(card);
  });
  it.each([
    'Reference 500000000009 on file', // 12 digits without the word "card"
    'Please block card 180000000000003 today', // Luhn check fails
  ])('finds no card in %j', (text) => {
    expect(of(text, EntityType.BankCard)).toEqual([]);
  });
  it.each([
    ['She said: "I am Ottilie\'s niece".', 'Ottilie'],
    ['Brannagh lives on the coast.', 'Brannagh'],
    ['Kvitsoy is very kind to everyone.', 'Kvitsoy'],
    ['"We won," says Orlavsky.', 'Orlavsky'],
    ['Hi Wendeline, thanks for the call.', 'Wendeline'],
    ['They named him Tiberiu after his uncle.', 'Tiberiu'],
    ["What's your last name? Okonkwo", 'Okonkwo'],
    ['Please add my kid Radomir to the policy.', 'Radomir'],
    ['Her grandmother was called Ilse Brandauer.', 'Ilse Brandauer'],
  ])('finds the person in %j', (text, name) => {
    expect(of(text, EntityType.Person)).toContain(name);
  });
  it.each([
    'Levophed was weaned overnight.',
    "Occasional PVC's. Pt resting.",
    "Patient's daughter called.",
    'Zapruder is a 1999 film.',
    'The chart says PCN allergy.',
    "She says I'm tired.",
    'Hello Pt, how are you?',
    'Name: ?',
    'The kids Room is closed.',
  ])('finds no person in %j', (text) => {
    expect(of(text, EntityType.Person)).toEqual([]);
  });
});

describe('Misspelt bedside words and run-together settings are no places', () => {
  const places = (text: string): string[] =>
    found(text, 'en')
      .filter(([t]) => t === EntityType.Location)
      .map(([, s]) => s);
  it.each([
    'Pt asked to go to comode twice.',
    'Pt wants to go to recliener now.',
    'Continues on albuterolQ6 and Atrovent.',
    'Weaned to PSVon 10 this am.',
  ])('finds no place in %j', (text) => {
    expect(places(text)).toEqual([]);
  });
  it.each([
    ['Transferred to Brindlecombe 4 overnight.', 'Brindlecombe'],
    ['Family went to Quillmarsh today.', 'Quillmarsh'],
  ])('still finds the place in %j', (text, place) => {
    expect(places(text)).toContain(place);
  });
});

describe('A town and its postal code in a sentence', () => {
  const all = (text: string): [string, string][] => found(text, 'en');
  it.each([
    ['We support clinics in Oberkirchen 77704 in their work.', 'Oberkirchen 77704'],
    ['Offices in Quillmarsh 4000-123, open daily.', 'Quillmarsh 4000-123'],
  ])('finds the town and postal code in %j', (text, addr) => {
    expect(all(text)).toContainEqual([EntityType.Address, addr]);
  });
  it.each(['She was seen in Oberkirchen 2019 for a fall.', 'Started in Quillmarsh 1200 mg daily.'])(
    'takes no year or dose for a postal code in %j',
    (text) => {
      expect(all(text).filter(([t]) => t === EntityType.Address)).toEqual([]);
    },
  );
});
