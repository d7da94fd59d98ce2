/**
 * The vault reads of one record disclosure, one statement in all:
 * - `readDisclosureFacts`: the patient's clear rows and the care-graph links of one staff member
 *   (personally or through their departments) together, with the sealed bodies still
 *   encrypted;
 * - `openDisclosedSections`: decrypts of the planned resources only the field classes each
 *   resource type was allowed (`readDisclosedSections` reads and opens them in one go).
 * The care-graph mapping is shared with `getCareRelationshipsWithEncounters` (a test compares
 * them for every staff member and patient of the access fixture).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { DataKey } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import {
  ADMITTED_STATUSES,
  covers,
  departmentKind,
  INPATIENT_CLASSES,
  linkRelation,
  personalKind,
  TERMINAL,
  toDate,
  type CareRelationship,
  type CareRelationshipKind,
} from './care-graph.ts';
import type { FhirResource } from './fhir-model.ts';
import { openResourceBody } from './open-body.ts';
import type { VaultTables } from './schema.ts';
import { dataKeysById, type Vault } from './vault.ts';

/** One resource of a patient's compartment as clear columns (nothing decrypted). */
export interface ClearResource {
  resourceType: string;
  id: string;
  status: string | null;
  category: string | null;
  confidentiality: string | null;
  organizationId: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  versionId: number;
  lastUpdated: Date;
}

/** A resource's sealed body as stored: opened only after the decision and its ledger entry. */
export interface SealedBody {
  body: Buffer;
  keyId: string;
}

/** What a disclosure decision needs from the vault before any field is read. */
export interface DisclosureFacts {
  /** Every resource of the patient's compartment (empty: the patient is unknown). */
  rows: ClearResource[];
  /** The staff member's care relationships with the patient, as `getCareRelationships` gives. */
  relationships: CareRelationship[];
  /**
   * Each resource's sealed body by `Type/id`, fetched in the same round trip and still
   * encrypted: `openDisclosedSections` decrypts only what a decision allowed, after the
   * disclosure is ledgered.
   */
  sealed: Map<string, SealedBody>;
}

// Clear rows with their sealed bodies and the staff member's links in one statement. A link's
// resource is in the same patient's compartment (links carry their resource's patient), so its
// status and category come from the clear rows instead of a join. A resource row's clear columns
// come packed as stored (`vault_resource.meta`, `ResourceTuple` order; the embedded database's
// cost is per field and per function call far more than per byte); a link row has no body.
const FACTS_SQL = `select meta as m, body
  from vault_resource
  where tenant_id = $1 and patient_id = $2
  union all
  select json_build_array(resource_type, resource_id, organization_id, period_start, period_end,
    kind, practitioner_id)::text, null::bytea
  from vault_link
  where tenant_id = $1 and patient_id = $2
    and (practitioner_id = $3 or organization_id = any($4::text[]))`;

/** `vault_resource.meta`, as packed by the schema (`PACKED_META`). */
type ResourceTuple = [
  resourceType: string,
  id: string,
  patientId: string | null,
  encounterId: string | null,
  organizationId: string | null,
  status: string | null,
  category: string | null,
  confidentiality: string | null,
  periodStart: string | null,
  periodEnd: string | null,
  dataCategory: string | null,
  baseGrade: number | null,
  versionId: number,
  lastUpdated: string,
  keyId: string,
];

type LinkTuple = [
  resourceType: string,
  resourceId: string,
  organizationId: string | null,
  periodStart: string | null,
  periodEnd: string | null,
  kind: string | null,
  practitionerId: string | null,
];

interface FactsRow {
  m: string;
  body: Buffer | Uint8Array | null;
}

/**
 * The patient's clear rows and the staff member's care relationships with them at `at`, in one
 * round trip. `departments` are the staff member's departments now; "admitted in one of them"
 * comes from the patient's inpatient encounters among the clear rows.
 */
export async function readDisclosureFacts(
  db: Kysely<VaultTables>,
  tenant: string,
  patientId: string,
  staffId: string,
  at: Date,
  departments: readonly string[],
): Promise<DisclosureFacts> {
  const res = await db.executeQuery<FactsRow>(
    CompiledQuery.raw(FACTS_SQL, [tenant, patientId, staffId, [...departments]]),
  );
  const depts = new Set(departments);
  const rows: ClearResource[] = [];
  const links: LinkTuple[] = [];
  const sealed = new Map<string, SealedBody>();
  // Every row's packed columns in one parse (a parse per row cost more than the text).
  let packed = '[';
  for (let i = 0; i < res.rows.length; i++)
    packed += i === 0 ? res.rows[i]!.m : `,${res.rows[i]!.m}`;
  const tuples = JSON.parse(`${packed}]`) as (ResourceTuple | LinkTuple)[];
  for (let i = 0; i < res.rows.length; i++) {
    const r = res.rows[i]!;
    if (r.body === null) {
      links.push(tuples[i] as LinkTuple);
      continue;
    }
    const t = tuples[i] as ResourceTuple;
    const [resourceType, id, , , organizationId, status, category, confidentiality] = t;
    sealed.set(`${resourceType}/${id}`, {
      body: Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body),
      keyId: t[14],
    });
    rows.push({
      resourceType,
      id,
      status,
      category,
      confidentiality,
      organizationId,
      periodStart: toDate(t[8]),
      periodEnd: toDate(t[9]),
      versionId: Number(t[12]),
      lastUpdated: toDate(t[13]) ?? new Date(0),
    });
  }
  const byRef = new Map(rows.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const personal: CareRelationship[] = [];
  const department: CareRelationship[] = [];
  for (const [lType, lId, lOrg, lStart, lEnd, lKind, lPractitioner] of links) {
    // The link's resource (absent: a link without its resource counts for nothing).
    const res = byRef.get(`${lType}/${lId}`);
    if (!res || lKind === null) continue;
    const relation = (kind: CareRelationshipKind, via: CareRelationship['via']) =>
      linkRelation(kind, via, lType, lId, lOrg, toDate(lStart), toDate(lEnd), res.status, at);
    // A link matching both personally and through a department is reported under both.
    if (lPractitioner === staffId) {
      const k = personalKind(lKind, lType, res.category);
      if (k) personal.push(relation(k, 'practitioner'));
    }
    if (lOrg !== null && depts.has(lOrg)) {
      const k = departmentKind(lKind, lType, res.category);
      if (k) department.push(relation(k, 'department'));
    }
  }
  const relationships = [...personal, ...department];
  for (const e of rows) {
    if (
      e.resourceType === 'Encounter' &&
      e.organizationId !== null &&
      depts.has(e.organizationId) &&
      e.category !== null &&
      INPATIENT_CLASSES.includes(e.category) &&
      e.status !== null &&
      ADMITTED_STATUSES.includes(e.status) &&
      covers(e.periodStart, e.periodEnd, at)
    )
      relationships.push({
        kind: 'admitted-in-department',
        via: 'department',
        resourceType: 'Encounter',
        resourceId: e.id,
        organizationId: e.organizationId,
        status: e.status,
        periodStart: e.periodStart,
        periodEnd: e.periodEnd,
        current: !TERMINAL.has(e.status),
      });
  }
  return { rows, relationships, sealed };
}

// Exactly the planned rows among the patient's, in one statement of constant text. Only what
// decryption needs is fetched: the caller has the clear columns already.
const SECTIONS_SQL = `select resource_type, id, body, key_id
  from vault_resource
  where tenant_id = $1 and patient_id = $2 and resource_type = any($3::text[])
    and (resource_type || '/' || id) = any($4::text[])`;

interface SectionsRow {
  resource_type: string;
  id: string;
  body: Buffer | Uint8Array;
  key_id: string;
}

/** A resource decrypted for a disclosure: only the sections its type was allowed. */
export interface DisclosedResource {
  resourceType: string;
  id: string;
  resource: FhirResource;
}

/**
 * Reads the patient's resources named in `refs` (others, or those of another patient, are left
 * out) in one statement and decrypts of each only the field classes `sectionsByType` gives its
 * resource type (a type absent from it is not read). CUSTOS_NOT_FOUND (extra.shredded) when a
 * resource's data key was destroyed; CUSTOS_CRYPTO_FAILURE when a ciphertext was tampered with.
 */
export async function readDisclosedSections(
  vault: Vault,
  tenant: string,
  patientId: string,
  refs: readonly { resourceType: string; id: string }[],
  sectionsByType: ReadonlyMap<string, readonly string[]>,
): Promise<DisclosedResource[]> {
  const types = new Set<string>();
  const wanted: string[] = [];
  for (const r of refs) {
    if (!sectionsByType.has(r.resourceType)) continue;
    types.add(r.resourceType);
    wanted.push(`${r.resourceType}/${r.id}`);
  }
  if (wanted.length === 0) return [];
  const res = await vault.db.executeQuery<SectionsRow>(
    CompiledQuery.raw(SECTIONS_SQL, [tenant, patientId, [...types], wanted]),
  );
  const sealed = new Map<string, SealedBody>();
  for (const r of res.rows)
    sealed.set(`${r.resource_type}/${r.id}`, {
      body: Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body),
      keyId: r.key_id,
    });
  return openDisclosedSections(vault, tenant, sealed, refs, sectionsByType);
}

/**
 * Decrypts, of the sealed bodies in `sealed` (as `readDisclosureFacts` fetched them), those
 * named in `refs`, each only in the field classes `sectionsByType` gives its resource type (a
 * type absent from it is not opened). The same errors as `readDisclosedSections`.
 */
export async function openDisclosedSections(
  vault: Vault,
  tenant: string,
  sealed: ReadonlyMap<string, SealedBody>,
  refs: readonly { resourceType: string; id: string }[],
  sectionsByType: ReadonlyMap<string, readonly string[]>,
): Promise<DisclosedResource[]> {
  const chosen: { resourceType: string; id: string; ref: string; sealed: SealedBody }[] = [];
  for (const r of refs) {
    if (!sectionsByType.has(r.resourceType)) continue;
    const ref = `${r.resourceType}/${r.id}`;
    const s = sealed.get(ref);
    if (s) chosen.push({ resourceType: r.resourceType, id: r.id, ref, sealed: s });
  }
  if (chosen.length === 0) return [];
  const keys = await dataKeysById(
    vault,
    tenant,
    chosen.map((c) => c.sealed.keyId),
  );
  return chosen.map(({ resourceType, id, ref, sealed: { body, keyId } }) => {
    const dek = keyOf(keys, keyId, ref);
    const allow = sectionsByType.get(resourceType)!;
    const resource = openResourceBody(tenant, resourceType, id, ref, body, dek, allow);
    return { resourceType, id, resource };
  });
}

function keyOf(keys: Map<string, DataKey | CustosError>, keyId: string, what: string): DataKey {
  const k = keys.get(keyId);
  if (k instanceof CustosError) {
    throw k.code === ErrorCode.NotFound
      ? new CustosError(ErrorCode.NotFound, `${what} was destroyed (its data key was shredded)`, {
          shredded: true,
        })
      : k;
  }
  if (!k) throw new CustosError(ErrorCode.StoreDamaged, `data key of ${what} is missing`);
  return k;
}
