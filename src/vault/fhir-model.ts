/**
 * FHIR R4 shapes the vault stores, their validation, and the extraction of the clear,
 * non-identifying columns (ids, periods, statuses, categories), the care-graph links and the
 * values to blind-index. Pure functions: no I/O.
 */
import { normalise } from '../crypto/index.ts';

/** A FHIR resource as parsed JSON. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/** The resource types the vault stores (the clinical core plus common companions). */
export const SUPPORTED_RESOURCE_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Encounter',
  'CareTeam',
  'Appointment',
  'ServiceRequest',
  'Condition',
  'Observation',
  'MedicationRequest',
  'DocumentReference',
  'ImagingStudy',
  'Consent',
  'Procedure',
  'DiagnosticReport',
  'AllergyIntolerance',
  'Immunization',
  'Device',
  'CarePlan',
  'Goal',
  'MedicationAdministration',
  'Medication',
  'Specimen',
  'Claim',
  'ExplanationOfBenefit',
  'Coverage',
  'Provenance',
  'SupplyDelivery',
] as const;
export type SupportedResourceType = (typeof SUPPORTED_RESOURCE_TYPES)[number];

const supported = new Set<string>(SUPPORTED_RESOURCE_TYPES);

/** True when the vault stores this resource type. */
export function isSupportedResourceType(t: unknown): t is SupportedResourceType {
  return typeof t === 'string' && supported.has(t);
}

/** Order in which a bulk import writes types, so that references resolve to earlier ones. */
export const IMPORT_ORDER: readonly string[] = [
  'Organization',
  'Location',
  'Practitioner',
  'PractitionerRole',
  'Patient',
  'Encounter',
  'CareTeam',
  'Appointment',
  'ServiceRequest',
];

/** FHIR id: 1-64 of A-Z a-z 0-9 - . */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** One problem found in a resource (OperationOutcome.issue shape without personal data). */
export interface ResourceIssue {
  severity: 'error' | 'warning';
  code:
    'required' | 'value' | 'invalid' | 'not-supported' | 'not-found' | 'structure' | 'processing';
  /** FHIRPath-like location, e.g. `Encounter.status`. */
  expression: string;
  diagnostics: string;
}

const required: Record<string, string[]> = {
  Encounter: ['status', 'class'],
  Appointment: ['status', 'participant'],
  ServiceRequest: ['status', 'intent', 'subject'],
  Condition: ['subject'],
  Observation: ['status', 'code'],
  MedicationRequest: ['status', 'intent', 'subject', 'medication[x]'],
  DocumentReference: ['status', 'content'],
  ImagingStudy: ['status', 'subject'],
  Consent: ['status', 'scope', 'category'],
  Procedure: ['status', 'subject'],
  DiagnosticReport: ['status', 'code'],
  AllergyIntolerance: ['patient'],
  Immunization: ['status', 'vaccineCode', 'patient', 'occurrence[x]'],
  CarePlan: ['status', 'intent', 'subject'],
  Goal: ['lifecycleStatus', 'description', 'subject'],
  MedicationAdministration: ['status', 'medication[x]', 'subject', 'effective[x]'],
  Claim: ['patient'],
  ExplanationOfBenefit: ['patient'],
  Coverage: ['status', 'beneficiary'],
  Provenance: ['target', 'recorded', 'agent'],
};

function present(r: FhirResource, el: string): boolean {
  if (el.endsWith('[x]')) {
    const base = el.slice(0, -3);
    return Object.keys(r).some((k) => k.startsWith(base) && k.length > base.length && r[k] != null);
  }
  const v = r[el];
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== '';
}

/** Structural form of a reference string: literal, conditional, contained, URN or absolute URL. */
const REFERENCE_FORMS = [
  /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/,
  /^[A-Z][A-Za-z]+\?.+$/,
  /^#[A-Za-z0-9\-.]*$/,
  /^urn:(uuid|oid):[^\s]+$/i,
  /^https?:\/\/[^\s]+$/i,
];

/** Validates one resource: type supported, id well-formed, required elements, reference forms. */
export function validateResource(r: unknown, where = ''): ResourceIssue[] {
  const at = (p: string) => (where ? `${where}.${p}` : p);
  if (r === null || typeof r !== 'object' || Array.isArray(r)) {
    return [
      {
        severity: 'error',
        code: 'structure',
        expression: where || 'resource',
        diagnostics: 'not a JSON object',
      },
    ];
  }
  const res = r as FhirResource;
  const type = res.resourceType;
  if (typeof type !== 'string' || type.length === 0) {
    return [
      {
        severity: 'error',
        code: 'required',
        expression: at('resourceType'),
        diagnostics: 'resourceType is missing',
      },
    ];
  }
  if (!isSupportedResourceType(type)) {
    return [
      {
        severity: 'error',
        code: 'not-supported',
        expression: at('resourceType'),
        diagnostics: `resource type ${type.slice(0, 40).replace(/[^A-Za-z]/g, '')} is not stored by the vault`,
      },
    ];
  }
  const issues: ResourceIssue[] = [];
  if (res.id !== undefined && (typeof res.id !== 'string' || !FHIR_ID.test(res.id))) {
    issues.push({
      severity: 'error',
      code: 'value',
      expression: at(`${type}.id`),
      diagnostics: 'id must be 1-64 characters of A-Z a-z 0-9 - .',
    });
  }
  for (const el of required[type] ?? []) {
    if (!present(res, el)) {
      issues.push({
        severity: 'error',
        code: 'required',
        expression: at(`${type}.${el}`),
        diagnostics: `${type}.${el} is required`,
      });
    }
  }
  if ('status' in res && res.status !== undefined && typeof res.status !== 'string') {
    issues.push({
      severity: 'error',
      code: 'value',
      expression: at(`${type}.status`),
      diagnostics: 'status must be a code (string)',
    });
  }
  for (const { path, reference } of collectReferences(res, type)) {
    if (typeof reference !== 'string' || !REFERENCE_FORMS.some((f) => f.test(reference))) {
      issues.push({
        severity: 'error',
        code: 'value',
        expression: at(path),
        diagnostics: 'malformed reference',
      });
    }
  }
  for (const [path, v] of dateFieldsOf(res)) {
    if (typeof v !== 'string' || toInstant(v, false) === null) {
      issues.push({
        severity: 'error',
        code: 'value',
        expression: at(`${type}.${path}`),
        diagnostics: 'not a valid FHIR date or dateTime',
      });
    }
  }
  return issues;
}

/** Every `reference` inside a resource with its path (for validation, rewriting and reporting). */
export function collectReferences(
  value: unknown,
  path: string,
): { path: string; reference: unknown; holder: Record<string, unknown> }[] {
  const out: { path: string; reference: unknown; holder: Record<string, unknown> }[] = [];
  const walk = (v: unknown, p: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        if (k === 'reference' && (typeof x === 'string' || (x !== null && typeof x !== 'object'))) {
          out.push({ path: `${p}.reference`, reference: x, holder: o });
        } else if (k !== 'contained' && typeof x === 'object') walk(x, `${p}.${k}`);
      }
    }
  };
  walk(value, path);
  return out;
}

/** A parsed reference. */
export type ParsedReference =
  | { kind: 'literal'; type: string; id: string }
  | { kind: 'identifier'; type: string; system: string; value: string }
  | { kind: 'other'; raw: string };

/** Parses a reference string or a Reference object (`reference` or logical `identifier`). */
export function parseReference(ref: unknown, expectType?: string): ParsedReference | undefined {
  if (ref === null || ref === undefined) return undefined;
  if (typeof ref === 'object') {
    const o = ref as {
      reference?: unknown;
      identifier?: { system?: unknown; value?: unknown };
      type?: unknown;
    };
    if (typeof o.reference === 'string') return parseReference(o.reference, expectType);
    const t = typeof o.type === 'string' ? o.type : expectType;
    if (o.identifier && typeof o.identifier.value === 'string' && t) {
      return {
        kind: 'identifier',
        type: t,
        system: typeof o.identifier.system === 'string' ? o.identifier.system : '',
        value: o.identifier.value,
      };
    }
    return undefined;
  }
  if (typeof ref !== 'string') return undefined;
  const lit = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/.*)?$/.exec(ref);
  if (lit) return { kind: 'literal', type: lit[1]!, id: lit[2]! };
  const cond = /^([A-Z][A-Za-z]+)\?identifier=(.+)$/.exec(ref);
  if (cond) {
    const q = decodeURIComponent(cond[2]!.split('&')[0]!);
    const bar = q.indexOf('|');
    return bar >= 0
      ? { kind: 'identifier', type: cond[1]!, system: q.slice(0, bar), value: q.slice(bar + 1) }
      : { kind: 'identifier', type: cond[1]!, system: '', value: q };
  }
  return { kind: 'other', raw: ref };
}

/** Answers reference lookups while extracting (batch first, then the database). */
export interface ReferenceResolver {
  /** The id a reference points to when it is of `type` and known; undefined otherwise. */
  idOf(ref: unknown, type: string): string | undefined;
  /** The practitioner a PractitionerRole belongs to, when known. */
  practitionerOfRole(roleId: string): string | undefined;
}

/**
 * Converts a FHIR date/dateTime/instant to a Date; partial dates give the start of their range,
 * or its end when `end` is true. Returns null for anything else.
 */
export function toInstant(v: string, end: boolean): Date | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  if (m) {
    const y = Number(m[1]);
    const mo = m[2] ? Number(m[2]) - 1 : end ? 11 : 0;
    if (mo > 11) return null;
    const lastDay = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
    const d = m[3] ? Number(m[3]) : end ? lastDay : 1;
    if (d < 1 || d > lastDay) return null;
    return new Date(end ? Date.UTC(y, mo, d, 23, 59, 59, 999) : Date.UTC(y, mo, d));
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const arr = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;

/** The first code of a CodeableConcept (or list of them); codes only, never free text. */
function firstCode(cc: unknown): string | undefined {
  for (const c of arr(cc)) {
    for (const coding of arr(obj(c)?.coding)) {
      const code = str(obj(coding)?.code);
      if (code) return code.slice(0, 64);
    }
  }
  return undefined;
}

/** Start/end candidates of the clear period per type (paths of date elements). */
function periodOf(r: FhirResource): { start?: string; end?: string } {
  const p = (v: unknown) => ({ start: str(obj(v)?.start), end: str(obj(v)?.end) });
  switch (r.resourceType) {
    case 'Encounter':
    case 'CareTeam':
    case 'PractitionerRole':
      return p(r.period);
    case 'Appointment':
      return { start: str(r.start), end: str(r.end) };
    case 'ServiceRequest':
      return r.occurrencePeriod
        ? p(r.occurrencePeriod)
        : { start: str(r.occurrenceDateTime) ?? str(r.authoredOn) };
    case 'Condition':
      return {
        start: str(r.onsetDateTime) ?? str(obj(r.onsetPeriod)?.start) ?? str(r.recordedDate),
        end: str(r.abatementDateTime) ?? str(obj(r.abatementPeriod)?.end),
      };
    case 'Observation':
    case 'DiagnosticReport':
      return r.effectivePeriod
        ? p(r.effectivePeriod)
        : { start: str(r.effectiveDateTime) ?? str(r.issued) };
    case 'MedicationRequest':
      return {
        start: str(r.authoredOn),
        end: str(obj(obj(r.dispenseRequest)?.validityPeriod)?.end),
      };
    case 'DocumentReference':
      return obj(obj(r.context)?.period) ? p(obj(r.context)!.period) : { start: str(r.date) };
    case 'ImagingStudy':
      return { start: str(r.started) };
    case 'Consent':
      return obj(obj(r.provision)?.period)
        ? p(obj(r.provision)!.period)
        : { start: str(r.dateTime) };
    case 'Procedure':
      return r.performedPeriod ? p(r.performedPeriod) : { start: str(r.performedDateTime) };
    case 'Immunization':
      return { start: str(r.occurrenceDateTime) };
    case 'AllergyIntolerance':
      return { start: str(r.recordedDate) };
    case 'MedicationAdministration':
      return r.effectivePeriod ? p(r.effectivePeriod) : { start: str(r.effectiveDateTime) };
    case 'CarePlan':
    case 'Claim':
    case 'ExplanationOfBenefit':
    case 'Coverage':
      return r.billablePeriod ? p(r.billablePeriod) : p(r.period);
    default:
      return {};
  }
}

/** Date-valued elements that feed clear columns (validated up front). */
function dateFieldsOf(r: FhirResource): [string, unknown][] {
  const { start, end } = periodOf(r);
  const out: [string, unknown][] = [];
  if (start !== undefined) out.push(['period.start', start]);
  if (end !== undefined) out.push(['period.end', end]);
  return out;
}

/** A care-graph link: who (practitioner or organization) stands in which relation to a resource. */
export interface ExtractedLink {
  kind: string;
  practitionerId?: string;
  organizationId?: string;
  periodStart?: Date;
  periodEnd?: Date;
}

/** A value to blind-index (already normalised). */
export interface IndexValue {
  kind: string;
  value: string;
}

/** Clear columns, links and index values of one resource. */
export interface Extracted {
  resourceType: string;
  id: string;
  patientId: string | undefined;
  owner: string;
  encounterId: string | undefined;
  organizationId: string | undefined;
  status: string | undefined;
  category: string | undefined;
  confidentiality: string | undefined;
  periodStart: Date | undefined;
  periodEnd: Date | undefined;
  links: ExtractedLink[];
  indexes: IndexValue[];
}

/** Identifier systems and types read as national ID numbers / MRNs. */
export interface IdentifierConfig {
  nationalIdSystems: string[];
  mrnSystems: string[];
}

/** Default: PRC resident ID OID, US SSN; type codes NI/NNCHN/SS and MR also count. */
export const defaultIdentifierConfig: IdentifierConfig = {
  nationalIdSystems: ['urn:oid:2.16.156.10011.1.1', 'http://hl7.org/fhir/sid/us-ssn'],
  mrnSystems: [],
};

const CONF_ORDER = ['U', 'L', 'M', 'N', 'R', 'V'];
const CONF_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

function confidentialityOf(r: FhirResource): string | undefined {
  let best = -1;
  for (const s of arr(obj(r.meta)?.security)) {
    const o = obj(s);
    if (!o || (o.system !== CONF_SYSTEM && o.system !== undefined)) continue;
    const i = CONF_ORDER.indexOf(String(o.code));
    if (i > best) best = i;
  }
  return best >= 0 ? CONF_ORDER[best] : undefined;
}

function typeCodes(identifier: Obj): string[] {
  return arr(obj(identifier.type)?.coding)
    .map((c) => str(obj(c)?.code))
    .filter((c): c is string => !!c);
}

function personIndexes(r: FhirResource, cfg: IdentifierConfig): IndexValue[] {
  const out: IndexValue[] = [];
  const add = (kind: string, value: string) => value && out.push({ kind, value });
  for (const id of arr(r.identifier)) {
    const o = obj(id);
    const value = str(o?.value);
    if (!o || !value) continue;
    const system = str(o.system) ?? '';
    const types = typeCodes(o);
    add('identifier', `${system}|${value}`);
    add('id-number', normalise.idNumber(value));
    if (
      cfg.nationalIdSystems.includes(system) ||
      types.some((t) => t === 'NI' || t === 'NNCHN' || t === 'SS')
    ) {
      add('national-id', normalise.idNumber(value));
    }
    if (cfg.mrnSystems.includes(system) || types.includes('MR')) add('mrn', normalise.mrn(value));
  }
  for (const t of arr(r.telecom)) {
    const o = obj(t);
    const value = str(o?.value);
    if (!o || !value) continue;
    if (o.system === 'phone' || o.system === 'sms' || o.system === undefined)
      add('phone', normalise.phone(value));
    else if (o.system === 'email') add('email', value.normalize('NFKC').trim().toLowerCase());
  }
  for (const n of arr(r.name)) {
    const o = obj(n);
    if (!o) continue;
    const family = str(o.family) ?? '';
    const given = arr(o.given)
      .filter((g): g is string => typeof g === 'string')
      .join(' ');
    if (str(o.text)) add('name', normalise.name(o.text as string));
    if (family || given) {
      add('name', normalise.name(`${family}${given}`));
      add('name', normalise.name(`${given}${family}`));
      if (given.includes(' ')) {
        const first = given.split(' ')[0]!;
        add('name', normalise.name(`${first}${family}`));
      }
    }
    if (family) add('family-name', normalise.name(family));
  }
  for (const a of arr(r.address)) {
    const o = obj(a);
    if (!o) continue;
    const parts = [...arr(o.line), o.district, o.city, o.state].filter(
      (x): x is string => typeof x === 'string',
    );
    const text = str(o.text) ?? parts.join(' ');
    if (text) add('address', normalise.address(text));
  }
  const seen = new Set<string>();
  return out.filter((x) => {
    const k = `${x.kind}\0${x.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function identifierIndexes(r: FhirResource): IndexValue[] {
  const out: IndexValue[] = [];
  for (const id of arr(r.identifier)) {
    const o = obj(id);
    const value = str(o?.value);
    if (o && value) out.push({ kind: 'identifier', value: `${str(o.system) ?? ''}|${value}` });
  }
  return out;
}

function statusOf(r: FhirResource): string | undefined {
  if (typeof r.status === 'string') return r.status.slice(0, 32);
  if (r.resourceType === 'Condition' || r.resourceType === 'AllergyIntolerance')
    return firstCode(r.clinicalStatus);
  if (r.resourceType === 'Goal') return str(r.lifecycleStatus);
  if (typeof r.active === 'boolean') return r.active ? 'active' : 'inactive';
  if (['Patient', 'Practitioner', 'PractitionerRole', 'Organization'].includes(r.resourceType))
    return 'active';
  return undefined;
}

const REFERRAL_CODES = new Set(['3457005', '306206005', 'referral']);

function categoryOf(r: FhirResource): string | undefined {
  switch (r.resourceType) {
    case 'Encounter':
      return str(obj(r.class)?.code)?.slice(0, 32);
    case 'ServiceRequest': {
      const codes = arr(r.category).flatMap((c) =>
        arr(obj(c)?.coding).map((x) => str(obj(x)?.code)),
      );
      if (codes.some((c) => c && REFERRAL_CODES.has(c))) return 'referral';
      return firstCode(r.category);
    }
    case 'ImagingStudy':
      return str(obj(arr(r.modality)[0])?.code);
    case 'Organization':
    case 'PractitionerRole':
      return firstCode(r.type ?? r.code);
    case 'Consent':
      return firstCode(r.scope);
    case 'Appointment':
      return firstCode(r.appointmentType);
    case 'Patient':
    case 'Practitioner':
    case 'Location':
      return undefined;
    default:
      return firstCode(r.category);
  }
}

/** Reference to the patient of a patient-compartment resource. */
function patientRefOf(r: FhirResource): unknown {
  if (r.resourceType === 'Appointment') {
    for (const p of arr(r.participant)) {
      const actor = obj(p)?.actor;
      const parsed = parseReference(actor);
      if (parsed?.kind === 'literal' && parsed.type === 'Patient') return actor;
    }
    return undefined;
  }
  return r.subject ?? r.patient ?? r.beneficiary;
}

function encounterRefOf(r: FhirResource): unknown {
  return (
    r.encounter ??
    arr(obj(r.context)?.encounter)[0] ??
    (r.resourceType === 'DocumentReference' ? undefined : undefined)
  );
}

function organizationRefOf(r: FhirResource): unknown {
  switch (r.resourceType) {
    case 'Encounter':
      return r.serviceProvider;
    case 'Patient':
    case 'Location':
      return r.managingOrganization;
    case 'Organization':
      return r.partOf;
    case 'PractitionerRole':
      return r.organization;
    case 'CareTeam':
      return arr(r.managingOrganization)[0];
    case 'DocumentReference':
      return r.custodian;
    case 'Consent':
      return arr(r.organization)[0];
    case 'ServiceRequest':
      return arr(r.performer).find((p) => {
        const x = parseReference(p);
        return x && x.kind !== 'other' && x.type === 'Organization';
      });
    default:
      return undefined;
  }
}

/**
 * Extracts the clear columns, care-graph links and blind-index values of a validated resource
 * with an id. Only codes from small vocabularies reach clear columns, never free text.
 */
export function extractResource(
  r: FhirResource & { id: string },
  resolve: ReferenceResolver,
  idConfig: IdentifierConfig = defaultIdentifierConfig,
): Extracted {
  const type = r.resourceType;
  const patientId = type === 'Patient' ? r.id : resolve.idOf(patientRefOf(r), 'Patient');
  const period = periodOf(r);
  const periodStart = period.start ? (toInstant(period.start, false) ?? undefined) : undefined;
  const periodEnd = period.end ? (toInstant(period.end, true) ?? undefined) : undefined;
  const links: ExtractedLink[] = [];
  const actor = (ref: unknown, kind: string, p?: { start?: string; end?: string }) => {
    const parsed = parseReference(ref);
    if (!parsed || parsed.kind === 'other') return;
    const ps = p?.start ? (toInstant(p.start, false) ?? undefined) : periodStart;
    const pe = p?.end ? (toInstant(p.end, true) ?? undefined) : p?.start ? undefined : periodEnd;
    const base = { kind, ...(ps ? { periodStart: ps } : {}), ...(pe ? { periodEnd: pe } : {}) };
    if (parsed.type === 'Practitioner') {
      const id = resolve.idOf(ref, 'Practitioner');
      if (id) links.push({ ...base, practitionerId: id });
    } else if (parsed.type === 'PractitionerRole') {
      const roleId = resolve.idOf(ref, 'PractitionerRole');
      const pid = roleId ? resolve.practitionerOfRole(roleId) : undefined;
      if (pid) links.push({ ...base, practitionerId: pid });
    } else if (parsed.type === 'Organization') {
      const id = resolve.idOf(ref, 'Organization');
      if (id) links.push({ ...base, organizationId: id });
    }
  };
  const pp = (v: unknown) => ({ start: str(obj(v)?.start), end: str(obj(v)?.end) });
  switch (type) {
    case 'Encounter':
      for (const p of arr(r.participant))
        actor(
          obj(p)?.individual,
          'encounter-participant',
          obj(obj(p)?.period) ? pp(obj(p)!.period) : undefined,
        );
      actor(r.serviceProvider, 'service-provider');
      break;
    case 'CareTeam':
      for (const p of arr(r.participant))
        actor(
          obj(p)?.member,
          'care-team-member',
          obj(obj(p)?.period) ? pp(obj(p)!.period) : undefined,
        );
      for (const o of arr(r.managingOrganization)) actor(o, 'care-team-member');
      break;
    case 'Appointment':
      for (const p of arr(r.participant)) actor(obj(p)?.actor, 'appointment-participant');
      break;
    case 'ServiceRequest':
    case 'MedicationRequest':
      actor(r.requester, 'requester');
      for (const p of arr(r.performer)) actor(p, 'performer');
      break;
    case 'Observation':
    case 'DiagnosticReport':
      for (const p of arr(r.performer)) actor(p, 'performer');
      break;
    case 'Procedure':
    case 'Immunization':
      for (const p of arr(r.performer)) actor(obj(p)?.actor, 'performer');
      break;
    case 'DocumentReference':
      for (const a of arr(r.author)) actor(a, 'author');
      break;
    case 'Condition':
      actor(r.recorder, 'author');
      actor(r.asserter, 'author');
      break;
    case 'ImagingStudy':
      actor(r.referrer, 'requester');
      for (const i of arr(r.interpreter)) actor(i, 'performer');
      break;
    case 'PractitionerRole': {
      const prac = resolve.idOf(r.practitioner, 'Practitioner');
      const org = resolve.idOf(r.organization, 'Organization');
      if (prac || org) {
        links.push({
          kind: 'role',
          ...(prac ? { practitionerId: prac } : {}),
          ...(org ? { organizationId: org } : {}),
          ...(periodStart ? { periodStart } : {}),
          ...(periodEnd ? { periodEnd } : {}),
        });
      }
      break;
    }
    case 'Patient':
      for (const g of arr(r.generalPractitioner)) actor(g, 'general-practitioner');
      break;
    default:
      break;
  }
  let owner = '@tenant';
  if (patientId) owner = `Patient/${patientId}`;
  else if (type === 'Practitioner') owner = `Practitioner/${r.id}`;
  else if (type === 'PractitionerRole') {
    const prac = resolve.idOf(r.practitioner, 'Practitioner');
    if (prac) owner = `Practitioner/${prac}`;
  }
  const indexes =
    type === 'Patient' || type === 'Practitioner'
      ? personIndexes(r, idConfig)
      : type === 'Organization' || type === 'Location' || type === 'PractitionerRole'
        ? identifierIndexes(r)
        : [];
  return {
    resourceType: type,
    id: r.id,
    patientId,
    owner,
    encounterId: resolve.idOf(encounterRefOf(r), 'Encounter'),
    organizationId: resolve.idOf(organizationRefOf(r), 'Organization'),
    status: statusOf(r),
    category: categoryOf(r),
    confidentiality: confidentialityOf(r),
    periodStart,
    periodEnd,
    links,
    indexes,
  };
}

/** Descriptive texts of a department (for deriving sensitive categories): name, alias, type. */
export function departmentTexts(r: FhirResource): string[] {
  const out: string[] = [];
  if (typeof r.name === 'string') out.push(r.name);
  for (const a of arr(r.alias)) if (typeof a === 'string') out.push(a);
  for (const t of arr(r.type)) {
    const o = obj(t);
    if (typeof o?.text === 'string') out.push(o.text);
    for (const c of arr(o?.coding)) {
      const d = obj(c);
      if (typeof d?.display === 'string') out.push(d.display);
      if (typeof d?.code === 'string') out.push(d.code);
    }
  }
  return out;
}
