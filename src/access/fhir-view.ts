/**
 * FHIR R4 shapes of what the disclosure path returned: a disclosed (already masked) record as
 * patient-compartment resources, search candidates as Patient resources, and the searchset
 * Bundle around them. Built only from the masked view, never from the vault: a value the
 * masking changed into something that is no longer a valid FHIR primitive (张*丰 is a valid
 * string, `1949-**-**` is not a valid date) is carried in a `masked-value` extension.
 */
import type { Category } from '../policy/index.ts';
import type { DisclosedRecord, SearchCandidate } from './types.ts';

/** A FHIR resource as JSON. */
export type FhirJson = Record<string, unknown> & { resourceType: string; id?: string };

/** Extension URL of a masked value that no longer fits its FHIR primitive type. */
export const MASKED_VALUE_EXTENSION = 'https://custos.dev/fhir/StructureDefinition/masked-value';
/** Tag system of the watermark token carried by every FHIR answer of the disclosure path. */
export const WATERMARK_TAG_SYSTEM = 'https://custos.dev/fhir/CodeSystem/watermark-token';

const NATIONAL_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.1';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const V2_0074 = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const OBS_VALUE = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';

/**
 * Patient-compartment resource types the disclosure path can return, and the fields a request
 * for that type asks the decision for (minimum necessary: a Condition search asks only for
 * `diagnosis`).
 */
export const FHIR_TYPE_FIELDS: Readonly<Record<string, readonly Category[]>> = {
  Patient: [
    'demographics.name',
    'demographics.sex',
    'demographics.birthDate',
    'demographics.idNumber',
    'demographics.mrn',
    'contact.phone',
    'contact.address',
    'contact.email',
    'contact.emergencyContact',
  ],
  Appointment: ['appointment'],
  Encounter: ['encounter'],
  Condition: ['diagnosis'],
  DocumentReference: ['note'],
  Observation: ['observation.vitals', 'observation.lab'],
  DiagnosticReport: ['observation.lab', 'imaging.report'],
  MedicationRequest: ['medication'],
  AllergyIntolerance: ['allergy'],
  Procedure: ['procedure'],
  ServiceRequest: ['order', 'imaging.order'],
  ImagingStudy: ['imaging.study'],
  Claim: ['billing.codes', 'billing.amounts'],
  Coverage: ['billing.insurance'],
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): Obj[] =>
  Array.isArray(v) ? v.map(obj).filter((x): x is Obj => x !== undefined) : [];
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const DATE_TIME =
  /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;
const GENDERS = new Set(['male', 'female', 'other', 'unknown']);

function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete o[k];
  }
  return o;
}

/** Put a primitive on `target`, or its masked form in the `_name` extension when it does not fit. */
function primitive(target: Obj, name: string, value: unknown, valid: (s: string) => boolean): void {
  const s = str(value);
  if (s === undefined) return;
  if (valid(s)) target[name] = s;
  else target[`_${name}`] = { extension: [{ url: MASKED_VALUE_EXTENSION, valueString: s }] };
}

function concept(o: Obj, textKey = 'text'): Obj | undefined {
  const code = str(o.code);
  const coding = code
    ? [compact({ system: str(o.system), code, display: str(o.display) })]
    : undefined;
  const text = str(o[textKey]);
  if (!coding && !text) return undefined;
  return compact({ coding, text });
}

function textConcept(v: unknown): Obj | undefined {
  const s = str(v);
  return s ? { text: s } : undefined;
}

function ref(type: string, id: unknown): Obj | undefined {
  const s = str(id);
  return s ? { reference: `${type}/${s}` } : undefined;
}

/** Patient resource of a disclosed record's demographics and contact (masked). */
function patientOf(patientId: string, view: Obj): FhirJson | undefined {
  const d = obj(view.demographics) ?? {};
  const c = obj(view.contact) ?? {};
  if (Object.keys(d).length === 0 && Object.keys(c).length === 0) return undefined;
  const p: FhirJson = { resourceType: 'Patient', id: patientId };
  const identifier: Obj[] = [];
  if (str(d.idNumber)) identifier.push({ system: NATIONAL_ID_SYSTEM, value: d.idNumber });
  if (str(d.mrn))
    identifier.push({ type: { coding: [{ system: V2_0203, code: 'MR' }] }, value: d.mrn });
  p.identifier = identifier;
  if (str(d.name)) p.name = [{ text: d.name }];
  const telecom: Obj[] = [];
  if (str(c.phone)) telecom.push({ system: 'phone', value: c.phone });
  if (str(c.email)) telecom.push({ system: 'email', value: c.email });
  p.telecom = telecom;
  primitive(p, 'gender', d.sex, (s) => GENDERS.has(s));
  primitive(p, 'birthDate', d.birthDate, (s) => DATE.test(s));
  if (str(c.address)) p.address = [{ text: c.address }];
  p.contact = list(c.emergencyContact).map((e) =>
    compact({
      relationship: str(e.relationship) ? [{ text: e.relationship }] : undefined,
      name: str(e.name) ? { text: e.name } : undefined,
      telecom: str(e.phone) ? [{ system: 'phone', value: e.phone }] : undefined,
    }),
  );
  return compact(p);
}

function withDate(r: Obj, name: string, v: unknown): Obj {
  primitive(r, name, v, (s) => DATE_TIME.test(s));
  return r;
}

/**
 * The resources of a disclosed record in FHIR R4, built from its masked view: Patient first,
 * then the compartment resources in the order the view lists them. Only what the decision
 * allowed is in the view, so only that can appear here.
 */
export function toFhirResources(d: DisclosedRecord): FhirJson[] {
  const view = d.record as Obj;
  const subject = { reference: `Patient/${d.patientId}` };
  const out: FhirJson[] = [];
  const patient = patientOf(d.patientId, view);
  if (patient) out.push(patient);
  for (const a of list(view.appointment))
    out.push(
      withDate(
        withDate(
          compact({
            resourceType: 'Appointment',
            id: str(a.id),
            status: str(a.status) ?? 'booked',
            appointmentType: textConcept(a.type),
            participant: [
              { actor: subject, status: 'accepted' },
              ...(str(a.departmentId)
                ? [{ actor: ref('Organization', a.departmentId), status: 'accepted' }]
                : []),
            ],
          }),
          'start',
          a.start,
        ),
        'end',
        a.end,
      ) as FhirJson,
    );
  for (const e of list(view.encounter)) {
    const r = compact({
      resourceType: 'Encounter',
      id: str(e.id),
      status: str(e.status) ?? 'unknown',
      class: { system: ACT_CODE, code: str(e.class) ?? 'AMB' },
      subject,
      serviceProvider: ref('Organization', e.departmentId),
      reasonCode: str(e.reason) ? [{ coding: [{ code: e.reason }] }] : undefined,
    }) as FhirJson;
    const period: Obj = {};
    withDate(period, 'start', e.start);
    withDate(period, 'end', e.end);
    if (Object.keys(period).length > 0) r.period = period;
    out.push(r);
  }
  for (const c of list(view.diagnosis))
    out.push(
      withDate(
        compact({
          resourceType: 'Condition',
          id: str(c.id),
          clinicalStatus: str(c.clinicalStatus)
            ? {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
                    code: c.clinicalStatus,
                  },
                ],
              }
            : undefined,
          code: concept(c),
          subject,
          encounter: ref('Encounter', c.encounterId),
        }),
        'recordedDate',
        c.recordedDate,
      ) as FhirJson,
    );
  for (const n of list(view.note)) {
    const text = str(n.text);
    out.push(
      withDate(
        compact({
          resourceType: 'DocumentReference',
          id: str(n.id),
          status: 'current',
          type: textConcept(n.type),
          subject,
          author: str(n.authorId) ? [ref('Practitioner', n.authorId)] : undefined,
          content: [
            {
              attachment: text
                ? {
                    contentType: 'text/plain; charset=utf-8',
                    data: Buffer.from(text, 'utf8').toString('base64'),
                  }
                : { contentType: 'text/plain; charset=utf-8' },
            },
          ],
        }),
        'date',
        n.date,
      ) as FhirJson,
    );
  }
  const observation = obj(view.observation) ?? {};
  for (const [key, category] of [
    ['vitals', 'vital-signs'],
    ['lab', 'laboratory'],
  ] as const)
    for (const o of list(observation[key])) {
      if (o.status !== undefined || o.conclusion !== undefined || o.issued !== undefined) {
        // A lab DiagnosticReport listed under observation.lab.
        out.push(reportOf(o, subject, 'LAB'));
        continue;
      }
      const r = compact({
        resourceType: 'Observation',
        id: str(o.id),
        status: 'final',
        category: [{ coding: [{ system: OBS_CATEGORY, code: category }] }],
        code: concept(o) ?? { text: 'unknown' },
        subject,
        interpretation: str(o.interpretation)
          ? [{ coding: [{ system: OBS_VALUE, code: o.interpretation }] }]
          : undefined,
        referenceRange: str(o.referenceRange) ? [{ text: o.referenceRange }] : undefined,
      }) as FhirJson;
      withDate(r, 'effectiveDateTime', o.effective);
      const value = num(o.value);
      if (value !== undefined) r.valueQuantity = compact({ value, unit: str(o.unit) });
      else if (str(o.value)) r.valueString = o.value;
      out.push(r);
    }
  for (const m of list(view.medication))
    out.push(
      withDate(
        compact({
          resourceType: 'MedicationRequest',
          id: str(m.id),
          status: str(m.status) ?? 'unknown',
          intent: 'order',
          medicationCodeableConcept: concept(m) ?? { text: 'unknown' },
          subject,
          dosageInstruction: str(m.dosage) ? [{ text: m.dosage }] : undefined,
        }),
        'authoredOn',
        m.authoredOn,
      ) as FhirJson,
    );
  for (const a of list(view.allergy))
    out.push(
      withDate(
        compact({
          resourceType: 'AllergyIntolerance',
          id: str(a.id),
          code: concept(a),
          criticality: ['low', 'high', 'unable-to-assess'].includes(str(a.criticality) ?? '')
            ? a.criticality
            : undefined,
          patient: subject,
        }),
        'recordedDate',
        a.recordedDate,
      ) as FhirJson,
    );
  for (const p of list(view.procedure))
    out.push(
      withDate(
        compact({
          resourceType: 'Procedure',
          id: str(p.id),
          status: str(p.status) ?? 'unknown',
          code: concept(p),
          subject,
        }),
        'performedDateTime',
        p.performed,
      ) as FhirJson,
    );
  const imaging = obj(view.imaging) ?? {};
  for (const o of [...list(view.order), ...list(imaging.order)])
    out.push(
      withDate(
        compact({
          resourceType: 'ServiceRequest',
          id: str(o.id),
          status: str(o.status) ?? 'unknown',
          intent: 'order',
          category: textConcept(o.category) ? [textConcept(o.category)] : undefined,
          code: concept(o),
          subject,
          performer: str(o.performerId) ? [ref('Organization', o.performerId)] : undefined,
        }),
        'authoredOn',
        o.authoredOn,
      ) as FhirJson,
    );
  for (const s of list(imaging.study)) {
    const r = compact({
      resourceType: 'ImagingStudy',
      id: str(s.id),
      status: 'available',
      subject,
      basedOn: str(s.orderId) ? [ref('ServiceRequest', s.orderId)] : undefined,
      modality: str(s.modality) ? [{ system: DCM, code: s.modality }] : undefined,
      description: str(s.description),
      numberOfSeries: num(s.series),
      numberOfInstances: num(s.instances),
    }) as FhirJson;
    withDate(r, 'started', s.started);
    out.push(r);
  }
  for (const rep of list(imaging.report)) out.push(reportOf(rep, subject, 'RAD'));
  const billing = obj(view.billing) ?? {};
  const claims = new Map<string, FhirJson>();
  const claimOf = (id: unknown): FhirJson | undefined => {
    const key = str(id);
    if (!key) return undefined;
    let c = claims.get(key);
    if (!c) {
      c = { resourceType: 'Claim', id: key, status: 'active', use: 'claim', patient: subject };
      claims.set(key, c);
      out.push(c);
    }
    return c;
  };
  for (const b of list(billing.codes)) {
    const c = claimOf(b.id);
    const codes = Array.isArray(b.codes) ? b.codes.filter((x) => str(x)) : [];
    if (c)
      c.item = codes.map((code, i) => ({
        sequence: i + 1,
        productOrService: { coding: [{ code }] },
      }));
  }
  for (const b of list(billing.amounts)) {
    const c = claimOf(b.id);
    const value = num(b.value);
    if (c && value !== undefined) c.total = compact({ value, currency: str(b.currency) });
  }
  for (const v of list(billing.insurance))
    out.push(
      compact({
        resourceType: 'Coverage',
        id: str(v.id),
        status: str(v.status) ?? 'active',
        type: textConcept(v.type),
        subscriberId: str(v.subscriberId),
        beneficiary: subject,
        payor: [{ display: 'withheld' }],
      }) as FhirJson,
    );
  return out;
}

function reportOf(o: Obj, subject: Obj, category: 'LAB' | 'RAD'): FhirJson {
  const r = compact({
    resourceType: 'DiagnosticReport',
    id: str(o.id),
    status: str(o.status) ?? 'unknown',
    category: [{ coding: [{ system: V2_0074, code: category }] }],
    code: concept(o) ?? { text: 'unknown' },
    subject,
    conclusion: str(o.conclusion),
  }) as FhirJson;
  primitive(r, 'issued', o.issued, (s) => DATE_TIME.test(s) && s.includes('T'));
  return r;
}

/** Resources of `d` of one FHIR type (Patient, Condition …). */
export function fhirResourcesOfType(d: DisclosedRecord, type: string): FhirJson[] {
  return toFhirResources(d).filter((r) => r.resourceType === type);
}

/** A masked search candidate as a Patient resource (only the fields the candidate carries). */
export function candidateToFhirPatient(c: SearchCandidate): FhirJson {
  const p: FhirJson = { resourceType: 'Patient', id: c.patientId };
  const identifier: Obj[] = [];
  if (c.idNumberTail) identifier.push({ system: NATIONAL_ID_SYSTEM, value: c.idNumberTail });
  if (c.mrn) identifier.push({ type: { coding: [{ system: V2_0203, code: 'MR' }] }, value: c.mrn });
  p.identifier = identifier;
  if (c.name) p.name = [{ text: c.name }];
  primitive(p, 'gender', c.sex, (s) => GENDERS.has(s));
  primitive(p, 'birthDate', c.birthYear, (s) => DATE.test(s));
  return compact(p);
}

/**
 * A searchset Bundle of resources disclosed under one ledger entry; the bundle's tag carries the
 * watermark token of that entry (the client must show or embed it with the data).
 */
export function toSearchsetBundle(
  resources: readonly FhirJson[],
  opts: { baseUrl: string; token: string; now: Date },
): FhirJson {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    meta: {
      lastUpdated: opts.now.toISOString(),
      tag: [{ system: WATERMARK_TAG_SYSTEM, code: opts.token }],
      security: [{ system: OBS_VALUE, code: 'MASKED' }],
    },
    total: resources.length,
    entry: resources.map((r) => ({
      fullUrl: `${opts.baseUrl}/${r.resourceType}/${r.id ?? ''}`,
      resource: r,
      search: { mode: 'match' },
    })),
  };
}

/** Fields of a FHIR type (for the minimum-necessary `requested` of a type-scoped read). */
export function fieldsOfFhirType(type: string): Category[] | undefined {
  const f = FHIR_TYPE_FIELDS[type];
  return f ? [...f] : undefined;
}
