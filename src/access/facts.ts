/**
 * The facts a decision needs, looked up from the vault without reading any disclosed field: the
 * patient's clear metadata (existence, confidentiality, encounters), the classification labels
 * (sensitive categories), the patient's Consent restrictions (policy input, never disclosed),
 * the staff member's departments and their care relationships with the patient.
 */
import type { Kysely } from 'kysely';
import {
  getCareRelationships,
  getCareRelationshipsWithEncounters,
  getStaffDepartments,
  readDisclosureFacts,
  type SealedBody,
  readLabels,
  readResources,
  type CareRelationship,
  type ClearResource,
  type FhirResource,
  type PatientLabels,
  type Vault,
  type VaultTables,
} from '../vault/index.ts';
import { isField, isSensitiveCategory } from '../policy/index.ts';
import type {
  Category,
  Confidentiality,
  ConsentRestrictions,
  PatientFacts,
  RelationshipFact,
  RelationshipKind,
  SensitiveCategory,
} from '../policy/index.ts';

/** One resource of the patient's compartment as clear metadata (no decryption). */
export type ClearRow = ClearResource;

/** Everything known about a patient before any field is read. */
export interface PatientContext {
  patientId: string;
  rows: ClearRow[];
  labels: PatientLabels;
  facts: PatientFacts;
}

const toDate = (v: Date | string | null): Date | null =>
  v === null ? null : v instanceof Date ? v : new Date(v);

/** Clear metadata of every resource of the patient's compartment; empty when unknown. */
export async function loadClearRows(
  db: Kysely<VaultTables>,
  tenant: string,
  patientId: string,
): Promise<ClearRow[]> {
  const rows = await db
    .selectFrom('vault_resource')
    .select([
      'resource_type',
      'id',
      'status',
      'category',
      'confidentiality',
      'organization_id',
      'period_start',
      'period_end',
      'version_id',
      'last_updated',
    ])
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .execute();
  return rows.map((r) => ({
    resourceType: r.resource_type,
    id: r.id,
    status: r.status,
    category: r.category,
    confidentiality: r.confidentiality,
    organizationId: r.organization_id,
    periodStart: toDate(r.period_start),
    periodEnd: toDate(r.period_end),
    versionId: r.version_id,
    lastUpdated: toDate(r.last_updated) ?? new Date(0),
  }));
}

/** HL7 v3 confidentiality → the policy's N/R/V (U, L, M and absent count as N). */
export function confidentialityOf(code: string | null | undefined): Confidentiality {
  return code === 'R' || code === 'V' ? code : 'N';
}

/** HL7 v3 ActCode sensitivity labels (Consent.provision.securityLabel) → sensitive categories. */
const SECURITY_LABELS: Readonly<Record<string, SensitiveCategory>> = {
  PSY: 'psychiatry',
  PSYTHPN: 'psychiatry',
  SEX: 'reproductive',
  SDV: 'reproductive',
  HIV: 'hiv-sti',
  STD: 'hiv-sti',
  SUD: 'substance',
  ETH: 'substance',
  ETHUD: 'substance',
  OPIOIDUD: 'substance',
  GDIS: 'genetics',
};

type Obj = Record<string, unknown>;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const codesOf = (cc: unknown): string[] =>
  arr(cc).flatMap((c) => {
    const o = obj(c);
    if (!o) return [];
    if (typeof o.code === 'string') return [o.code];
    return arr(o.coding).flatMap((x) => {
      const code = obj(x)?.code;
      return typeof code === 'string' ? [code] : [];
    });
  });

function inPeriod(p: unknown, now: Date): boolean {
  const o = obj(p);
  if (!o) return true;
  const start = typeof o.start === 'string' ? Date.parse(o.start) : Number.NaN;
  const end = typeof o.end === 'string' ? Date.parse(o.end) : Number.NaN;
  if (Number.isFinite(start) && start > now.getTime()) return false;
  if (Number.isFinite(end) && end < now.getTime()) return false;
  return true;
}

/**
 * The restrictions of a patient's active FHIR Consents at `now`:
 * - scope `research` with a `deny` provision → research opt-out;
 * - a `deny` provision naming Practitioner actors (and no data) → those staff are barred;
 * - a `deny` provision with security labels (PSY, SEX, HIV, SUD, GDIS …) or classes/codes naming
 *   fields or categories of the vocabulary (`diagnosis`, `contact.phone`, `psychiatry`) → hidden.
 * Unknown codes are ignored: a restriction Custos cannot read never widens access.
 */
export function consentRestrictionsOf(
  consents: readonly FhirResource[],
  now: Date,
): ConsentRestrictions {
  const hidden = new Set<Category>();
  const blocked = new Set<string>();
  let researchOptOut = false;
  for (const c of consents) {
    if (c.status !== 'active') continue;
    const scope = codesOf(c.scope);
    const top = obj(c.provision);
    if (!top) continue;
    if (!inPeriod(top.period, now)) continue;
    if (scope.includes('research')) {
      if (top.type === 'deny') researchOptOut = true;
      continue;
    }
    const visit = (p: Obj, inherited: string): void => {
      if (!inPeriod(p.period, now)) return;
      const type = typeof p.type === 'string' ? p.type : inherited;
      if (type === 'deny') {
        const data: Category[] = [];
        for (const code of codesOf(p.securityLabel)) {
          const cat = SECURITY_LABELS[code.toUpperCase()];
          if (cat) data.push(cat);
        }
        for (const code of [...codesOf(p.class), ...codesOf(p.code)]) {
          if (isField(code) || isSensitiveCategory(code)) data.push(code);
        }
        const actors: string[] = [];
        for (const a of arr(p.actor)) {
          const ref = obj(obj(a)?.reference)?.reference;
          const m = typeof ref === 'string' ? /^Practitioner\/([A-Za-z0-9._:-]+)$/.exec(ref) : null;
          if (m) actors.push(m[1]!);
        }
        for (const d of data) hidden.add(d);
        // A bar on named staff without data restriction closes the whole record to them; with
        // data restrictions the data is hidden for everyone (the stricter reading).
        if (data.length === 0) for (const a of actors) blocked.add(a);
      }
      for (const child of arr(p.provision)) {
        const o = obj(child);
        if (o) visit(o, type);
      }
    };
    visit(top, 'permit');
  }
  return {
    hiddenSections: [...hidden].sort(),
    blockedStaffIds: [...blocked].sort(),
    researchOptOut,
  };
}

/**
 * Caches a patient's summarised labels under a fingerprint of the record's clear rows (ids,
 * versions, update times): any write changes the fingerprint, so a hit is never stale.
 */
export class LabelCache {
  readonly #max: number;
  readonly #map = new Map<string, { fingerprint: string; labels: PatientLabels }>();

  constructor(max = 2048) {
    this.#max = max;
  }

  get(key: string, fingerprint: string): PatientLabels | undefined {
    const hit = this.#map.get(key);
    if (!hit || hit.fingerprint !== fingerprint) return undefined;
    this.#map.delete(key);
    this.#map.set(key, hit);
    return hit.labels;
  }

  set(key: string, fingerprint: string, labels: PatientLabels): void {
    this.#map.delete(key);
    this.#map.set(key, { fingerprint, labels });
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }
}

/** The labels of the record's resources, summarised (one query; data keys come from the cache). */
async function loadLabels(
  vault: Vault,
  tenant: string,
  rows: readonly ClearRow[],
  patient: ClearRow,
): Promise<PatientLabels> {
  const labels = await readLabels(
    vault,
    tenant,
    rows.map((r) => ({ resourceType: r.resourceType, id: r.id })),
  );
  const all = new Set<SensitiveCategory>();
  let maxGrade = 1;
  const byResource: Record<string, SensitiveCategory[]> = {};
  for (const [ref, l] of labels) {
    const cats = l.sensitive.filter(isSensitiveCategory);
    cats.forEach((c) => all.add(c));
    if (l.grade > maxGrade) maxGrade = l.grade;
    if (cats.length > 0) byResource[ref] = cats;
  }
  return {
    sensitive: [...all].sort(),
    maxGrade: maxGrade as PatientLabels['maxGrade'],
    confidentiality: patient.confidentiality,
    byResource,
  };
}

/**
 * The patient context: clear rows (none → the patient does not exist), labels and the facts the
 * policy needs. Consent resources are decrypted here as policy input; they are never disclosed.
 */
export async function loadPatientContext(
  vault: Vault,
  tenant: string,
  patientId: string,
  now: Date,
  cache?: LabelCache,
): Promise<PatientContext | null> {
  const rows = await loadClearRows(vault.db, tenant, patientId);
  return contextOf(vault, tenant, patientId, rows, now, cache);
}

/** Relationship facts of a staff member with a patient, as the policy takes them. */
export interface RelationshipFacts {
  relationships: RelationshipFact[];
  admittedDepartmentIds: string[];
}

/**
 * The patient context and the staff member's relationships with the patient: the clear rows,
 * the care-graph links and the still-sealed bodies in one statement (then labels from the cache,
 * Consents if any). Null when the patient does not exist. Nothing is decrypted for disclosure:
 * the sealed bodies are opened by `readPlanned` once the decision is ledgered.
 */
export async function loadDisclosureContext(
  vault: Vault,
  tenant: string,
  patientId: string,
  staffId: string,
  departments: readonly string[],
  now: Date,
  cache?: LabelCache,
): Promise<{
  ctx: PatientContext;
  rels: RelationshipFacts;
  sealed: ReadonlyMap<string, SealedBody>;
} | null> {
  const facts = await readDisclosureFacts(vault.db, tenant, patientId, staffId, now, departments);
  const ctx = await contextOf(vault, tenant, patientId, facts.rows, now, cache);
  if (!ctx) return null;
  return { ctx, rels: relationshipFactsOf(facts.relationships, now), sealed: facts.sealed };
}

async function contextOf(
  vault: Vault,
  tenant: string,
  patientId: string,
  rows: ClearRow[],
  now: Date,
  cache?: LabelCache,
): Promise<PatientContext | null> {
  const patient = rows.find((r) => r.resourceType === 'Patient' && r.id === patientId);
  if (!patient) return null;
  const consentRefs = rows
    .filter((r) => r.resourceType === 'Consent' && r.status !== 'inactive')
    .map((r) => ({ resourceType: 'Consent', id: r.id }));
  const fingerprint = rows
    .map((r) => `${r.resourceType}/${r.id}@${r.versionId}@${r.lastUpdated.getTime()}`)
    .sort()
    .join('|');
  const key = `${tenant}|${patientId}`;
  const cached = cache?.get(key, fingerprint);
  const [labels, consents] = await Promise.all([
    cached ??
      loadLabels(vault, tenant, rows, patient).then((l) => {
        cache?.set(key, fingerprint, l);
        return l;
      }),
    consentRefs.length > 0
      ? readResources(vault, tenant, consentRefs, { sections: ['admin', 'clinical'] })
      : Promise.resolve([]),
  ]);
  let lastEncounter = Number.NaN;
  for (const r of rows) {
    if (r.resourceType !== 'Encounter') continue;
    const t = (r.periodEnd ?? r.periodStart)?.getTime();
    if (t !== undefined && !(t <= lastEncounter)) lastEncounter = t;
  }
  const facts: PatientFacts = {
    patientId,
    confidentiality: confidentialityOf(patient.confidentiality ?? labels.confidentiality),
    admittedDepartmentIds: [],
    sensitiveCategories: labels.sensitive.filter(isSensitiveCategory),
    restrictions: consentRestrictionsOf(
      consents.map((c) => c.resource),
      now,
    ),
  };
  if (Number.isFinite(lastEncounter))
    facts.lastEncounterAt = new Date(Math.min(lastEncounter, now.getTime())).toISOString();
  return { patientId, rows, labels, facts };
}

/** Departments a staff member belongs to now: the identity department and PractitionerRoles. */
export async function loadStaffDepartments(
  vault: Vault,
  tenant: string,
  staffId: string,
  identityDepartment: string | null,
  now: Date,
): Promise<string[]> {
  const out = new Set<string>();
  if (identityDepartment) out.add(identityDepartment);
  for (const d of await getStaffDepartments(vault.db, tenant, staffId, now))
    out.add(d.organizationId);
  return [...out].sort();
}

const CANCELLED = new Set(['cancelled', 'entered-in-error', 'revoked', 'noshow']);

/** The policy's relationship kind of a care-graph relationship (null: not a relationship). */
function kindOf(r: CareRelationship, current: boolean): RelationshipKind | null {
  switch (r.kind) {
    case 'encounter-participant':
      return current ? 'active-encounter' : 'attending';
    case 'care-team-member':
      return 'care-team';
    case 'department-encounter':
    case 'department-care-team':
      return 'in-department';
    case 'order-requester':
    case 'order-performer':
    case 'department-order':
    case 'performer':
      return 'order';
    case 'referral':
      return 'referral';
    case 'appointment':
      return 'appointment';
    case 'author':
    case 'general-practitioner':
      return 'attending';
    case 'admitted-in-department':
      // Passed as the patient's admitted departments; the engine adds `in-department`.
      return null;
  }
}

/**
 * The staff member's relationships with the patient as policy facts, and the departments the
 * patient is admitted to among the staff member's. Pass the patient's clear `rows` (all of
 * them, as `loadClearRows` returns) to save two queries. Periods are passed as they are: the policy
 * applies its own window (default 72 h) around them.
 */
export async function loadRelationships(
  vault: Vault,
  tenant: string,
  patientId: string,
  staffId: string,
  departments: readonly string[],
  now: Date,
  rows?: readonly ClearRow[],
): Promise<RelationshipFacts> {
  // With the patient's clear rows at hand, one query (links) instead of three.
  const rels = rows
    ? await getCareRelationshipsWithEncounters(
        vault.db,
        tenant,
        patientId,
        staffId,
        now,
        departments,
        rows
          .filter((r) => r.resourceType === 'Encounter')
          .map((r) => ({
            id: r.id,
            organizationId: r.organizationId,
            status: r.status,
            category: r.category,
            periodStart: r.periodStart,
            periodEnd: r.periodEnd,
          })),
      )
    : await getCareRelationships(vault.db, tenant, patientId, staffId, now, { departments });
  return relationshipFactsOf(rels, now);
}

/** Care-graph relationships → the policy's relationship facts and admitted departments. */
function relationshipFactsOf(rels: readonly CareRelationship[], now: Date): RelationshipFacts {
  const out: RelationshipFact[] = [];
  const admitted = new Set<string>();
  const seen = new Set<string>();
  for (const r of rels) {
    if (r.status !== null && CANCELLED.has(r.status)) continue;
    if (r.kind === 'admitted-in-department') {
      if (r.organizationId) admitted.add(r.organizationId);
      continue;
    }
    const kind = kindOf(r, r.current);
    if (!kind) continue;
    const sourceId = `${r.resourceType}/${r.resourceId}`;
    const key = `${kind}|${sourceId}`;
    if (seen.has(key)) continue;
    let at = r.periodStart;
    let endedAt = r.periodEnd;
    if (!at) {
      // No start known: a current link counts from now; a finished one without dates is unknown.
      if (!r.current && !endedAt) continue;
      at = endedAt && endedAt < now ? endedAt : now;
    }
    if (
      !r.current &&
      !endedAt &&
      r.status !== null &&
      !['scheduled', 'booked', 'planned', 'proposed', 'pending', 'draft', 'active'].includes(
        r.status,
      )
    ) {
      // Finished (terminal status) without an end date: it ended when it started.
      endedAt = at;
    }
    seen.add(key);
    const fact: RelationshipFact = { kind, sourceId, at: at.toISOString() };
    if (endedAt) fact.endedAt = endedAt.toISOString();
    out.push(fact);
  }
  return { relationships: out, admittedDepartmentIds: [...admitted].sort() };
}
