import { createHmac, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  AccessAction,
  ActorKind,
  DataCategory,
  StaffStatus,
  type AccessEvent,
  type AdmissionFact,
  type AppointmentFact,
  type CareTeamFact,
  type ClientFacts,
  type EncounterFact,
  type MonitorFacts,
  type OrderFact,
  type PatientFacts,
  type StaffFacts,
} from './types.ts';

/*
 * Adapter from FHIR R4 resources (bulk NDJSON or Bundles) and FHIR AuditEvents to the monitor's
 * plain facts and events, following the interoperability conventions of the architecture:
 * Organization = departments and third parties, Practitioner + PractitionerRole = staff with HR
 * address and telecom, Patient with meta.security confidentiality and contacts, Encounter,
 * CareTeam, Appointment, ServiceRequest, and AuditEvent with agent/entity/subtype.
 *
 * Personal data is reduced on the way in: addresses, phones, contacts, national IDs and surnames
 * become keyed hashes (HMAC-SHA-256 under a key that lives only for this import), good only for
 * equality inside one run. Unknown references are counted, never fatal.
 */

/** HL7 v3 Confidentiality code system. */
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** Default national resident ID system (China, GB 11643). */
export const DEFAULT_NATIONAL_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.1';

/** Counts of what could not be used while importing (reported, never fatal). */
export interface FhirImportReport {
  files: number;
  resources: Record<string, number>;
  malformedLines: number;
  unknownReferences: number;
  skippedResources: number;
}

/** Options of a FHIR import. */
export interface FhirImportOptions {
  /** Identifier system of the national resident ID. */
  nationalIdSystem?: string;
  /** Key for the equality hashes; random per import when omitted. */
  hashKey?: Buffer;
  /** The time the import describes ("now"), for ended roles; default: now. */
  now?: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;
const time = (v: unknown): number | undefined => {
  const s = str(v);
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
};

function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s,.;:#\-_/\\()（）、，。·]+/g, '');
}

/** Digits of a phone number without a China country prefix. */
export function normalisePhone(s: string): string {
  let d = s.replace(/\D+/g, '');
  if (d.startsWith('0086')) d = d.slice(4);
  else if (d.length === 13 && d.startsWith('86')) d = d.slice(2);
  return d;
}

function addressText(a: Json): string | undefined {
  const text = str(a.text);
  if (text) return text;
  const parts = [
    ...arr(a.line).map(str),
    str(a.district),
    str(a.city),
    str(a.state),
    str(a.postalCode),
  ].filter((x): x is string => !!x);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * Collects FHIR resources and maps them to monitor facts. Feed every resource with `add`, then
 * call `build`. Resources may come in any order; references are resolved at the end.
 */
export class FhirFactBuilder {
  readonly report: FhirImportReport = {
    files: 0,
    resources: {},
    malformedLines: 0,
    unknownReferences: 0,
    skippedResources: 0,
  };
  private readonly key: Buffer;
  private readonly idSystem: string;
  private readonly now: number;
  private readonly byType = new Map<string, Json[]>();
  /** `Type|system|value` → `Type/id`. */
  private readonly identifiers = new Map<string, string>();
  /** PractitionerRole id → Practitioner id, known after `build`. */
  roleToStaff: ReadonlyMap<string, string> = new Map();

  constructor(options: FhirImportOptions = {}) {
    this.key = options.hashKey ?? randomBytes(32);
    this.idSystem = options.nationalIdSystem ?? DEFAULT_NATIONAL_ID_SYSTEM;
    this.now = options.now ?? Date.now();
  }

  /** An equality key for a normalised value (HMAC-SHA-256, truncated). */
  hash(kind: string, value: string): string {
    return createHmac('sha256', this.key)
      .update(`${kind}\u0000${value}`)
      .digest('base64url')
      .slice(0, 22);
  }

  /** Adds one resource (a Bundle is unpacked). Non-resources are counted as skipped. */
  add(resource: unknown): void {
    const r = obj(resource);
    const type = r && str(r.resourceType);
    if (!r || !type) {
      this.report.skippedResources++;
      return;
    }
    if (type === 'Bundle') {
      for (const e of arr(r.entry)) this.add(obj(e)?.resource);
      return;
    }
    const id = str(r.id);
    if (!id) {
      this.report.skippedResources++;
      return;
    }
    this.report.resources[type] = (this.report.resources[type] ?? 0) + 1;
    let list = this.byType.get(type);
    if (!list) this.byType.set(type, (list = []));
    list.push(r);
    for (const ident of arr(r.identifier)) {
      const i = obj(ident);
      const sys = str(i?.system);
      const val = str(i?.value);
      if (val) this.identifiers.set(`${type}|${sys ?? ''}|${val}`, `${type}/${id}`);
    }
  }

  /**
   * Resolves a Reference to `Type/id`: literal (`Practitioner/1`, absolute URLs), conditional
   * (`Practitioner?identifier=sys|val`) or logical (`identifier`). Undefined when unresolvable.
   */
  resolve(ref: unknown, expectType?: string): string | undefined {
    const r = obj(ref);
    if (!r) return undefined;
    const literal = str(r.reference);
    if (literal) {
      const cond = /^(\w+)\?identifier=([^|]*)\|(.+)$/.exec(literal);
      if (cond) {
        const hit = this.identifiers.get(
          `${cond[1]}|${decodeURIComponent(cond[2]!)}|${decodeURIComponent(cond[3]!)}`,
        );
        if (!hit) this.report.unknownReferences++;
        return hit;
      }
      const m = /(?:^|\/)(\w+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(literal);
      if (m) return `${m[1]}/${m[2]}`;
      this.report.unknownReferences++;
      return undefined;
    }
    const ident = obj(r.identifier);
    if (ident) {
      const type = str(r.type) ?? expectType;
      const val = str(ident.value);
      if (type && val) {
        const hit = this.identifiers.get(`${type}|${str(ident.system) ?? ''}|${val}`);
        if (hit) return hit;
      }
      this.report.unknownReferences++;
    }
    return undefined;
  }

  private idOf(ref: unknown, type: string): string | undefined {
    const full = this.resolve(ref, type);
    if (!full) return undefined;
    const [t, id] = full.split('/') as [string, string];
    return t === type ? id : undefined;
  }

  /** A staff id from a Practitioner or PractitionerRole reference. */
  private staffOf(ref: unknown, roles: Map<string, string>): string | undefined {
    const full = this.resolve(ref, 'Practitioner');
    if (!full) return undefined;
    const [t, id] = full.split('/') as [string, string];
    if (t === 'Practitioner') return id;
    if (t === 'PractitionerRole') return roles.get(id);
    return undefined;
  }

  private list(type: string): Json[] {
    return this.byType.get(type) ?? [];
  }

  /** Maps everything added so far to monitor facts. */
  build(): MonitorFacts {
    const departments = new Map<string, { name: string; hospital: boolean }>();
    for (const o of this.list('Organization')) {
      departments.set(str(o.id)!, {
        name: `${str(o.name) ?? ''} ${arr(o.type)
          .map((t) => str(obj(t)?.text) ?? '')
          .join(' ')}`,
        hospital: !obj(o.partOf),
      });
    }
    // PractitionerRole: department and role, the current (or latest) one wins.
    const roleToStaff = new Map<string, string>();
    const staffRole = new Map<
      string,
      { role: string; department: string; ended?: number; start: number }
    >();
    for (const pr of this.list('PractitionerRole')) {
      const sid = this.idOf(pr.practitioner, 'Practitioner');
      if (!sid) continue;
      roleToStaff.set(str(pr.id)!, sid);
      const code = obj(arr(pr.code)[0]);
      const role = str(obj(arr(code?.coding)[0])?.code) ?? str(code?.text) ?? 'staff';
      const department = this.idOf(pr.organization, 'Organization') ?? '(none)';
      const period = obj(pr.period);
      const ended = time(period?.end);
      const start = time(period?.start) ?? 0;
      const active = pr.active !== false && (ended === undefined || ended > this.now);
      const prev = staffRole.get(sid);
      const prevActive = prev && (prev.ended === undefined || prev.ended > this.now);
      if (!prev || (active && !prevActive) || (active === !!prevActive && start > prev.start))
        staffRole.set(sid, {
          role,
          department,
          start,
          ...(active ? {} : { ended: ended ?? this.now }),
        });
    }
    const staff: StaffFacts[] = [];
    for (const p of this.list('Practitioner')) {
      const id = str(p.id)!;
      const r = staffRole.get(id);
      const s: StaffFacts = {
        id,
        role: r?.role ?? 'staff',
        department: r?.department ?? '(none)',
        status:
          p.active === false || r?.ended !== undefined ? StaffStatus.Departed : StaffStatus.Active,
      };
      if (s.status === StaffStatus.Departed && r?.ended !== undefined) s.statusSince = r.ended;
      this.personKeys(p, s);
      staff.push(s);
    }
    // Encounters give patients' departments (maternity, newborn flags come from them too).
    const encounters: EncounterFact[] = [];
    const admissions: AdmissionFact[] = [];
    const maternity = new Set<string>();
    const firstEncounter = new Map<string, number>();
    for (const e of this.list('Encounter')) {
      const pid = this.idOf(e.subject, 'Patient');
      const period = obj(e.period);
      const start = time(period?.start);
      if (!pid || start === undefined) {
        this.report.skippedResources++;
        continue;
      }
      const end = time(period?.end);
      const dept = this.idOf(e.serviceProvider, 'Organization');
      const participants = arr(e.participant)
        .map((x) => this.staffOf(obj(x)?.individual, roleToStaff))
        .filter((x): x is string => !!x);
      const f: EncounterFact = { id: str(e.id)!, patientId: pid, participants, start };
      if (end !== undefined) f.end = end;
      if (dept) f.department = dept;
      const cls = str(obj(e.class)?.code);
      if (cls) f.kind = cls;
      encounters.push(f);
      if (dept && cls === 'IMP')
        admissions.push({
          patientId: pid,
          department: dept,
          start,
          ...(end !== undefined ? { end } : {}),
        });
      if (dept && /obstet|matern|产科|妇产/i.test(departments.get(dept)?.name ?? ''))
        maternity.add(pid);
      const fe = firstEncounter.get(pid);
      if (fe === undefined || start < fe) firstEncounter.set(pid, start);
    }
    const patients: PatientFacts[] = [];
    for (const p of this.list('Patient')) {
      const id = str(p.id)!;
      const f: PatientFacts = { id };
      for (const ident of arr(p.identifier)) {
        const i = obj(ident)!;
        const typeCode = str(obj(arr(obj(i.type)?.coding)[0])?.code);
        const val = str(i.value);
        if (val && typeCode === 'MR') {
          const digits = val.replace(/\D+/g, '');
          if (digits.length > 0 && digits.length <= 15) f.mrnNumber = Number(digits);
        }
      }
      for (const sec of arr(obj(p.meta)?.security)) {
        const s = obj(sec);
        if (str(s?.system) !== CONFIDENTIALITY) continue;
        if (s?.code === 'V') f.vip = true;
        if (s?.code === 'R') f.restricted = true;
      }
      if (p.deceasedBoolean === true || time(p.deceasedDateTime) !== undefined) f.deceased = true;
      this.personKeys(p, f);
      const contactKeys: string[] = [];
      for (const c of arr(p.contact)) {
        const co = obj(c)!;
        for (const t of arr(co.telecom)) {
          const v = str(obj(t)?.value);
          if (v && obj(t)?.system !== 'email')
            contactKeys.push(this.hash('phone', normalisePhone(v)));
        }
        const a = obj(co.address);
        const text = a && addressText(a);
        if (text) contactKeys.push(this.hash('address', normaliseText(text)));
      }
      if (contactKeys.length > 0) f.contactKeys = contactKeys;
      if (maternity.has(id)) f.maternity = true;
      const birth = time(p.birthDate);
      const fe = firstEncounter.get(id);
      if (birth !== undefined && fe !== undefined && fe - birth < 28 * 86_400_000 && fe >= birth) {
        f.newborn = true;
        delete f.maternity;
      }
      patients.push(f);
    }
    const careTeams: CareTeamFact[] = [];
    for (const t of this.list('CareTeam')) {
      const pid = this.idOf(t.subject, 'Patient');
      const start = time(obj(t.period)?.start);
      if (!pid || start === undefined) {
        this.report.skippedResources++;
        continue;
      }
      const members = arr(t.participant)
        .map((x) => this.staffOf(obj(x)?.member, roleToStaff))
        .filter((x): x is string => !!x);
      const end = time(obj(t.period)?.end);
      careTeams.push({ patientId: pid, members, start, ...(end !== undefined ? { end } : {}) });
    }
    const appointments: AppointmentFact[] = [];
    for (const a of this.list('Appointment')) {
      const t = time(a.start);
      let pid: string | undefined;
      const staffIds: string[] = [];
      for (const part of arr(a.participant)) {
        const full = this.resolve(obj(part)?.actor);
        if (!full) continue;
        const [type, id] = full.split('/') as [string, string];
        if (type === 'Patient') pid = id;
        else if (type === 'Practitioner') staffIds.push(id);
        else if (type === 'PractitionerRole' && roleToStaff.has(id))
          staffIds.push(roleToStaff.get(id)!);
      }
      if (!pid || t === undefined) {
        this.report.skippedResources++;
        continue;
      }
      if (staffIds.length === 0) appointments.push({ patientId: pid, time: t });
      for (const s of staffIds) {
        const dept = staffRole.get(s)?.department;
        appointments.push({
          patientId: pid,
          time: t,
          staffId: s,
          ...(dept ? { department: dept } : {}),
        });
      }
    }
    const orders: OrderFact[] = [];
    const deviceOwners = new Map<string, string>();
    for (const d of this.list('Device')) {
      const owner = this.idOf(d.owner, 'Organization');
      if (owner) deviceOwners.set(str(d.id)!, owner);
    }
    const orgClients = new Map<string, string[]>();
    for (const [dev, org] of deviceOwners) {
      const l = orgClients.get(org);
      if (l) l.push(dev);
      else orgClients.set(org, [dev]);
    }
    for (const s of this.list('ServiceRequest')) {
      const pid = this.idOf(s.subject, 'Patient');
      const t = time(s.authoredOn) ?? time(s.occurrenceDateTime);
      if (!pid || t === undefined) {
        this.report.skippedResources++;
        continue;
      }
      const base: OrderFact = { id: str(s.id)!, patientId: pid, time: t };
      const requester = this.staffOf(s.requester, roleToStaff);
      if (requester) base.orderedBy = requester;
      const performers = arr(s.performer);
      if (performers.length === 0) orders.push(base);
      for (const perf of performers) {
        const full = this.resolve(perf);
        const [type, id] = (full ?? '/').split('/') as [string, string];
        if (type === 'Organization' && departments.get(id)?.hospital === false)
          orders.push({ ...base, performerDepartment: id });
        else if (type === 'Organization')
          // An outside organisation: its API clients (Devices it owns) may read the patient.
          for (const dev of orgClients.get(id) ?? [])
            orders.push({ ...base, performerClient: dev });
        else if (type === 'Device') orders.push({ ...base, performerClient: id });
        else orders.push(base);
      }
    }
    const clients: ClientFacts[] = [...deviceOwners].map(([id, org]) => ({
      id,
      organisation: org,
    }));
    this.roleToStaff = roleToStaff;
    return {
      staff,
      patients,
      clients,
      care: { encounters, careTeams, appointments, orders, admissions },
    };
  }

  private personKeys(p: Json, f: StaffFacts | PatientFacts): void {
    const name = obj(arr(p.name)[0]);
    const family = str(name?.family);
    if (family) f.surname = this.hash('surname', normaliseText(family));
    const addr = obj(arr(p.address)[0]);
    const text = addr && addressText(addr);
    if (text) f.addressKey = this.hash('address', normaliseText(text));
    for (const t of arr(p.telecom)) {
      const tt = obj(t);
      const v = str(tt?.value);
      if (v && (tt?.system === 'phone' || tt?.system === 'sms')) {
        f.phoneKey = this.hash('phone', normalisePhone(v));
        break;
      }
    }
    for (const ident of arr(p.identifier)) {
      const i = obj(ident);
      const val = str(i?.value);
      if (val && str(i?.system) === this.idSystem) {
        f.nationalIdKey = this.hash('national-id', val.toUpperCase().replace(/\s+/g, ''));
      }
    }
  }
}

/** Iterates the JSON lines of an NDJSON file without loading it whole. */
async function* readJsonLines(
  path: string,
  onMalformed: () => void,
  onBytes?: (n: number) => void,
): AsyncGenerator<unknown> {
  const rl = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  for await (const line of rl) {
    onBytes?.(line.length + 1);
    const t = line.trim();
    if (t.length === 0) continue;
    try {
      yield JSON.parse(t);
    } catch {
      onMalformed();
    }
  }
}

/**
 * Reads every `.ndjson` and `.json` (resource or Bundle) file of a folder into monitor facts.
 * Missing folder: CUSTOS_INPUT_INVALID. Malformed lines and unknown references: counted.
 */
export async function readFhirFolder(
  dir: string,
  options: FhirImportOptions = {},
): Promise<{ facts: MonitorFacts; report: FhirImportReport; builder: FhirFactBuilder }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CustosError(ErrorCode.InputInvalid, 'the FHIR folder does not exist', {
      field: 'fhir',
    });
  const b = new FhirFactBuilder(options);
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (/\.ndjson$/i.test(name)) {
      b.report.files++;
      for await (const r of readJsonLines(path, () => b.report.malformedLines++)) b.add(r);
    } else if (/\.json$/i.test(name)) {
      b.report.files++;
      try {
        b.add(JSON.parse(readFileSync(path, 'utf8')));
      } catch {
        b.report.malformedLines++;
      }
    }
  }
  return { facts: b.build(), report: b.report, builder: b };
}

const READS = new Set(['read', 'vread', 'history-instance']);
const SEARCHES = new Set([
  'search',
  'search-type',
  'search-system',
  'search-compartment',
  'history-type',
  'history-system',
]);
const WRITES = new Set(['create', 'update', 'patch', 'delete']);

const CATEGORY_OF: Record<string, readonly DataCategory[]> = {
  Patient: [DataCategory.Demographics, DataCategory.Contact],
  RelatedPerson: [DataCategory.Contact],
  Observation: [DataCategory.Results],
  DiagnosticReport: [DataCategory.Results],
  ImagingStudy: [DataCategory.Imaging],
  Media: [DataCategory.Imaging],
  DocumentReference: [DataCategory.Notes],
  Composition: [DataCategory.Notes],
  Condition: [DataCategory.Clinical],
  Encounter: [DataCategory.Clinical],
  MedicationRequest: [DataCategory.Clinical],
  Procedure: [DataCategory.Clinical],
  Claim: [DataCategory.Billing],
  Coverage: [DataCategory.Billing],
};

/**
 * Maps one FHIR AuditEvent to an access event, or undefined when it names no actor or time.
 * The requesting agent (`requestor = true`, else the first with `who`) is the actor: a
 * Practitioner (or PractitionerRole) is staff, a Device is a third-party client.
 */
export function auditEventToAccess(
  resource: unknown,
  builder?: FhirFactBuilder,
): AccessEvent | undefined {
  const roleToStaff = builder?.roleToStaff;
  const r = obj(resource);
  if (!r || r.resourceType !== 'AuditEvent') return undefined;
  const t = time(r.recorded);
  const agents = arr(r.agent)
    .map(obj)
    .filter((a): a is Json => !!a);
  const agent =
    agents.find((a) => a.requestor === true && obj(a.who)) ?? agents.find((a) => obj(a.who));
  if (!agent || t === undefined) return undefined;
  const who = builder ? builder.resolve(agent.who, 'Practitioner') : refOf(agent.who);
  if (!who) return undefined;
  let [wtype, wid] = who.split('/') as [string, string];
  if (wtype === 'PractitionerRole' && roleToStaff?.has(wid))
    [wtype, wid] = ['Practitioner', roleToStaff.get(wid)!];
  const actorKind = wtype === 'Device' ? ActorKind.Client : ActorKind.Staff;
  let patientId: string | undefined;
  const patientIds: string[] = [];
  const categories = new Set<DataCategory>();
  let instances: number | undefined;
  for (const ent of arr(r.entity)) {
    const e = obj(ent);
    if (!e) continue;
    const what = builder ? builder.resolve(e.what) : refOf(e.what);
    if (what) {
      const [type, id] = what.split('/') as [string, string];
      if (type === 'Patient') {
        patientIds.push(id);
        patientId ??= id;
      }
      for (const c of CATEGORY_OF[type] ?? []) categories.add(c);
    }
    for (const d of arr(e.detail)) {
      const dd = obj(d);
      if (str(dd?.type) === 'NumberOfInstances') {
        const n = Number(dd?.valueString ?? dd?.valueInteger);
        if (Number.isFinite(n) && n >= 0) instances = (instances ?? 0) + n;
      }
    }
  }
  const subtypes = arr(r.subtype).map((s) => str(obj(s)?.code) ?? '');
  const typeCode = str(obj(r.type)?.code);
  let action: AccessEvent['action'] = AccessAction.Read;
  if (subtypes.includes('110106') || typeCode === '110106') action = AccessAction.Export;
  else if (subtypes.includes('110104')) action = AccessAction.ImageDownload;
  else if (subtypes.includes('110103')) action = AccessAction.ImageView;
  else if (subtypes.some((s) => SEARCHES.has(s))) action = AccessAction.Search;
  else if (subtypes.some((s) => WRITES.has(s))) action = AccessAction.Update;
  else if (subtypes.some((s) => READS.has(s))) action = AccessAction.Read;
  else if (str(r.action) === 'C' || str(r.action) === 'U' || str(r.action) === 'D')
    action = AccessAction.Update;
  const purposes = arr(r.purposeOfEvent)
    .flatMap((p) => arr(obj(p)?.coding))
    .map((c) => str(obj(c)?.code))
    .filter((c): c is string => !!c);
  const event: AccessEvent = {
    id: str(r.id) ?? `${t}-${wid}`,
    time: t,
    actorId: wid,
    actorKind,
    action,
  };
  if (action === AccessAction.Export && patientIds.length > 1) event.patientIds = patientIds;
  else if (patientId) event.patientId = patientId;
  if (patientIds.length > 1 && action !== AccessAction.Export) event.patientIds = patientIds;
  if (categories.size > 0) event.categories = [...categories];
  if (instances !== undefined) event.instances = instances;
  const purpose = purposes[0];
  if (purpose) event.purpose = purposeName(purpose);
  if (purposes.includes('BTG') || purposes.includes('ETREAT')) event.breakGlass = true;
  const ip = str(obj(agent.network)?.address);
  if (ip) event.ip = ip;
  const site = str(obj(r.source)?.site);
  if (site) event.workstation = site;
  const observer = obj(obj(r.source)?.observer);
  const channel = str(observer?.display) ?? str(observer?.reference);
  if (channel) event.channel = channel;
  const outcome = str(r.outcome);
  if (outcome && outcome !== '0') event.decision = 'deny';
  return event;
}

function refOf(ref: unknown): string | undefined {
  const s = str(obj(ref)?.reference);
  const m = s ? /(?:^|\/)(\w+)\/([A-Za-z0-9\-.]{1,64})$/.exec(s) : null;
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** HL7 v3 PurposeOfUse codes → the monitor's purpose names. */
export function purposeName(code: string): string {
  switch (code) {
    case 'TREAT':
      return 'treatment';
    case 'ETREAT':
    case 'BTG':
      return 'emergency';
    case 'HPAYMT':
    case 'CLMATTCH':
      return 'payment';
    case 'HOPERAT':
      return 'operations';
    case 'HRESCH':
      return 'research';
    case 'HSYSADMIN':
      return 'sysadmin';
    case 'PUBHLTH':
      return 'public-health';
    case 'PATRQT':
      return 'patient-request';
    default:
      return code.toLowerCase();
  }
}

/** Counters of an AuditEvent stream. */
export interface AuditReadReport {
  lines: number;
  /** Characters read so far (≈ bytes for ASCII JSON), for progress against the file size. */
  bytes?: number;
  malformedLines: number;
  skipped: number;
}

/**
 * Streams an AuditEvent NDJSON file as access events (bounded memory), counting malformed lines
 * and events without an actor or time in `report`. A missing file is CUSTOS_INPUT_INVALID.
 */
export async function* readAuditEvents(
  path: string,
  report: AuditReadReport,
  builder?: FhirFactBuilder,
): AsyncGenerator<AccessEvent> {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new CustosError(ErrorCode.InputInvalid, 'the AuditEvent file does not exist', {
      field: 'audit',
    });
  const onBytes = (n: number): void => {
    report.bytes = (report.bytes ?? 0) + n;
  };
  for await (const r of readJsonLines(path, () => report.malformedLines++, onBytes)) {
    report.lines++;
    const e = auditEventToAccess(r, builder);
    if (e) yield e;
    else report.skipped++;
  }
}
