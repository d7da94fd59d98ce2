/**
 * The read step: plans which resources and which encrypted sections the decision allows, has the
 * vault decrypt only those, and builds the record in the field vocabulary of the decision
 * (`demographics.name`, `contact.phone`, `diagnosis`, `observation.lab` …). Resources carrying a
 * sensitive category the decision did not allow are never read; scopes (ordered studies/tests)
 * narrow what is kept.
 */
import {
  openDisclosedSections,
  type SealedBody,
  type FhirResource,
  type ResourceMeta,
  type Vault,
} from '../vault/index.ts';
import type { Decision, Field, SensitiveCategory } from '../policy/index.ts';
import type { ClearRow, PatientContext } from './facts.ts';

/** The record view, keyed by the field vocabulary. */
export type RecordView = Record<string, unknown>;

/** Which resource types and encrypted sections one field needs. */
interface FieldSource {
  types: readonly string[];
  sections: readonly string[];
}

/**
 * Field → where it lives in the vault (resource types and the field classes to decrypt). A
 * clinical item's own narrative (notes on a diagnosis, a result, a medication) belongs to it.
 */
const CLINICAL = ['admin', 'clinical', 'narrative'] as const;
const FIELD_SOURCES: Readonly<Record<Field, FieldSource>> = {
  'demographics.name': { types: ['Patient'], sections: ['identity'] },
  'demographics.sex': { types: ['Patient'], sections: ['demographics'] },
  'demographics.birthDate': { types: ['Patient'], sections: ['demographics'] },
  'demographics.idNumber': { types: ['Patient'], sections: ['identifiers'] },
  'demographics.mrn': { types: ['Patient'], sections: ['identifiers'] },
  'contact.phone': { types: ['Patient'], sections: ['contact'] },
  'contact.address': { types: ['Patient'], sections: ['contact'] },
  'contact.email': { types: ['Patient'], sections: ['contact'] },
  'contact.emergencyContact': { types: ['Patient'], sections: ['contact'] },
  appointment: { types: ['Appointment'], sections: ['admin', 'clinical'] },
  // An encounter's reason is a diagnosis: its clinical section needs `diagnosis` (see below).
  encounter: { types: ['Encounter'], sections: ['admin'] },
  diagnosis: { types: ['Condition', 'Encounter'], sections: CLINICAL },
  note: { types: ['DocumentReference'], sections: [...CLINICAL, 'document'] },
  'observation.vitals': { types: ['Observation'], sections: CLINICAL },
  'observation.lab': { types: ['Observation', 'DiagnosticReport'], sections: CLINICAL },
  medication: { types: ['MedicationRequest', 'MedicationAdministration'], sections: CLINICAL },
  allergy: { types: ['AllergyIntolerance'], sections: CLINICAL },
  procedure: { types: ['Procedure'], sections: CLINICAL },
  order: { types: ['ServiceRequest'], sections: CLINICAL },
  'imaging.order': { types: ['ServiceRequest'], sections: CLINICAL },
  'imaging.study': { types: ['ImagingStudy'], sections: [...CLINICAL, 'imaging'] },
  'imaging.report': { types: ['DiagnosticReport'], sections: [...CLINICAL, 'document'] },
  'billing.codes': { types: ['Claim', 'ExplanationOfBenefit'], sections: CLINICAL },
  'billing.amounts': { types: ['Claim', 'ExplanationOfBenefit'], sections: CLINICAL },
  'billing.insurance': { types: ['Coverage'], sections: CLINICAL },
  technical: { types: [], sections: [] },
};

/** The read plan: the resources to decrypt and, per resource type, the sections to decrypt. */
export interface ReadPlan {
  patientId: string;
  /** Field classes to decrypt per resource type (exactly what the allowed fields need). */
  sectionsByType: Map<string, string[]>;
  /** The resources to read. */
  refs: { resourceType: string; id: string }[];
  /** Resources left out because of a sensitive category the decision did not allow. */
  withheld: number;
}

/** Scope kinds that limit reads to the care-graph ids of the decision's scope. */
const SCOPED_TYPES: Readonly<Record<string, readonly string[]>> = {
  'ordered-studies': ['ServiceRequest', 'ImagingStudy', 'DiagnosticReport'],
  'ordered-tests': ['ServiceRequest', 'Observation', 'DiagnosticReport', 'Specimen'],
};

/**
 * Plan the reads for a permitted decision: only the types and sections its fields need, never a
 * resource labelled with a sensitive category outside `decision.sensitiveCategories`.
 */
export function planReads(ctx: PatientContext, decision: Decision): ReadPlan {
  const sectionsByType = sectionsOf(decision.fields);
  const allowedSensitive = new Set<SensitiveCategory>(decision.sensitiveCategories);
  const scoped = new Map<string, Set<string>>();
  for (const sc of decision.scopes) {
    const ids = new Set(sc.sourceIds);
    for (const t of SCOPED_TYPES[sc.kind] ?? []) scoped.set(t, ids);
  }
  const refs: ReadPlan['refs'] = [];
  let withheld = 0;
  for (const row of ctx.rows) {
    if (!sectionsByType.has(row.resourceType)) continue;
    if (row.resourceType === 'Patient' && row.id !== ctx.patientId) continue;
    const ref = `${row.resourceType}/${row.id}`;
    if (row.resourceType !== 'Patient') {
      const cats = ctx.labels.byResource[ref] ?? [];
      if (cats.some((c) => !allowedSensitive.has(c))) {
        withheld++;
        continue;
      }
    }
    // A scoped order must itself be in scope; results are checked after reading (basedOn).
    const scope = scoped.get(row.resourceType);
    if (scope && row.resourceType === 'ServiceRequest' && !scope.has(ref)) continue;
    refs.push({ resourceType: row.resourceType, id: row.id });
  }
  return { patientId: ctx.patientId, sectionsByType, refs, withheld };
}

/**
 * Resource type → the sections the allowed fields need. A pure function of the field list,
 * memoised per distinct list (a handful: one per role and field set).
 */
function sectionsOf(fields: readonly Field[]): Map<string, string[]> {
  const key = fields.join(',');
  const hit = SECTIONS.get(key);
  if (hit) return hit;
  const byType = new Map<string, Set<string>>();
  const allowed = new Set<string>(fields);
  for (const f of fields) {
    const src = FIELD_SOURCES[f];
    for (const t of src.types) {
      // Encounters are read for `encounter`; `diagnosis` only adds their reason to them.
      if (t === 'Encounter' && f === 'diagnosis' && !allowed.has('encounter')) continue;
      let s = byType.get(t);
      if (!s) byType.set(t, (s = new Set()));
      for (const x of src.sections) s.add(x);
    }
  }
  const out = new Map([...byType].map(([t, s]) => [t, [...s].sort()] as const));
  if (SECTIONS.size >= 256) SECTIONS.clear();
  SECTIONS.set(key, out);
  return out;
}

const SECTIONS = new Map<string, Map<string, string[]>>();

/** A decrypted resource with the clear metadata the view needs. */
export interface ReadResource {
  resource: FhirResource;
  meta: Pick<ResourceMeta, 'resourceType' | 'id' | 'periodStart'>;
}

/**
 * Decrypt what the plan names from the sealed bodies the facts statement fetched (no statement of
 * its own), each resource's own type's sections only; the clear metadata comes from the
 * patient's clear rows already read for the decision.
 */
export async function readPlanned(
  vault: Vault,
  tenant: string,
  plan: ReadPlan,
  rows: readonly ClearRow[],
  sealed: ReadonlyMap<string, SealedBody>,
): Promise<ReadResource[]> {
  if (plan.refs.length === 0) return [];
  const read = await openDisclosedSections(vault, tenant, sealed, plan.refs, plan.sectionsByType);
  const clear = new Map(rows.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const out: ReadResource[] = [];
  for (const r of read) {
    const row = clear.get(`${r.resourceType}/${r.id}`);
    if (!row) continue;
    out.push({
      resource: r.resource,
      meta: { resourceType: r.resourceType, id: r.id, periodStart: row.periodStart },
    });
  }
  return out;
}

type Obj = Record<string, unknown>;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function codingOf(cc: unknown): {
  code?: string;
  system?: string;
  display?: string;
  text?: string;
} {
  const o = obj(cc);
  if (!o) return {};
  const c = obj(arr(o.coding)[0]);
  const out: { code?: string; system?: string; display?: string; text?: string } = {};
  if (str(c?.code)) out.code = str(c?.code)!;
  if (str(c?.system)) out.system = str(c?.system)!;
  if (str(c?.display)) out.display = str(c?.display)!;
  if (str(o.text)) out.text = str(o.text)!;
  return out;
}

function refId(ref: unknown, type: string): string | undefined {
  const r = str(obj(ref)?.reference);
  if (!r?.startsWith(`${type}/`)) return undefined;
  return r.slice(type.length + 1);
}

function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const IMAGING_CODES = new Set(['363679005', 'imaging', 'radiology', 'RAD', '18748-4']);

/** True when a ServiceRequest or DiagnosticReport is about imaging. */
function isImaging(r: FhirResource): boolean {
  for (const c of arr(r.category)) {
    const o = obj(c);
    if (str(o?.text) && IMAGING_CODES.has(str(o?.text)!.toLowerCase())) return true;
    for (const x of arr(o?.coding)) {
      const code = str(obj(x)?.code);
      if (code && (IMAGING_CODES.has(code) || IMAGING_CODES.has(code.toLowerCase()))) return true;
    }
  }
  return false;
}

function isVitals(r: FhirResource): boolean {
  return arr(r.category).some((c) =>
    arr(obj(c)?.coding).some((x) => str(obj(x)?.code) === 'vital-signs'),
  );
}

function basedOnIds(r: FhirResource): string[] {
  return arr(r.basedOn)
    .map((b) => str(obj(b)?.reference))
    .filter((x): x is string => x !== undefined);
}

const NATIONAL_ID_SYSTEMS = new Set([
  'urn:oid:2.16.156.10011.1.1',
  'http://hl7.org/fhir/sid/us-ssn',
]);

function identifierOf(p: FhirResource, want: 'national' | 'mrn'): string | undefined {
  for (const i of arr(p.identifier)) {
    const o = obj(i);
    if (!o || !str(o.value)) continue;
    const types = arr(obj(o.type)?.coding).map((c) => str(obj(c)?.code));
    const system = str(o.system) ?? '';
    const national =
      NATIONAL_ID_SYSTEMS.has(system) || types.some((t) => t === 'NI' || t === 'NNCHN');
    const mrn = types.includes('MR') || /mrn/i.test(system);
    if ((want === 'national' && national) || (want === 'mrn' && mrn)) return str(o.value);
  }
  return undefined;
}

function nameOf(n: unknown): string | undefined {
  const o = obj(n);
  if (!o) return undefined;
  if (str(o.text)) return str(o.text);
  const family = str(o.family) ?? '';
  const given = arr(o.given).filter((g): g is string => typeof g === 'string');
  if (!family && given.length === 0) return undefined;
  // Chinese names are family + given without a space; Latin names given first.
  return /[\u4e00-\u9fff]/.test(family)
    ? `${family}${given.join('')}`
    : [...given, family].join(' ');
}

function telecomOf(p: FhirResource, system: string): string | undefined {
  for (const t of arr(p.telecom)) {
    const o = obj(t);
    if (o && (o.system ?? 'phone') === system && str(o.value)) return str(o.value);
  }
  return undefined;
}

function addressOf(a: unknown): string | undefined {
  const o = obj(a);
  if (!o) return undefined;
  if (str(o.text)) return str(o.text);
  const parts = [o.state, o.city, o.district, ...arr(o.line)].filter(
    (x): x is string => typeof x === 'string',
  );
  return parts.length > 0 ? parts.join('') : undefined;
}

function noteText(r: FhirResource): string | undefined {
  for (const c of arr(r.content)) {
    const a = obj(obj(c)?.attachment);
    if (!a) continue;
    const type = str(a.contentType) ?? '';
    if (str(a.data) && /^text\//.test(type)) {
      return Buffer.from(str(a.data)!, 'base64').toString('utf8');
    }
    if (str(a.title)) return str(a.title);
  }
  const div = str(obj(r.text)?.div);
  return div ? div.replace(/<[^>]*>/g, ' ').trim() : undefined;
}

function put(view: RecordView, path: string, value: unknown): void {
  if (value === undefined) return;
  const dot = path.indexOf('.');
  if (dot < 0) {
    view[path] = value;
    return;
  }
  const head = path.slice(0, dot);
  const section = (obj(view[head]) ?? {}) as RecordView;
  section[path.slice(dot + 1)] = value;
  view[head] = section;
}

function pushTo(view: RecordView, path: string, value: Obj): void {
  const dot = path.indexOf('.');
  const holder = dot < 0 ? view : ((obj(view[path.slice(0, dot)]) ?? {}) as RecordView);
  const key = dot < 0 ? path : path.slice(dot + 1);
  const list = (Array.isArray(holder[key]) ? holder[key] : []) as Obj[];
  list.push(compact(value));
  holder[key] = list;
  if (dot >= 0) view[path.slice(0, dot)] = holder;
}

/**
 * Build the record view from what was read, keeping only allowed fields and, under a scope,
 * only results based on an order in scope.
 */
export function buildRecordView(
  read: readonly ReadResource[],
  rows: readonly ClearRow[],
  decision: Decision,
): RecordView {
  const allowed = new Set<string>(decision.fields);
  const has = (f: Field): boolean => allowed.has(f);
  const scopeIds = new Set(decision.scopes.flatMap((s) => s.sourceIds));
  const scoped = decision.scopes.length > 0;
  const inScope = (r: FhirResource): boolean =>
    !scoped || basedOnIds(r).some((id) => scopeIds.has(id));
  const view: RecordView = {};
  const sorted = [...read].sort(
    (a, b) =>
      (a.meta.periodStart?.getTime() ?? 0) - (b.meta.periodStart?.getTime() ?? 0) ||
      a.meta.id.localeCompare(b.meta.id),
  );
  for (const { resource: r, meta } of sorted) {
    const date = meta.periodStart?.toISOString();
    switch (r.resourceType) {
      case 'Patient': {
        if (has('demographics.name')) put(view, 'demographics.name', nameOf(arr(r.name)[0]));
        if (has('demographics.sex')) put(view, 'demographics.sex', str(r.gender));
        if (has('demographics.birthDate')) put(view, 'demographics.birthDate', str(r.birthDate));
        if (has('demographics.idNumber'))
          put(view, 'demographics.idNumber', identifierOf(r, 'national'));
        if (has('demographics.mrn')) put(view, 'demographics.mrn', identifierOf(r, 'mrn'));
        if (has('contact.phone')) put(view, 'contact.phone', telecomOf(r, 'phone'));
        if (has('contact.email')) put(view, 'contact.email', telecomOf(r, 'email'));
        if (has('contact.address')) put(view, 'contact.address', addressOf(arr(r.address)[0]));
        if (has('contact.emergencyContact')) {
          for (const c of arr(r.contact)) {
            const o = obj(c);
            if (!o) continue;
            pushTo(view, 'contact.emergencyContact', {
              name: nameOf(o.name),
              relationship: arr(o.relationship)
                .map((x) => codingOf(x).text ?? codingOf(x).display ?? codingOf(x).code)
                .find((x) => x !== undefined),
              phone: telecomOf(o as FhirResource, 'phone'),
            });
          }
        }
        break;
      }
      case 'Appointment':
        if (has('appointment'))
          pushTo(view, 'appointment', {
            id: r.id,
            status: str(r.status),
            type: codingOf(r.appointmentType).text ?? codingOf(r.appointmentType).code,
            start: str(r.start),
            end: str(r.end),
            departmentId: arr(r.participant)
              .map((p) => refId(obj(p)?.actor, 'Organization'))
              .find((x) => x !== undefined),
          });
        break;
      case 'Encounter':
        if (has('encounter'))
          pushTo(view, 'encounter', {
            id: r.id,
            status: str(r.status),
            class: str(obj(r.class)?.code),
            start: str(obj(r.period)?.start),
            end: str(obj(r.period)?.end),
            departmentId: refId(r.serviceProvider, 'Organization'),
            // The reason is a diagnosis: only with `diagnosis` (its section is read only then).
            reason: has('diagnosis') ? codingOf(arr(r.reasonCode)[0]).code : undefined,
          });
        break;
      case 'Condition':
        if (has('diagnosis'))
          pushTo(view, 'diagnosis', {
            id: r.id,
            ...codingOf(r.code),
            clinicalStatus: codingOf(r.clinicalStatus).code,
            recordedDate: str(r.recordedDate) ?? date,
            encounterId: refId(r.encounter, 'Encounter'),
          });
        break;
      case 'DocumentReference':
        if (has('note'))
          pushTo(view, 'note', {
            id: r.id,
            type: codingOf(r.type).text ?? codingOf(r.type).display,
            date: str(r.date) ?? date,
            authorId: arr(r.author)
              .map((a) => refId(a, 'Practitioner'))
              .find((x) => x !== undefined),
            text: noteText(r),
          });
        break;
      case 'Observation': {
        const path: Field = isVitals(r) ? 'observation.vitals' : 'observation.lab';
        if (
          !has(path) ||
          (path === 'observation.lab' && !inScopeFor(decision, 'ordered-tests', r, inScope))
        )
          break;
        const q = obj(r.valueQuantity);
        pushTo(view, path, {
          id: r.id,
          ...codingOf(r.code),
          value: q?.value ?? str(r.valueString) ?? codingOf(r.valueCodeableConcept).text,
          unit: str(q?.unit),
          interpretation: codingOf(arr(r.interpretation)[0]).code,
          referenceRange: str(obj(arr(r.referenceRange)[0])?.text),
          effective: str(r.effectiveDateTime) ?? date,
        });
        break;
      }
      case 'DiagnosticReport': {
        const imaging = isImaging(r);
        const path: Field = imaging ? 'imaging.report' : 'observation.lab';
        if (!has(path) || !inScope(r)) break;
        pushTo(view, path, {
          id: r.id,
          ...codingOf(r.code),
          status: str(r.status),
          issued: str(r.issued) ?? date,
          conclusion: str(r.conclusion),
        });
        break;
      }
      case 'MedicationRequest':
      case 'MedicationAdministration':
        if (has('medication'))
          pushTo(view, 'medication', {
            id: r.id,
            ...codingOf(r.medicationCodeableConcept),
            status: str(r.status),
            dosage: str(obj(arr(r.dosageInstruction)[0])?.text) ?? str(obj(r.dosage)?.text),
            authoredOn: str(r.authoredOn) ?? date,
          });
        break;
      case 'AllergyIntolerance':
        if (has('allergy'))
          pushTo(view, 'allergy', {
            id: r.id,
            ...codingOf(r.code),
            criticality: str(r.criticality),
            recordedDate: str(r.recordedDate) ?? date,
          });
        break;
      case 'Procedure':
        if (has('procedure'))
          pushTo(view, 'procedure', {
            id: r.id,
            ...codingOf(r.code),
            status: str(r.status),
            performed: str(r.performedDateTime) ?? date,
          });
        break;
      case 'ServiceRequest': {
        const path: Field = isImaging(r) ? 'imaging.order' : 'order';
        if (!has(path)) break;
        if (scoped && !scopeIds.has(`ServiceRequest/${r.id}`)) break;
        pushTo(view, path, {
          id: r.id,
          ...codingOf(r.code),
          category: codingOf(arr(r.category)[0]).text ?? codingOf(arr(r.category)[0]).code,
          status: str(r.status),
          authoredOn: str(r.authoredOn) ?? date,
          performerId: arr(r.performer)
            .map((p) => refId(p, 'Organization'))
            .find((x) => x !== undefined),
        });
        break;
      }
      case 'ImagingStudy':
        if (!has('imaging.study') || !inScope(r)) break;
        pushTo(view, 'imaging.study', {
          id: r.id,
          modality: codingOf(arr(r.modality)[0]).code ?? str(obj(arr(r.modality)[0])?.code),
          description: str(r.description),
          started: str(r.started) ?? date,
          series: typeof r.numberOfSeries === 'number' ? r.numberOfSeries : undefined,
          instances: typeof r.numberOfInstances === 'number' ? r.numberOfInstances : undefined,
          orderId: basedOnIds(r)[0]?.replace(/^ServiceRequest\//, ''),
        });
        break;
      case 'Claim':
      case 'ExplanationOfBenefit': {
        if (has('billing.codes'))
          pushTo(view, 'billing.codes', {
            id: r.id,
            codes: arr(r.item)
              .map((i) => codingOf(obj(i)?.productOrService).code)
              .filter((x) => x !== undefined),
          });
        if (has('billing.amounts')) {
          const total = obj(r.total) ?? obj(obj(arr(r.total)[0])?.amount);
          pushTo(view, 'billing.amounts', {
            id: r.id,
            value: total?.value,
            currency: str(total?.currency),
          });
        }
        break;
      }
      case 'Coverage':
        if (has('billing.insurance'))
          pushTo(view, 'billing.insurance', {
            id: r.id,
            status: str(r.status),
            type: codingOf(r.type).text ?? codingOf(r.type).code,
            subscriberId: str(r.subscriberId),
          });
        break;
      default:
        break;
    }
  }
  if (has('technical')) {
    // Technical metadata comes from the clear columns: nothing is decrypted for it.
    view.technical = {
      resources: rows.map((r) => ({
        type: r.resourceType,
        id: r.id,
        versionId: r.versionId,
        lastUpdated: r.lastUpdated.toISOString(),
      })),
    };
  }
  return view;
}

function inScopeFor(
  decision: Decision,
  kind: string,
  r: FhirResource,
  inScope: (r: FhirResource) => boolean,
): boolean {
  return !decision.scopes.some((s) => s.kind === kind) || inScope(r);
}
