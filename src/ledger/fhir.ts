/**
 * FHIR R4 AuditEvent in and out, with the codes of IHE Basic Audit Log Patterns (BALP) and DICOM
 * audit vocabulary. Out: one AuditEvent per ledger entry (NDJSON). In: other systems' AuditEvents
 * (HIS, EMR, PACS) mapped to ledger entries; anything unusable is rejected with a reason.
 */
import { createHash } from 'node:crypto';
import type { JsonValue, LedgerEntry, LedgerEntryInput, EntryKind } from './types.ts';

/** Code systems used in exported AuditEvents. */
export const FhirSystem = {
  AuditEventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  Dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  Restful: 'http://hl7.org/fhir/restful-interaction',
  ActReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  ParticipationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  EntityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  ObjectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  SourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  /** Custos's own kind codes, so an export re-imports losslessly. */
  LedgerKind: 'urn:custos:ledger:kind',
  Ledger: 'urn:custos:ledger',
  Department: 'urn:custos:fhir:department',
} as const;

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/';

/** Purpose of use ↔ HL7 v3 ActReason codes. */
const PURPOSE_TO_V3: Record<string, string> = {
  treatment: 'TREAT',
  emergency: 'ETREAT',
  payment: 'HPAYMT',
  operations: 'HOPERAT',
  research: 'HRESCH',
  'public-health': 'PUBHLTH',
  'patient-request': 'PATRQT',
  legal: 'HLEGAL',
  'break-glass': 'BTG',
};
const V3_TO_PURPOSE = Object.fromEntries(Object.entries(PURPOSE_TO_V3).map(([k, v]) => [v, k]));

interface Coding {
  system: string;
  code: string;
  display?: string;
}

function typeOf(kind: EntryKind): Coding {
  switch (kind) {
    case 'disclosure.read':
    case 'disclosure.search':
    case 'disclosure.api':
    case 'disclosure.print':
    case 'denial':
      return { system: FhirSystem.AuditEventType, code: 'rest', display: 'Restful Operation' };
    case 'disclosure.export':
      return { system: FhirSystem.Dicom, code: '110106', display: 'Export' };
    case 'login':
    case 'login-failed':
      return { system: FhirSystem.Dicom, code: '110114', display: 'User Authentication' };
    case 'break-glass':
      return { system: FhirSystem.Dicom, code: '110113', display: 'Security Alert' };
    case 'mfa-change':
      return {
        system: FhirSystem.Dicom,
        code: '110137',
        display: 'User Security Attributes Changed',
      };
    case 'admin':
      return { system: FhirSystem.Dicom, code: '110100', display: 'Application Activity' };
    case 'imported':
      return { system: FhirSystem.Dicom, code: '110110', display: 'Patient Record' };
  }
}

function subtypeOf(kind: EntryKind): Coding[] {
  const own = { system: FhirSystem.LedgerKind, code: kind };
  switch (kind) {
    case 'disclosure.read':
    case 'disclosure.api':
    case 'disclosure.print':
      return [{ system: FhirSystem.Restful, code: 'read' }, own];
    case 'disclosure.search':
      return [{ system: FhirSystem.Restful, code: 'search-type' }, own];
    case 'login':
    case 'login-failed':
      return [{ system: FhirSystem.Dicom, code: '110122', display: 'Login' }, own];
    case 'admin':
    case 'break-glass':
    case 'denial':
    case 'disclosure.export':
    case 'imported':
    case 'mfa-change':
      return [own];
  }
}

function reference(type: LedgerEntry['actorType'], id: string): string {
  return `${{ staff: 'Practitioner', client: 'Device', patient: 'Patient', system: 'Device' }[type]}/${id}`;
}

const isIp = (a: string): boolean => /^[0-9.]+$/.test(a) || a.includes(':');

/** A ledger entry as a FHIR R4 AuditEvent (IHE BALP style). */
export function toFhirAuditEvent(e: LedgerEntry): Record<string, unknown> {
  const detail = (type: string, value: string | null | undefined) =>
    value ? [{ type, valueString: value }] : [];
  const isDisclosure = e.kind.startsWith('disclosure.');
  const profile =
    isDisclosure && e.kind !== 'disclosure.export'
      ? `${BALP}IHE.BasicAudit.${e.patientId ? 'Patient' : ''}${e.kind === 'disclosure.search' ? 'Query' : 'Read'}`
      : null;
  const purpose = e.purpose
    ? [
        {
          coding: [
            PURPOSE_TO_V3[e.purpose]
              ? { system: FhirSystem.ActReason, code: PURPOSE_TO_V3[e.purpose] }
              : { system: 'urn:custos:purpose', code: e.purpose },
          ],
        },
      ]
    : [];
  const agents: Record<string, unknown>[] = [
    {
      type: {
        coding: [
          { system: FhirSystem.ParticipationType, code: 'IRCP', display: 'information recipient' },
        ],
      },
      who: { reference: reference(e.actorType, e.actorId), identifier: { value: e.actorId } },
      requestor: true,
      ...(e.department
        ? { extension: [{ url: FhirSystem.Department, valueString: e.department }] }
        : {}),
      ...(e.networkAddress
        ? { network: { address: e.networkAddress, type: isIp(e.networkAddress) ? '2' : '1' } }
        : {}),
      ...(purpose.length ? { purposeOfUse: purpose } : {}),
    },
  ];
  if (e.workstation) {
    agents.push({
      type: { coding: [{ system: FhirSystem.Dicom, code: '110153', display: 'Source Role ID' }] },
      who: { identifier: { value: e.workstation } },
      requestor: false,
    });
  }
  const entities: Record<string, unknown>[] = [];
  if (e.patientId) {
    entities.push({
      what: { reference: `Patient/${e.patientId}` },
      type: { system: FhirSystem.EntityType, code: '1', display: 'Person' },
      role: { system: FhirSystem.ObjectRole, code: '1', display: 'Patient' },
    });
  }
  entities.push({
    what: { identifier: { system: FhirSystem.Ledger, value: `${e.tenant}/${e.seq}` } },
    type: { system: FhirSystem.EntityType, code: '2', display: 'System Object' },
    detail: [
      ...detail('fields', e.fields.join(',')),
      ...detail('categories', e.categories.join(',')),
      ...detail('reasons', e.reasons.join(',')),
      ...detail('action', e.action),
      ...detail('channel', e.channel),
      ...detail('watermark', e.watermarkToken),
      ...detail('details', e.details),
      ...detail('entryHash', e.entryHash.toString('hex')),
    ],
  });
  const failed = e.decision === 'deny' || e.kind === 'login-failed' || e.kind === 'denial';
  return {
    resourceType: 'AuditEvent',
    id: `${e.tenant}-${e.seq}`,
    ...(profile ? { meta: { profile: [profile] } } : {}),
    type: typeOf(e.kind),
    subtype: subtypeOf(e.kind),
    action:
      e.kind === 'disclosure.search'
        ? 'E'
        : isDisclosure || e.kind === 'denial' || e.kind === 'break-glass'
          ? 'R'
          : e.kind === 'admin' || e.kind === 'mfa-change'
            ? 'U'
            : 'E',
    recorded: e.occurredAt.toISOString(),
    outcome: failed ? '4' : '0',
    ...(e.reasons.length && failed ? { outcomeDesc: e.reasons.join('; ') } : {}),
    ...(purpose.length ? { purposeOfEvent: purpose } : {}),
    agent: agents,
    source: {
      site: e.tenant,
      observer: { display: e.sourceSystem ?? 'Custos' },
      type: [{ system: FhirSystem.SourceType, code: '4', display: 'Application Server' }],
    },
    entity: entities,
  };
}

/** The result of mapping one imported line: an entry, or the reason it was rejected. */
export type ImportMapping = { ok: true; entry: LedgerEntryInput } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const codings = (cc: unknown): Coding[] =>
  arr(obj(cc)?.coding ?? (Array.isArray(cc) ? cc : [cc])).flatMap((c) => {
    const o = obj(c);
    const code = str(o?.code);
    return o && code ? [{ system: str(o.system) ?? '', code }] : [];
  });

function parseRef(ref: string | null): { type: string; id: string } | null {
  if (!ref) return null;
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref);
  return m ? { type: m[1] as string, id: m[2] as string } : null;
}

/**
 * Maps another system's AuditEvent (already JSON-parsed, untrusted) to a ledger entry.
 * `defaultSource` names the system when the event's source.observer does not.
 */
export function fromFhirAuditEvent(
  v: unknown,
  defaultSource: string | null,
  rawLine: string,
): ImportMapping {
  const r = obj(v);
  if (!r) return { ok: false, reason: 'not a JSON object' };
  if (r.resourceType !== 'AuditEvent')
    return {
      ok: false,
      reason: `resourceType is ${typeof r.resourceType === 'string' ? r.resourceType.slice(0, 40) : 'missing'}, not AuditEvent`,
    };
  const recorded = str(r.recorded);
  if (!recorded || !/^\d{4}-\d{2}-\d{2}T/.test(recorded) || Number.isNaN(Date.parse(recorded)))
    return { ok: false, reason: 'recorded is missing or not an instant' };
  const subtypes = codings(r.subtype);
  const types = codings(r.type);
  const all = [...types, ...subtypes];
  const has = (system: string, code: string) =>
    all.some((c) => c.system === system && c.code === code);
  const ownKind = subtypes.find((c) => c.system === FhirSystem.LedgerKind)?.code;
  const outcome = str(r.outcome) ?? '0';
  const failed = outcome !== '0';
  let kind: EntryKind;
  if (
    ownKind &&
    (
      [
        'disclosure.read',
        'disclosure.search',
        'disclosure.print',
        'disclosure.export',
        'disclosure.api',
        'denial',
        'break-glass',
        'login',
        'login-failed',
        'mfa-change',
        'admin',
        'imported',
      ] as string[]
    ).includes(ownKind)
  ) {
    kind = ownKind as EntryKind;
  } else if (has(FhirSystem.Dicom, '110106')) kind = 'disclosure.export';
  else if (has(FhirSystem.Dicom, '110114') || has(FhirSystem.Dicom, '110122'))
    kind = failed ? 'login-failed' : 'login';
  else if (subtypes.some((c) => c.code === 'read' || c.code === 'vread')) kind = 'disclosure.read';
  else if (subtypes.some((c) => c.code.startsWith('search'))) kind = 'disclosure.search';
  else if (r.action === 'R') kind = 'disclosure.read';
  else if (r.action === 'E' && has(FhirSystem.AuditEventType, 'rest')) kind = 'disclosure.search';
  else kind = 'imported';
  if (failed && kind.startsWith('disclosure.')) kind = 'denial';

  const agents = arr(r.agent)
    .map(obj)
    .filter((a): a is Obj => a !== null);
  const requestor = agents.find((a) => a.requestor === true) ?? agents[0];
  if (!requestor) return { ok: false, reason: 'no agent' };
  const who = obj(requestor.who);
  const ref = parseRef(str(who?.reference));
  const ident = str(obj(who?.identifier)?.value);
  let actor: LedgerEntryInput['actor'];
  if (ref) {
    const type =
      ref.type === 'Device'
        ? 'client'
        : ref.type === 'Patient' || ref.type === 'RelatedPerson'
          ? 'patient'
          : 'staff';
    actor = { type, id: ref.id };
  } else if (ident) actor = { type: 'staff', id: ident.slice(0, 128) };
  else return { ok: false, reason: 'the requesting agent names no one (agent.who)' };
  const dept = arr(requestor.extension)
    .map(obj)
    .find((x) => x?.url === FhirSystem.Department);
  if (dept && str(dept.valueString)) actor.department = str(dept.valueString);

  const network = str(obj(requestor.network)?.address);
  const workstationAgent = agents.find(
    (a) => a !== requestor && codings(a.type).some((c) => c.code === '110153'),
  );
  const workstation =
    str(obj(obj(workstationAgent?.who)?.identifier)?.value) ??
    str(obj(workstationAgent?.who)?.display);
  const purposeCode = [
    ...codings(arr(requestor.purposeOfUse)[0]),
    ...codings(arr(r.purposeOfEvent)[0]),
  ][0]?.code;
  const purpose = purposeCode ? (V3_TO_PURPOSE[purposeCode] ?? purposeCode) : null;

  let patientId: string | null = null;
  const resources = new Set<string>();
  let instances: number | null = null;
  for (const ent of arr(r.entity).map(obj)) {
    if (!ent) continue;
    const w = parseRef(str(obj(ent.what)?.reference));
    if (w?.type === 'Patient' && !patientId) patientId = w.id;
    else if (w) resources.add(w.type);
    for (const d of arr(ent.detail).map(obj)) {
      const t = str(d?.type) ?? str(obj(d?.type)?.text) ?? codings(d?.type)[0]?.code;
      if (t === 'NumberOfInstances') {
        const n = Number(d?.valueString ?? d?.valueInteger);
        if (Number.isSafeInteger(n)) instances = n;
      }
    }
  }
  const observer = obj(obj(r.source)?.observer);
  const source = str(observer?.display) ?? parseRef(str(observer?.reference))?.id ?? defaultSource;
  if (!source) return { ok: false, reason: 'no source system (source.observer) and none given' };
  const key = str(r.id) ?? createHash('sha256').update(rawLine).digest('hex');
  const details: { [k: string]: JsonValue } = { importedType: all.map((c) => c.code).slice(0, 8) };
  if (instances !== null) details.instances = instances;
  return {
    ok: true,
    entry: {
      kind,
      actor,
      patientId,
      fields: [...resources].slice(0, 32),
      purpose,
      decision: failed ? 'deny' : 'permit',
      reasons: failed && str(r.outcomeDesc) ? [(r.outcomeDesc as string).slice(0, 200)] : [],
      workstation,
      networkAddress: network,
      channel: 'import',
      occurredAt: new Date(recorded),
      source: { system: source.slice(0, 128), key: key.slice(0, 256) },
      details,
    },
  };
}
