/**
 * Patients in households (families share surname and address), staff HR data linked to some of
 * those households (family and neighbours of staff), staff who are also patients, foreign and
 * Hong Kong/Macau/Taiwan patients, mothers and their newborns, VIPs and deceased patients.
 */
import { DEPARTMENTS, DIAGNOSES } from './catalog.ts';
import type { Model } from './model.ts';
import {
  ENGLISH_NATIONALITIES,
  LOCAL_REGIONS,
  OTHER_REGIONS,
  makeAddress,
  makeMobile,
  makeNeighbourAddress,
  makeResidentId,
  pickEnglishName,
  pickGivenName,
  pickSurname,
} from './people.ts';
import { type DemoRandom, makeWeights } from './random.ts';
import { DAY, HOUR, MINUTE, localDate, localIso } from './time.ts';
import type { DemoAddress, DemoContact, DemoIdentifier, DemoPatient, DemoSex } from './types.ts';

/** A maternity episode planned before mothers are chosen. */
export interface PlannedEpisode {
  lmpMs: number;
  deliveryMs: number;
  delivered: boolean;
  mother: number;
  newborn: number;
}

interface PersonSpec {
  sex: DemoSex;
  birthMs: number;
  family: string;
  given: string;
  script: 'zh' | 'en';
  nationality: string;
  countryNumeric?: string;
  phone?: string;
  contacts: DemoContact[];
}

const year = 365.25 * DAY;

class PatientFactory {
  private readonly usedIds = new Set<string>();
  private readonly usedPhones = new Set<string>();
  constructor(
    private readonly model: Model,
    private readonly rng: DemoRandom,
  ) {
    for (const s of model.staff) this.usedIds.add(s.nationalId);
  }

  phone(): string {
    let p = makeMobile(this.rng);
    while (this.usedPhones.has(p)) p = makeMobile(this.rng);
    this.usedPhones.add(p);
    return p;
  }

  residentId(prefix: string, birthDate: string, sex: DemoSex): string {
    let id = makeResidentId(this.rng, prefix, birthDate, sex);
    while (this.usedIds.has(id)) id = makeResidentId(this.rng, prefix, birthDate, sex);
    this.usedIds.add(id);
    return id;
  }

  /** Adds a patient and returns its index. */
  add(
    spec: PersonSpec,
    address: DemoAddress,
    household: number,
    opts: {
      nationalId?: string;
      registeredMs?: number;
      staff?: number;
      newborn?: boolean;
      motherId?: string;
    } = {},
  ): number {
    const { model, rng } = this;
    const idx = model.patients.length;
    const birthDate = localDate(spec.birthMs);
    const identifiers: DemoIdentifier[] = [];
    let nationalId = opts.nationalId;
    if (!opts.newborn && !nationalId) {
      if (spec.script === 'en') {
        if (rng.chance(0.4)) {
          nationalId = this.residentId(`933${spec.countryNumeric ?? '840'}`, birthDate, spec.sex);
          identifiers.push({ system: 'foreign-permanent-resident-id', value: nationalId });
          nationalId = undefined;
        }
        identifiers.push({
          system: 'foreign-passport',
          value:
            spec.nationality === 'CA'
              ? `GA${rng.digits(6)}`
              : spec.nationality === 'AU'
                ? `N${rng.digits(7)}`
                : rng.digits(9),
        });
      } else if (
        spec.nationality === 'HK' ||
        spec.nationality === 'MO' ||
        spec.nationality === 'TW'
      ) {
        const prefix =
          spec.nationality === 'HK' ? '810000' : spec.nationality === 'MO' ? '820000' : '830000';
        nationalId = this.residentId(prefix, birthDate, spec.sex);
        identifiers.push({ system: 'resident-id', value: nationalId });
        if (spec.nationality === 'TW')
          identifiers.push({ system: 'taiwan-permit', value: rng.digits(8) });
        else
          identifiers.push({
            system: 'hk-macau-permit',
            value: `${spec.nationality === 'HK' ? 'H' : 'M'}${rng.digits(10)}`,
          });
      } else {
        const local = rng.chance(0.65);
        const region = local ? rng.pick(LOCAL_REGIONS) : rng.pick(OTHER_REGIONS);
        nationalId = this.residentId(region.code, birthDate, spec.sex);
        identifiers.push({ system: 'resident-id', value: nationalId });
        if (rng.chance(0.05))
          identifiers.push({ system: 'prc-passport', value: `E${rng.digits(8)}` });
      }
    } else if (nationalId) {
      identifiers.push({ system: 'resident-id', value: nationalId });
    }
    const ageMs = model.params.w1 - spec.birthMs;
    const registeredMs =
      opts.registeredMs ??
      Math.max(
        spec.birthMs + DAY,
        model.params.w0 -
          rng.int(Math.min(ageMs, 9 * year) / DAY) * DAY -
          rng.int(9 * 60) * MINUTE -
          8 * HOUR,
      );
    const p: DemoPatient = {
      id: `pat-${String(idx + 1).padStart(6, '0')}`,
      tenantId: model.params.tenant,
      mrn: '',
      name: spec.script === 'en' ? `${spec.given} ${spec.family}` : spec.family + spec.given,
      family: spec.family,
      given: spec.given,
      script: spec.script,
      sex: spec.sex,
      birthDate,
      ...(nationalId ? { nationalId } : {}),
      identifiers,
      nationality: spec.nationality,
      ...(spec.phone ? { phone: spec.phone } : {}),
      address,
      contacts: spec.contacts,
      confidentiality: 'N',
      sensitiveCategories: [],
      insurance:
        spec.script === 'en'
          ? rng.chance(0.6)
            ? 'commercial'
            : 'self-pay'
          : ageMs > 22 * year && ageMs < 60 * year && rng.chance(0.75)
            ? 'urban-employee'
            : rng.chance(0.9)
              ? 'urban-rural-resident'
              : 'self-pay',
      registeredAt: localIso(registeredMs),
      ...(opts.motherId ? { motherId: opts.motherId } : {}),
    };
    model.patients.push(p);
    const [dept, dx] = choosePrimary(rng, spec.sex, ageMs / year, !!opts.newborn);
    model.patientMeta.push({
      household,
      primaryDept: dept,
      primaryDx: dx,
      birthMs: spec.birthMs,
      deceasedMs: Infinity,
      episode: -1,
      staff: opts.staff ?? -1,
      newborn: !!opts.newborn,
    });
    model.households[household]!.patientIds.push(p.id);
    return idx;
  }
}

const ADULT_DEPTS = DEPARTMENTS.filter(
  (d) => d.outpatientWeight > 0 && d.code !== 'PED' && d.code !== 'NEO',
);

function choosePrimary(
  rng: DemoRandom,
  sex: DemoSex,
  age: number,
  newborn: boolean,
): [string, number] {
  let dept: string;
  if (newborn) dept = 'NEO';
  else if (age < 14) dept = rng.chance(0.9) ? 'PED' : 'SUR';
  else {
    const allowed = ADULT_DEPTS.filter(
      (d) => (d.code !== 'GYN' || sex === 'female') && (d.code !== 'ONC' || age > 30),
    );
    dept = rng.weighted(
      makeWeights(
        allowed.map((d) => d.code),
        allowed.map((d) => d.outpatientWeight),
      ),
    );
  }
  const list = DIAGNOSES[dept]!;
  let dx = rng.int(list.length);
  if (dept === 'INF' && list[dx]!.sensitive === 'hiv' && rng.chance(0.7))
    dx = list.findIndex((d) => !d.sensitive);
  if (dept === 'NEO') dx = list.findIndex((d) => d.code === 'Z38.0');
  return [dept, dx];
}

function localAddress(rng: DemoRandom): DemoAddress {
  return makeAddress(rng, rng.chance(0.9) ? rng.pick(LOCAL_REGIONS) : rng.pick(OTHER_REGIONS));
}

function person(
  rng: DemoRandom,
  sex: DemoSex,
  birthMs: number,
  family: string,
  phone: string | undefined,
): PersonSpec {
  return {
    sex,
    birthMs,
    family,
    given: pickGivenName(rng, sex),
    script: 'zh',
    nationality: 'CN',
    ...(phone ? { phone } : {}),
    contacts: [],
  };
}

/** Plans maternity episodes (timing only) so the number of newborns is known up front. */
export function planMaternity(model: Model): PlannedEpisode[] {
  const { params } = model;
  const rng = model.rng.fork('maternity-plan');
  const n = Math.max(8, Math.round(params.patients * 0.02));
  const out: PlannedEpisode[] = [];
  for (let i = 0; i < n; i++) {
    const gaEndDays = rng.between(42, 300);
    const lmpMs = params.w1 - gaEndDays * DAY;
    const deliveryMs = lmpMs + rng.between(259, 294) * DAY + rng.int(24 * 60) * MINUTE;
    out.push({
      lmpMs,
      deliveryMs,
      delivered: deliveryMs < params.w1 - 6 * HOUR,
      mother: -1,
      newborn: -1,
    });
  }
  // Make sure a few deliveries fall inside the window.
  for (let i = 0; i < Math.min(3, n); i++) {
    const e = out[i]!;
    e.deliveryMs = params.w0 + rng.int(params.days * 24 * 60 - 12 * 60) * MINUTE;
    e.lmpMs = e.deliveryMs - rng.between(266, 285) * DAY;
    e.delivered = true;
  }
  return out;
}

/** Builds households, patients, staff HR data and the staff–patient relations. */
export function buildPatients(model: Model, episodes: PlannedEpisode[]): void {
  const { params } = model;
  const rng = model.rng.fork('patients');
  const f = new PatientFactory(model, rng);
  const t = params.tenant;
  const staffOrder = rng.shuffle(model.staff.map((_, i) => i));
  const newborns = episodes.filter((e) => e.delivered).length;
  const staffPatientCount = Math.max(3, Math.round(params.staff * 0.05));
  const base = params.patients - newborns - staffPatientCount;
  const familyCount = Math.min(Math.max(3, Math.round(params.staff * 0.08)), Math.floor(base / 12));
  const neighbourCount = Math.max(2, Math.round(params.staff * 0.04));
  const familyStaff = staffOrder.slice(0, familyCount);
  const neighbourStaff = staffOrder.slice(familyCount, familyCount + neighbourCount);
  // Staff-patients: some family-linked staff, the rest from the remaining staff.
  const staffPatients = [
    ...familyStaff.slice(0, Math.ceil(staffPatientCount / 3)),
    ...staffOrder.slice(
      familyCount + neighbourCount,
      familyCount + neighbourCount + staffPatientCount - Math.ceil(staffPatientCount / 3),
    ),
  ];
  const newHousehold = (surname: string, address: DemoAddress): number => {
    model.households.push({
      id: `hh-${String(model.households.length + 1).padStart(6, '0')}`,
      surname,
      address: address.text,
      patientIds: [],
      staffIds: [],
    });
    return model.households.length - 1;
  };

  // 1. Staff whose parents (and spouse, children) are patients.
  for (const si of familyStaff) {
    const s = model.staff[si]!;
    const meta = model.staffMeta[si]!;
    const address = makeAddress(rng, rng.pick(LOCAL_REGIONS));
    const hh = newHousehold(s.family, address);
    model.households[hh]!.staffIds.push(s.id);
    s.hr.homeAddress = address;
    s.hr.phone = f.phone();
    const fatherBirth = meta.birthMs - rng.between(24, 34) * year;
    const father = person(rng, 'male', fatherBirth, s.family, f.phone());
    const mother = person(
      rng,
      'female',
      fatherBirth + rng.between(-3, 4) * year,
      pickSurname(rng),
      f.phone(),
    );
    father.contacts.push({
      name: mother.family + mother.given,
      relationship: 'spouse',
      phone: mother.phone!,
    });
    mother.contacts.push({
      name: father.family + father.given,
      relationship: 'spouse',
      phone: father.phone!,
    });
    const members: number[] = [];
    const age = (params.w1 - meta.birthMs) / year;
    let spouseContact: DemoContact | undefined;
    members.push(f.add(father, address, hh));
    members.push(f.add(mother, address, hh));
    if (age > 28 && rng.chance(0.6)) {
      const sp = person(
        rng,
        s.sex === 'male' ? 'female' : 'male',
        meta.birthMs + rng.between(-3, 3) * year,
        pickSurname(rng),
        f.phone(),
      );
      sp.contacts.push({ name: s.name, relationship: 'spouse', phone: s.hr.phone });
      members.push(f.add(sp, address, hh));
      spouseContact = { name: sp.family + sp.given, relationship: 'spouse', phone: sp.phone! };
      if (s.sex === 'male' && age > 30 && rng.chance(0.6)) {
        const kid = person(
          rng,
          rng.chance(0.5) ? 'male' : 'female',
          params.w1 - rng.between(1, Math.floor(age) - 26) * year - rng.int(360) * DAY,
          s.family,
          undefined,
        );
        kid.contacts.push(
          { name: s.name, relationship: 'parent', phone: s.hr.phone },
          { ...spouseContact },
        );
        members.push(f.add(kid, address, hh));
      }
    }
    const parentContact: DemoContact = rng.chance(0.5)
      ? { name: father.family + father.given, relationship: 'parent', phone: father.phone! }
      : { name: mother.family + mother.given, relationship: 'parent', phone: mother.phone! };
    s.hr.emergencyContacts = spouseContact ? [spouseContact, parentContact] : [parentContact];
    for (const m of members)
      model.staffRelations.push({
        staffId: s.id,
        patientId: model.patients[m]!.id,
        relation: 'family',
      });
  }

  // 2. Ordinary households until the base count is reached.
  const sizes = makeWeights([1, 2, 3, 4, 5], [25, 28, 25, 14, 8]);
  while (model.patients.length < base) {
    const left = base - model.patients.length;
    const size = Math.min(left, rng.weighted(sizes));
    const kind = rng.next();
    if (kind < 0.02) addForeignHousehold(model, f, rng, size, newHousehold);
    else
      addChineseHousehold(
        model,
        f,
        rng,
        size,
        newHousehold,
        kind < 0.03 ? rng.pick(['HK', 'MO', 'TW']) : 'CN',
      );
  }

  // 3. Neighbours: staff living in the same building as a patient household.
  const candidates = model.households.filter(
    (h) => h.staffIds.length === 0 && h.patientIds.length > 0,
  );
  for (const si of neighbourStaff) {
    const s = model.staff[si]!;
    const h = rng.pick(candidates);
    const first = model.patients[Number(h.patientIds[0]!.slice(4)) - 1]!;
    s.hr.homeAddress = makeNeighbourAddress(rng, first.address);
    for (const pid of h.patientIds)
      model.staffRelations.push({ staffId: s.id, patientId: pid, relation: 'neighbour' });
  }

  // 4. HR data of everyone else.
  const familySet = new Set(familyStaff);
  model.staff.forEach((s, si) => {
    if (!s.hr.phone) s.hr.phone = f.phone();
    if (familySet.has(si)) return;
    if (!neighbourStaff.includes(si)) s.hr.homeAddress = localAddress(rng);
    const age = (params.w1 - model.staffMeta[si]!.birthMs) / year;
    s.hr.emergencyContacts = [
      age > 27 && rng.chance(0.7)
        ? {
            name: pickSurname(rng) + pickGivenName(rng, s.sex === 'male' ? 'female' : 'male'),
            relationship: 'spouse',
            phone: f.phone(),
          }
        : { name: s.family + pickGivenName(rng, 'male'), relationship: 'parent', phone: f.phone() },
    ];
  });

  // 5. Staff who are also patients: the same national ID, name, phone and address.
  for (const si of staffPatients) {
    const s = model.staff[si]!;
    const meta = model.staffMeta[si]!;
    const hh = familySet.has(si)
      ? model.households.findIndex((h) => h.staffIds.includes(s.id))
      : newHousehold(s.family, s.hr.homeAddress);
    if (!familySet.has(si)) model.households[hh]!.staffIds.push(s.id);
    const idx = f.add(
      {
        sex: s.sex,
        birthMs: meta.birthMs,
        family: s.family,
        given: s.given,
        script: 'zh',
        nationality: 'CN',
        phone: s.hr.phone,
        contacts: s.hr.emergencyContacts.map((c) => ({ ...c })),
      },
      s.hr.homeAddress,
      hh,
      { nationalId: s.nationalId, staff: si },
    );
    meta.patient = idx;
    model.staffRelations.push({
      staffId: s.id,
      patientId: model.patients[idx]!.id,
      relation: 'self',
    });
  }

  // 6. Mothers and newborns.
  const eligible = rng.shuffle(
    model.patients
      .map((p, i) => ({ p, i }))
      .filter(
        ({ p, i }) =>
          p.sex === 'female' && p.nationality === 'CN' && model.patientMeta[i]!.staff < 0,
      )
      .map(({ i }) => i),
  );
  let e = 0;
  for (const ep of episodes) {
    while (e < eligible.length) {
      const i = eligible[e++]!;
      const ageAtLmp = (ep.lmpMs - model.patientMeta[i]!.birthMs) / year;
      if (ageAtLmp >= 20 && ageAtLmp <= 42) {
        ep.mother = i;
        break;
      }
    }
  }
  const planned = episodes.filter((x) => x.mother >= 0);
  episodes.splice(0, episodes.length, ...planned);
  for (const ep of episodes) {
    const mother = model.patients[ep.mother]!;
    model.patientMeta[ep.mother]!.primaryDept = 'OBS';
    model.patientMeta[ep.mother]!.primaryDx = 0;
    if (!ep.delivered) continue;
    const hh = model.patientMeta[ep.mother]!.household;
    const sex: DemoSex = rng.chance(0.51) ? 'male' : 'female';
    const surname = model.households[hh]!.surname;
    ep.newborn = f.add(
      {
        sex,
        birthMs: ep.deliveryMs,
        family: surname,
        given: '',
        script: 'zh',
        nationality: 'CN',
        contacts: mother.phone
          ? [{ name: mother.name, relationship: 'parent', phone: mother.phone }]
          : [],
      },
      mother.address,
      hh,
      {
        newborn: true,
        registeredMs: ep.deliveryMs + rng.between(10, 90) * MINUTE,
        motherId: mother.id,
      },
    );
    const nb = model.patients[ep.newborn]!;
    nb.name = `${mother.name}之${sex === 'male' ? '子' : '女'}`;
  }
  // Top up to the exact number of patients (mothers were short, or households rounded).
  while (model.patients.length < params.patients)
    addChineseHousehold(model, f, rng, 1, newHousehold, 'CN');

  // 7. VIPs (confidentiality V) and deceased patients.
  const mothers = new Set(episodes.map((x) => x.mother));
  const adults = rng.shuffle(
    model.patients
      .map((p, i) => ({ p, i }))
      .filter(({ p, i }) => {
        const age = (params.w1 - model.patientMeta[i]!.birthMs) / year;
        return (
          p.nationality === 'CN' &&
          age >= 25 &&
          age <= 60 &&
          model.patientMeta[i]!.staff < 0 &&
          !mothers.has(i)
        );
      })
      .map(({ i }) => i),
  );
  const vipCount = Math.max(2, Math.round(params.patients / 10000));
  for (let k = 0; k < vipCount && k < adults.length; k++) {
    const p = model.patients[adults[k]!]!;
    p.confidentiality = 'V';
    p.vip = {
      kind: k === 0 ? 'celebrity' : rng.pick(['celebrity', 'official', 'athlete'] as const),
    };
  }
  const elderly = model.patients
    .map((p, i) => ({ p, i }))
    .filter(
      ({ p, i }) =>
        (params.w1 - model.patientMeta[i]!.birthMs) / year >= 75 &&
        model.patientMeta[i]!.staff < 0 &&
        p.confidentiality === 'N',
    )
    .map(({ i }) => i);
  const deceased = rng.sample(elderly, Math.max(1, Math.round(elderly.length * 0.01)));
  for (const i of deceased) {
    const at = params.w0 - rng.between(3, 300) * DAY - rng.int(24 * 60) * MINUTE;
    model.patientMeta[i]!.deceasedMs = at;
    model.patients[i]!.deceasedAt = localIso(at);
  }

  // 8. Record numbers in registration order; MRN identifiers; the name index.
  const order = model.patients
    .map((p, i) => ({ at: p.registeredAt, i }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i));
  order.forEach(({ i }, rank) => {
    const p = model.patients[i]!;
    p.mrn = String(10_000_001 + rank);
    p.identifiers.push({ system: 'mrn', value: p.mrn });
  });
  model.patients.forEach((p, i) => {
    const l = model.patientsByName.get(p.name) ?? [];
    l.push(i);
    model.patientsByName.set(p.name, l);
  });
  void t;
}

function addChineseHousehold(
  model: Model,
  f: PatientFactory,
  rng: DemoRandom,
  size: number,
  newHousehold: (s: string, a: DemoAddress) => number,
  nationality: string,
): void {
  const { params } = model;
  const surname = pickSurname(rng);
  const address = localAddress(rng);
  const hh = newHousehold(surname, address);
  // The householder (户主) of a family is the husband here, so children carry the household surname.
  const headSex: DemoSex = size === 1 ? (rng.chance(0.5) ? 'male' : 'female') : 'male';
  const headAge = size === 1 ? rng.between(18, 92) : rng.between(24, 80);
  const headBirth = params.w1 - headAge * year - rng.int(365) * DAY;
  const specs: PersonSpec[] = [];
  const head = person(rng, headSex, headBirth, surname, f.phone());
  head.nationality = nationality;
  specs.push(head);
  let spouse: PersonSpec | undefined;
  if (size >= 2) {
    spouse = person(
      rng,
      headSex === 'male' ? 'female' : 'male',
      headBirth + rng.between(-4, 4) * year,
      pickSurname(rng),
      f.phone(),
    );
    spouse.nationality = nationality;
    specs.push(spouse);
  }
  const kids = size >= 5 ? size - 3 : size - 2;
  for (let k = 0; k < kids; k++) {
    const maxAge = Math.max(0, headAge - 22);
    const age = rng.between(0, Math.min(maxAge, 40));
    const kidSex: DemoSex = rng.chance(0.5) ? 'male' : 'female';
    const kid = person(
      rng,
      kidSex,
      params.w1 - age * year - rng.int(365) * DAY,
      surname,
      age >= 16 ? f.phone() : undefined,
    );
    kid.nationality = nationality;
    specs.push(kid);
  }
  if (size >= 5) {
    const elderSex: DemoSex = rng.chance(0.5) ? 'male' : 'female';
    const elder = person(
      rng,
      elderSex,
      headBirth - rng.between(24, 32) * year,
      elderSex === 'male' ? surname : pickSurname(rng),
      undefined,
    );
    // An elderly parent without a phone of their own gives the head's number.
    elder.phone = rng.chance(0.5) ? head.phone : f.phone();
    elder.nationality = nationality;
    specs.push(elder);
  }
  // Emergency contacts within the family.
  const nameOf = (p: PersonSpec) => p.family + p.given;
  for (const p of specs) {
    if (p === head && spouse)
      p.contacts.push({ name: nameOf(spouse), relationship: 'spouse', phone: spouse.phone! });
    else if (p === spouse)
      p.contacts.push({ name: nameOf(head), relationship: 'spouse', phone: head.phone! });
    else if (p !== head)
      p.contacts.push({
        name: nameOf(head),
        relationship: p.birthMs > head.birthMs ? 'parent' : 'child',
        phone: head.phone!,
      });
    else
      p.contacts.push({
        name: pickSurname(rng) + pickGivenName(rng, 'male'),
        relationship: rng.chance(0.5) ? 'sibling' : 'friend',
        phone: f.phone(),
      });
  }
  for (const p of specs) f.add(p, address, hh);
}

function addForeignHousehold(
  model: Model,
  f: PatientFactory,
  rng: DemoRandom,
  size: number,
  newHousehold: (s: string, a: DemoAddress) => number,
): void {
  const { params } = model;
  const nat = rng.pick(ENGLISH_NATIONALITIES);
  const headSex: DemoSex = rng.chance(0.6) ? 'male' : 'female';
  const headName = pickEnglishName(rng, headSex);
  const address = makeAddress(rng, rng.pick(LOCAL_REGIONS.slice(0, 4)));
  const hh = newHousehold(headName.family, address);
  const n = Math.min(size, 4);
  const headAge = rng.between(26, 65);
  const headBirth = params.w1 - headAge * year - rng.int(365) * DAY;
  const specs: PersonSpec[] = [];
  for (let k = 0; k < n; k++) {
    const sex: DemoSex =
      k === 0
        ? headSex
        : k === 1
          ? headSex === 'male'
            ? 'female'
            : 'male'
          : rng.chance(0.5)
            ? 'male'
            : 'female';
    const birth =
      k < 2
        ? headBirth + (k === 1 ? rng.between(-3, 3) * year : 0)
        : params.w1 - rng.between(0, Math.min(20, headAge - 22)) * year - rng.int(365) * DAY;
    const adult = (params.w1 - birth) / year >= 16;
    const nm = pickEnglishName(rng, sex);
    specs.push({
      sex,
      birthMs: birth,
      family: headName.family,
      given: nm.given,
      script: 'en',
      nationality: nat.code,
      countryNumeric: nat.numeric,
      ...(adult ? { phone: f.phone() } : {}),
      contacts: [],
    });
  }
  const head = specs[0]!;
  for (const p of specs) {
    if (p === head) {
      const other = specs[1];
      p.contacts.push(
        other?.phone
          ? { name: `${other.given} ${other.family}`, relationship: 'spouse', phone: other.phone }
          : {
              name: `${pickEnglishName(rng, 'male').given} ${headName.family}`,
              relationship: 'sibling',
              phone: f.phone(),
            },
      );
    } else
      p.contacts.push({
        name: `${head.given} ${head.family}`,
        relationship: p === specs[1] ? 'spouse' : 'parent',
        phone: head.phone!,
      });
  }
  for (const p of specs) f.add(p, address, hh);
}
