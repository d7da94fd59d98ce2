/**
 * Writing and reading resources: batch writes with multi-row inserts (the bulk-load path), reads
 * that decrypt only the requested field classes, blind-index lookups and classification labels.
 */
import { CompiledQuery, sql } from 'kysely';
import { openField, sealField, type DataKey } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { frameSections } from './body.ts';
import { openResourceBody } from './open-body.ts';
import {
  categoriesOfCodings,
  categoriesOfDepartment,
  classificationOf,
  collectCodings,
  fieldClassOf,
  gradeOf,
  type DataCategory,
  type Grade,
  type SensitiveCategory,
} from './classification.ts';
import {
  departmentTexts,
  extractResource,
  parseReference,
  validateResource,
  type Extracted,
  type FhirResource,
  type ReferenceResolver,
  type ResourceIssue,
} from './fhir-model.ts';
import { refsFilter, unnestRows, type UnnestType } from './sql-util.ts';
import {
  blindIndexOf,
  dataKeysById,
  ensureDataKeys,
  ensureTenant,
  inTransaction,
  indexKeyOf,
  type KeyRow,
  type Vault,
} from './vault.ts';

const TABLE = 'vault_resource';
const CHUNK = 1000;

/** Columns of the three tables a batch write fills, with their types (see `unnestRows`). */
const RESOURCE_COLUMNS = [
  ['tenant_id', 'text'],
  ['resource_type', 'text'],
  ['id', 'text'],
  ['patient_id', 'text'],
  ['owner', 'text'],
  ['key_id', 'text'],
  ['encounter_id', 'text'],
  ['organization_id', 'text'],
  ['status', 'text'],
  ['category', 'text'],
  ['confidentiality', 'text'],
  ['period_start', 'timestamptz'],
  ['period_end', 'timestamptz'],
  ['data_category', 'text'],
  ['base_grade', 'smallint'],
  ['version_id', 'integer'],
  ['last_updated', 'timestamptz'],
  ['body', 'bytea'],
  ['labels', 'bytea'],
] as const satisfies readonly (readonly [string, UnnestType])[];
const LINK_COLUMNS = [
  ['tenant_id', 'text'],
  ['resource_type', 'text'],
  ['resource_id', 'text'],
  ['seq', 'smallint'],
  ['patient_id', 'text'],
  ['kind', 'text'],
  ['practitioner_id', 'text'],
  ['organization_id', 'text'],
  ['period_start', 'timestamptz'],
  ['period_end', 'timestamptz'],
] as const satisfies readonly (readonly [string, UnnestType])[];
const INDEX_COLUMNS = [
  ['tenant_id', 'text'],
  ['kind', 'text'],
  ['hash', 'bytea'],
  ['resource_type', 'text'],
  ['resource_id', 'text'],
] as const satisfies readonly (readonly [string, UnnestType])[];
const names = <T extends readonly (readonly [string, UnnestType])[]>(cols: T) =>
  cols.map(([n]) => n) as { [K in keyof T]: T[K][0] };

/** Classification labels of a stored resource (kept encrypted; read by policy and masking). */
export interface ResourceLabels {
  category: DataCategory;
  /** Highest grade of the resource's field classes. */
  grade: Grade;
  sensitive: SensitiveCategory[];
  /** Category and grade of each stored field class. */
  sections: Record<string, { category: DataCategory; grade: Grade }>;
}

/** Summary of a batch write. */
export interface WriteResult {
  written: number;
  created: number;
  updated: number;
  /** References whose target is neither in the batch nor in the vault (kept as written). */
  unresolved: { resource: string; path: string; reference: string }[];
  /** Per resource (`Type/id`): created or replaced, and its new version. */
  results: { ref: string; created: boolean; versionId: number }[];
}

/** Options of `writeResources`. */
export interface WriteOptions {
  /** Rewrite references inside the given objects instead of copies (bulk import: saves a copy). */
  mutate?: boolean;
  /** Check that literal references point to stored resources (default true). */
  checkReferences?: boolean;
}

const refKey = (type: string, id: string) => `${type}/${id}`;

function isLogicalRef(o: Record<string, unknown>): boolean {
  const idf = o.identifier;
  if (idf === null || typeof idf !== 'object' || Array.isArray(idf)) return false;
  return Object.keys(o).every(
    (k) =>
      k === 'identifier' ||
      k === 'display' ||
      k === 'type' ||
      k === 'reference' ||
      k === 'extension',
  );
}

/** Every reference-like object (literal, conditional, or logical by identifier) in a value. */
function referenceObjects(
  value: unknown,
  out: Record<string, unknown>[] = [],
): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const v of value) referenceObjects(v, out);
  else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.reference === 'string' || isLogicalRef(o)) out.push(o);
    for (const [k, v] of Object.entries(o))
      if (k !== 'contained' && typeof v === 'object') referenceObjects(v, out);
  }
  return out;
}

/** Logical target type of a reference object found at a known place without a `type`. */
const LOGICAL_TYPES: Record<string, string> = {
  practitioner: 'Practitioner',
  organization: 'Organization',
  location: 'Location',
};

function throwIssues(issues: ResourceIssue[]): never {
  throw new CustosError(
    ErrorCode.InputInvalid,
    issues.map((i) => `${i.expression}: ${i.diagnostics}`).join('; '),
    { issues },
  );
}

/**
 * Stores a batch of FHIR resources (each with an id) in one transaction: validates them, resolves
 * references (batch first, then the vault; conditional and logical references by identifier are
 * rewritten to literal ones), derives classification, encrypts every field class under the
 * owner's data key and writes with multi-row inserts. An existing resource is replaced.
 */
export async function writeResources(
  vault: Vault,
  tenant: string,
  resources: readonly FhirResource[],
  options: WriteOptions = {},
): Promise<WriteResult> {
  if (resources.length === 0)
    return { written: 0, created: 0, updated: 0, unresolved: [], results: [] };
  const issues: ResourceIssue[] = [];
  resources.forEach((r, i) => {
    issues.push(...validateResource(r, `[${i}]`));
    if (typeof r?.id !== 'string')
      issues.push({
        severity: 'error',
        code: 'required',
        expression: `[${i}].id`,
        diagnostics: 'id is required to store a resource',
      });
  });
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throwIssues(errors);
  const batch = (options.mutate ? resources : structuredClone(resources)) as (FhirResource & {
    id: string;
  })[];
  const seen = new Set<string>();
  for (const r of batch) {
    const k = refKey(r.resourceType, r.id);
    if (seen.has(k))
      throw new CustosError(ErrorCode.InputInvalid, `${k} appears twice in one batch`);
    seen.add(k);
  }
  return inTransaction(vault, (v) => writeBatch(v, tenant, batch, options));
}

async function writeBatch(
  vault: Vault,
  tenant: string,
  batch: (FhirResource & { id: string })[],
  options: WriteOptions,
): Promise<WriteResult> {
  await ensureTenant(vault, tenant);
  const indexKey = await indexKeyOf(vault, tenant);
  const db = vault.db;

  // 1. Reference resolution: batch first, then identifiers and roles from the vault.
  const inBatch = new Set(batch.map((r) => refKey(r.resourceType, r.id)));
  const byIdentifier = new Map<string, string>();
  for (const r of batch) {
    for (const idf of Array.isArray(r.identifier) ? r.identifier : []) {
      const o = idf as { system?: unknown; value?: unknown };
      if (typeof o?.value === 'string')
        byIdentifier.set(
          `${r.resourceType}|${typeof o.system === 'string' ? o.system : ''}|${o.value}`,
          r.id,
        );
    }
  }
  const refsOf = new Map<FhirResource, Record<string, unknown>[]>();
  const wantedIdentifiers = new Map<string, { type: string; system: string; value: string }>();
  for (const r of batch) {
    const objs = referenceObjects(r);
    refsOf.set(r, objs);
    for (const o of objs) {
      const p = parseReference(o, typeof o.type === 'string' ? o.type : undefined);
      if (p?.kind === 'identifier') {
        const k = `${p.type}|${p.system}|${p.value}`;
        if (!byIdentifier.has(k)) wantedIdentifiers.set(k, p);
      }
    }
    for (const [field, type] of Object.entries(LOGICAL_TYPES)) {
      const x = r[field];
      for (const o of Array.isArray(x) ? x : [x]) {
        const p = parseReference(o, type);
        if (p?.kind === 'identifier') {
          const k = `${p.type}|${p.system}|${p.value}`;
          if (!byIdentifier.has(k)) wantedIdentifiers.set(k, p);
        }
      }
    }
  }
  if (wantedIdentifiers.size > 0) {
    const hashes = new Map<string, string>();
    for (const [k, p] of wantedIdentifiers) {
      const h = blindIndexOf(indexKey, 'identifier', `${p.system}|${p.value}`);
      if (h) hashes.set(h.toString('hex'), k);
    }
    const list = [...hashes.keys()].map((h) => Buffer.from(h, 'hex'));
    for (let i = 0; i < list.length; i += 1000) {
      const rows = await db
        .selectFrom('vault_blind_index')
        .select(['hash', 'resource_type', 'resource_id'])
        .where('tenant_id', '=', tenant)
        .where('kind', '=', 'identifier')
        .where('hash', 'in', list.slice(i, i + 1000))
        .execute();
      for (const row of rows) {
        const k = hashes.get(row.hash.toString('hex'));
        if (k && k.startsWith(`${row.resource_type}|`)) byIdentifier.set(k, row.resource_id);
      }
    }
  }
  const resolver: ReferenceResolver & { roles: Map<string, string> } = {
    roles: new Map(),
    idOf(ref, type) {
      const p = parseReference(ref, type);
      if (!p || p.kind === 'other' || p.type !== type) return undefined;
      if (p.kind === 'literal') return p.id;
      return byIdentifier.get(`${p.type}|${p.system}|${p.value}`);
    },
    practitionerOfRole(roleId) {
      return this.roles.get(roleId);
    },
  };
  for (const r of batch) {
    if (r.resourceType === 'PractitionerRole') {
      const p = resolver.idOf(r.practitioner, 'Practitioner');
      if (p) resolver.roles.set(r.id, p);
    }
  }
  const roleRefs = new Set<string>();
  for (const objs of refsOf.values()) {
    for (const o of objs) {
      const p = parseReference(o);
      if (p?.kind === 'literal' && p.type === 'PractitionerRole' && !resolver.roles.has(p.id))
        roleRefs.add(p.id);
    }
  }
  if (roleRefs.size > 0) {
    const rows = await db
      .selectFrom('vault_link')
      .select(['resource_id', 'practitioner_id'])
      .where('tenant_id', '=', tenant)
      .where('resource_type', '=', 'PractitionerRole')
      .where('kind', '=', 'role')
      .where('resource_id', 'in', [...roleRefs])
      .execute();
    for (const row of rows)
      if (row.practitioner_id) resolver.roles.set(row.resource_id, row.practitioner_id);
  }

  // 2. Rewrite resolved conditional / logical references to literal ones; note unresolved ones.
  const unresolved: WriteResult['unresolved'] = [];
  const literalTargets = new Map<string, { resource: string; path: string; reference: string }[]>();
  for (const r of batch) {
    const self = refKey(r.resourceType, r.id);
    for (const o of refsOf.get(r)!) {
      const p = parseReference(o, typeof o.type === 'string' ? o.type : undefined);
      if (p?.kind === 'identifier') {
        const id = byIdentifier.get(`${p.type}|${p.system}|${p.value}`);
        if (id) o.reference = refKey(p.type, id);
        else
          unresolved.push({
            resource: self,
            path: 'reference',
            reference:
              typeof o.reference === 'string'
                ? o.reference
                : `${p.type}?identifier=${p.system}|${p.value}`,
          });
      } else if (p?.kind === 'literal' && !inBatch.has(refKey(p.type, p.id))) {
        const k = refKey(p.type, p.id);
        const list = literalTargets.get(k) ?? [];
        list.push({ resource: self, path: 'reference', reference: k });
        literalTargets.set(k, list);
      }
    }
    for (const [field, type] of Object.entries(LOGICAL_TYPES)) {
      const x = r[field];
      for (const o of Array.isArray(x) ? x : [x]) {
        if (o && typeof o === 'object' && !('reference' in o)) {
          const id = resolver.idOf(o, type);
          if (id) (o as Record<string, unknown>).reference = refKey(type, id);
          else if (parseReference(o, type)?.kind === 'identifier')
            unresolved.push({ resource: self, path: field, reference: `${type}?identifier` });
        }
      }
    }
  }
  if (options.checkReferences !== false && literalTargets.size > 0) {
    const keys = [...literalTargets.keys()];
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += 1000) {
      const part = keys.slice(i, i + 1000).map((k) => k.split('/') as [string, string]);
      const rows = await db
        .selectFrom('vault_resource')
        .select(['resource_type', 'id'])
        .where('tenant_id', '=', tenant)
        .where(refsFilter('resource_type', 'id', part))
        .execute();
      for (const row of rows) found.add(refKey(row.resource_type, row.id));
    }
    for (const [k, list] of literalTargets) if (!found.has(k)) unresolved.push(...list);
  }

  // 3. Extraction and classification.
  const extracted = batch.map((r) => extractResource(r, resolver, vault.identifiers));
  const encounterOrg = new Map<string, string | undefined>();
  for (const e of extracted)
    if (e.resourceType === 'Encounter') encounterOrg.set(e.id, e.organizationId);
  const needEnc = [
    ...new Set(
      extracted.map((e) => e.encounterId).filter((x): x is string => !!x && !encounterOrg.has(x)),
    ),
  ];
  for (let i = 0; i < needEnc.length; i += 1000) {
    const rows = await db
      .selectFrom('vault_resource')
      .select(['id', 'organization_id'])
      .where('tenant_id', '=', tenant)
      .where('resource_type', '=', 'Encounter')
      .where('id', 'in', needEnc.slice(i, i + 1000))
      .execute();
    for (const row of rows) encounterOrg.set(row.id, row.organization_id ?? undefined);
  }
  const deptCats = vault.shared.departments;
  for (const r of batch) {
    if (r.resourceType === 'Organization') {
      deptCats.set(
        `${tenant}|${r.id}`,
        categoriesOfDepartment(r.id, departmentTexts(r), vault.classification),
      );
    }
  }
  const orgIds = new Set<string>();
  for (const e of extracted) {
    const org =
      e.resourceType === 'Encounter'
        ? e.organizationId
        : e.encounterId
          ? encounterOrg.get(e.encounterId)
          : e.organizationId;
    if (org && !deptCats.has(`${tenant}|${org}`)) orgIds.add(org);
  }
  if (orgIds.size > 0) await loadDepartmentCategories(vault, tenant, [...orgIds]);

  // 4. Data keys of all owners, then seal.
  const keys = await ensureDataKeys(
    vault,
    tenant,
    extracted.map((e) => e.owner),
  );
  const now = new Date();
  const rows = batch.map((r, i) => {
    const e = extracted[i]!;
    const org =
      e.resourceType === 'Encounter'
        ? e.organizationId
        : ((e.encounterId ? encounterOrg.get(e.encounterId) : undefined) ?? e.organizationId);
    const sensitive = categoriesOfCodings(collectCodings(r), vault.classification);
    if (
      r.resourceType !== 'Organization' &&
      r.resourceType !== 'Patient' &&
      r.resourceType !== 'Practitioner'
    ) {
      for (const c of (org ? deptCats.get(`${tenant}|${org}`) : undefined) ?? []) sensitive.add(c);
    }
    if (r.resourceType === 'Organization')
      for (const c of deptCats.get(`${tenant}|${r.id}`) ?? []) sensitive.add(c);
    return sealResource(vault, tenant, r, e, keys.get(e.owner)!, [...sensitive].sort(), now);
  });

  // 5. Multi-row writes.
  let created = 0;
  const results: WriteResult['results'] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const res = await db
      .insertInto('vault_resource')
      .columns(names(RESOURCE_COLUMNS))
      .expression(unnestRows(RESOURCE_COLUMNS, chunk))
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'resource_type', 'id']).doUpdateSet((eb) => ({
          patient_id: eb.ref('excluded.patient_id'),
          owner: eb.ref('excluded.owner'),
          key_id: eb.ref('excluded.key_id'),
          encounter_id: eb.ref('excluded.encounter_id'),
          organization_id: eb.ref('excluded.organization_id'),
          status: eb.ref('excluded.status'),
          category: eb.ref('excluded.category'),
          confidentiality: eb.ref('excluded.confidentiality'),
          period_start: eb.ref('excluded.period_start'),
          period_end: eb.ref('excluded.period_end'),
          data_category: eb.ref('excluded.data_category'),
          base_grade: eb.ref('excluded.base_grade'),
          version_id: sql<number>`vault_resource.version_id + 1`,
          last_updated: eb.ref('excluded.last_updated'),
          body: eb.ref('excluded.body'),
          labels: eb.ref('excluded.labels'),
        })),
      )
      .returning(['resource_type', 'id', 'version_id', sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
    for (const x of res)
      results.push({
        ref: refKey(x.resource_type, x.id),
        created: x.inserted,
        versionId: x.version_id,
      });
    created += res.filter((x) => x.inserted).length;
  }
  const updated = rows.length - created;
  if (updated > 0) {
    for (let i = 0; i < batch.length; i += 1000) {
      const part = batch.slice(i, i + 1000);
      const pairs = part.map((r) => [r.resourceType, r.id] as const);
      await db
        .deleteFrom('vault_link')
        .where('tenant_id', '=', tenant)
        .where(refsFilter('resource_type', 'resource_id', pairs))
        .execute();
      await db
        .deleteFrom('vault_blind_index')
        .where('tenant_id', '=', tenant)
        .where(refsFilter('resource_type', 'resource_id', pairs))
        .execute();
    }
  }
  const links = extracted.flatMap((e) =>
    e.links.map((l, seq) => ({
      tenant_id: tenant,
      resource_type: e.resourceType,
      resource_id: e.id,
      seq,
      patient_id: e.patientId ?? null,
      kind: l.kind,
      practitioner_id: l.practitionerId ?? null,
      organization_id: l.organizationId ?? null,
      period_start: l.periodStart ?? null,
      period_end: l.periodEnd ?? null,
    })),
  );
  for (let i = 0; i < links.length; i += 5000)
    await db
      .insertInto('vault_link')
      .columns(names(LINK_COLUMNS))
      .expression(unnestRows(LINK_COLUMNS, links.slice(i, i + 5000)))
      .execute();
  const indexRows = extracted.flatMap((e) =>
    e.indexes.flatMap((x) => {
      const hash = blindIndexOf(indexKey, x.kind, x.value, x.kind !== 'identifier');
      return hash
        ? [
            {
              tenant_id: tenant,
              kind: x.kind,
              hash,
              resource_type: e.resourceType,
              resource_id: e.id,
            },
          ]
        : [];
    }),
  );
  for (let i = 0; i < indexRows.length; i += 5000) {
    await db
      .insertInto('vault_blind_index')
      .columns(names(INDEX_COLUMNS))
      .expression(unnestRows(INDEX_COLUMNS, indexRows.slice(i, i + 5000)))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return { written: rows.length, created, updated, unresolved, results };
}

/** Loads (and caches) the sensitive categories of departments from their encrypted labels. */
async function loadDepartmentCategories(
  vault: Vault,
  tenant: string,
  orgIds: string[],
): Promise<void> {
  for (const id of orgIds) vault.shared.departments.set(`${tenant}|${id}`, new Set());
  const labels = await readLabels(
    vault,
    tenant,
    orgIds.map((id) => ({ resourceType: 'Organization', id })),
  );
  for (const [k, l] of labels)
    vault.shared.departments.set(
      `${tenant}|${k.slice('Organization/'.length)}`,
      new Set(l.sensitive),
    );
}

function rowRef(type: string, id: string): string {
  return `${type}/${id}`;
}

function sealResource(
  vault: Vault,
  tenant: string,
  r: FhirResource & { id: string },
  e: Extracted,
  dek: DataKey,
  sensitive: SensitiveCategory[],
  now: Date,
) {
  const row = rowRef(r.resourceType, r.id);
  const groups = new Map<string, Record<string, unknown>>();
  for (const [k, v] of Object.entries(r)) {
    if (k === 'resourceType' || k === 'id' || v === undefined) continue;
    const cls = fieldClassOf(r.resourceType, k, vault.classification);
    let g = groups.get(cls);
    if (!g) groups.set(cls, (g = {}));
    g[k] = v;
  }
  const rc = classificationOf(r.resourceType, vault.classification);
  const sections: [string, Buffer][] = [];
  const sectionLabels: ResourceLabels['sections'] = {};
  let grade: Grade = rc.grade;
  for (const [cls, content] of groups) {
    sections.push([
      cls,
      sealField(dek, JSON.stringify(content), { tenant, table: TABLE, column: `body.${cls}`, row }),
    ]);
    const g = gradeOf(cls, sensitive, vault.classification);
    sectionLabels[cls] = g;
    if (g.grade > grade) grade = g.grade;
  }
  if (sensitive.length > 0 && grade < vault.classification.sensitiveGrade)
    grade = vault.classification.sensitiveGrade;
  const labels: ResourceLabels = {
    category: rc.category,
    grade,
    sensitive,
    sections: sectionLabels,
  };
  return {
    tenant_id: tenant,
    resource_type: r.resourceType,
    id: r.id,
    patient_id: e.patientId ?? null,
    owner: e.owner,
    key_id: dek.id,
    encounter_id: e.encounterId ?? null,
    organization_id: e.organizationId ?? null,
    status: e.status ?? null,
    category: e.category ?? null,
    confidentiality: e.confidentiality ?? null,
    period_start: e.periodStart ?? null,
    period_end: e.periodEnd ?? null,
    data_category: rc.category,
    base_grade: rc.grade,
    version_id: 1,
    last_updated: now,
    body: frameSections(sections),
    labels: sealField(dek, JSON.stringify(labels), { tenant, table: TABLE, column: 'labels', row }),
  };
}

/** Clear, non-identifying facts about a stored resource. */
export interface ResourceMeta {
  resourceType: string;
  id: string;
  patientId: string | null;
  encounterId: string | null;
  organizationId: string | null;
  status: string | null;
  category: string | null;
  confidentiality: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  dataCategory: string;
  baseGrade: number;
  versionId: number;
  lastUpdated: Date;
}

/** A decrypted resource with its clear metadata. */
export interface StoredResource {
  resource: FhirResource;
  meta: ResourceMeta;
}

/** Options of reads. */
export interface ReadOptions {
  /** Field classes to decrypt (e.g. ['identity', 'clinical']); default all. Others are left out. */
  sections?: readonly string[];
}

const toDate = (v: Date | string | null): Date | null =>
  v === null ? null : v instanceof Date ? v : new Date(v);

/**
 * The clear columns of a read packed into one JSON array, so that a row travels as two fields
 * (this array and the encrypted body) instead of sixteen: per-field transfer and parsing cost the
 * embedded database more than the columns' content. Timestamps come out as ISO 8601 text.
 */
// Packed on write by a trigger (schema step 101, `PACKED_META`).
const META_JSON = `r.meta`;

/** The packed clear columns, in the order of `META_JSON`. */
export type MetaTuple = [
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
  dataCategory: string,
  baseGrade: number,
  versionId: number,
  lastUpdated: string,
  keyId: string,
];

/** A row of a read: packed clear columns and the framed, encrypted body. */
interface ResourceRow {
  m: string;
  body: Buffer | Uint8Array;
}

const BY_ID_SQL = `select ${META_JSON} as m, r.body from vault_resource r
  where r.tenant_id = $1 and r.resource_type = $2 and r.id = $3`;
// A patient's record without an explicit limit is fetched unordered and sorted here (sorting
// in the database costs a small read a third again); with a limit, or when the safety limit is
// reached, the database orders so that the limit keeps the first rows. When the patient's data
// key is not cached, the same statement also returns the owner's key rows (marked by a null
// first element): one round trip instead of two.
const recordSql = (types: boolean, ordered: boolean, keys: boolean) => {
  const rows = `select ${META_JSON} as m, r.body from vault_resource r
    where r.tenant_id = $1 and r.patient_id = $2 ${types ? 'and r.resource_type = any($5::text[])' : ''}
    ${ordered ? 'order by r.resource_type, r.period_start, r.id' : ''} limit $3`;
  if (!keys) return rows.replace('$5', '$4');
  return `(${rows}) union all
    (select json_build_array(null, k.key_id, k.owner, k.suite, k.state)::text, k.wrapped
     from vault_data_key k where k.tenant_id = $1 and k.owner = $4)`;
};
const RECORD_SQL = new Map<string, string>();
for (const t of [false, true])
  for (const o of [false, true])
    for (const k of [false, true]) RECORD_SQL.set(`${+t}${+o}${+k}`, recordSql(t, o, k));

/** Data key of a row, or the error its destruction (or absence) means for reading it. */
function keyOrThrow(
  keys: Map<string, DataKey | CustosError>,
  keyId: string,
  what: string,
): DataKey {
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

async function decryptRows(
  vault: Vault,
  tenant: string,
  rows: readonly ResourceRow[],
  opts: ReadOptions,
  prefetchedKeys: readonly KeyRow[] = [],
): Promise<StoredResource[]> {
  const metas = rows.map((r) => JSON.parse(r.m) as MetaTuple);
  const keys = await dataKeysById(
    vault,
    tenant,
    metas.map((m) => m[14]),
    prefetchedKeys,
  );
  const allow = opts.sections ? new Set(opts.sections) : undefined;
  return rows.map((row, i) => {
    const m = metas[i]!;
    return decryptRow(tenant, m, row.body, keyOrThrow(keys, m[14], rowRef(m[0], m[1])), allow);
  });
}

function decryptRow(
  tenant: string,
  m: MetaTuple,
  rawBody: Buffer | Uint8Array,
  dek: DataKey,
  allow: ReadonlySet<string> | undefined,
): StoredResource {
  const [resourceType, id] = m;
  const ref = rowRef(resourceType, id);
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody);
  const resource = openResourceBody(tenant, resourceType, id, ref, body, dek, allow);
  return { resource, meta: metaOfTuple(m) };
}

/** The clear metadata of a row from its packed clear columns (`vault_resource.meta`). */
export function metaOfTuple(m: MetaTuple): ResourceMeta {
  return {
    resourceType: m[0],
    id: m[1],
    patientId: m[2],
    encounterId: m[3],
    organizationId: m[4],
    status: m[5],
    category: m[6],
    confidentiality: m[7],
    periodStart: toDate(m[8]),
    periodEnd: toDate(m[9]),
    dataCategory: m[10],
    baseGrade: m[11],
    versionId: m[12],
    lastUpdated: new Date(m[13]),
  };
}

/**
 * Reads and decrypts one resource. CUSTOS_NOT_FOUND when absent or shredded (extra.shredded);
 * CUSTOS_CRYPTO_FAILURE naming the record when a ciphertext was tampered with or swapped.
 */
export async function readResource(
  vault: Vault,
  tenant: string,
  resourceType: string,
  id: string,
  opts: ReadOptions = {},
): Promise<StoredResource> {
  const res = await vault.db.executeQuery<ResourceRow>(
    CompiledQuery.raw(BY_ID_SQL, [tenant, resourceType, id]),
  );
  const row = res.rows[0];
  if (!row) throw new CustosError(ErrorCode.NotFound, `${resourceType}/${id} not found`);
  return (await decryptRows(vault, tenant, [row], opts))[0]!;
}

/** Reads several resources by reference (missing ones are left out). */
export async function readResources(
  vault: Vault,
  tenant: string,
  refs: readonly { resourceType: string; id: string }[],
  opts: ReadOptions = {},
): Promise<StoredResource[]> {
  const out: StoredResource[] = [];
  for (let i = 0; i < refs.length; i += 500) {
    const part = refs.slice(i, i + 500);
    const rows = await vault.db
      .selectFrom('vault_resource as r')
      .select([sql<string>`${sql.raw(META_JSON)}`.as('m'), 'r.body'])
      .where('r.tenant_id', '=', tenant)
      .where(
        refsFilter(
          'r.resource_type',
          'r.id',
          part.map((x) => [x.resourceType, x.id] as const),
        ),
      )
      .execute();
    out.push(...(await decryptRows(vault, tenant, rows, opts)));
  }
  return out;
}

/** Options of `readPatientRecord`. */
export interface PatientRecordOptions extends ReadOptions {
  resourceTypes?: readonly string[];
  limit?: number;
}

/** Safety limit of a patient record read without an explicit limit. */
const RECORD_LIMIT = 10_000;

/** Resource type, then period start (undated last), then id, as the database orders with C collation. */
export function compareRecordOrder(a: StoredResource, b: StoredResource): number {
  const x = a.meta;
  const y = b.meta;
  if (x.resourceType !== y.resourceType) return x.resourceType < y.resourceType ? -1 : 1;
  const s = x.periodStart?.getTime() ?? Infinity;
  const t = y.periodStart?.getTime() ?? Infinity;
  if (s !== t) return s < t ? -1 : 1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/**
 * Reads the patient and every resource of their compartment, ordered by resource type, period
 * start (undated last) and id.
 */
export async function readPatientRecord(
  vault: Vault,
  tenant: string,
  patientId: string,
  opts: PatientRecordOptions = {},
): Promise<StoredResource[]> {
  const owner = `Patient/${patientId}`;
  const withKeys = !vault.shared.cache.hasOwner(tenant, owner);
  const run = async (ordered: boolean, limit: number) => {
    const params: unknown[] = [tenant, patientId, limit];
    if (withKeys) params.push(owner);
    if (opts.resourceTypes) params.push([...opts.resourceTypes]);
    const text = RECORD_SQL.get(`${+!!opts.resourceTypes}${+ordered}${+withKeys}`)!;
    const res = await vault.db.executeQuery<ResourceRow>(CompiledQuery.raw(text, params));
    if (!withKeys) return { rows: res.rows, keys: [] };
    const rows: ResourceRow[] = [];
    const keys: KeyRow[] = [];
    for (const row of res.rows) {
      if (!row.m.startsWith('[null,')) {
        rows.push(row);
        continue;
      }
      const [, key_id, keyOwner, suite, state] = JSON.parse(row.m) as [
        null,
        string,
        string,
        string,
        string,
      ];
      const w = row.body as Buffer | Uint8Array | null;
      keys.push({
        key_id,
        owner: keyOwner,
        suite,
        state,
        wrapped: w === null ? null : Buffer.isBuffer(w) ? w : Buffer.from(w),
      });
    }
    return { rows, keys };
  };
  const limit = opts.limit ?? RECORD_LIMIT;
  let got = await run(opts.limit !== undefined, limit);
  if (opts.limit === undefined && got.rows.length >= RECORD_LIMIT) got = await run(true, limit);
  return (await decryptRows(vault, tenant, got.rows, opts, got.keys)).sort(compareRecordOrder);
}

/** Clear metadata only (no decryption): what the care graph and policy inputs need. */
export async function getResourceMeta(
  vault: Vault,
  tenant: string,
  resourceType: string,
  id: string,
): Promise<ResourceMeta | undefined> {
  const row = await vault.db
    .selectFrom('vault_resource')
    .selectAll()
    .where('tenant_id', '=', tenant)
    .where('resource_type', '=', resourceType)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    resourceType: row.resource_type,
    id: row.id,
    patientId: row.patient_id,
    encounterId: row.encounter_id,
    organizationId: row.organization_id,
    status: row.status,
    category: row.category,
    confidentiality: row.confidentiality,
    periodStart: toDate(row.period_start),
    periodEnd: toDate(row.period_end),
    dataCategory: row.data_category,
    baseGrade: row.base_grade,
    versionId: row.version_id,
    lastUpdated: toDate(row.last_updated)!,
  };
}

/** Decrypts the classification labels of resources (keyed `Type/id`); shredded ones are left out. */
export async function readLabels(
  vault: Vault,
  tenant: string,
  refs: readonly { resourceType: string; id: string }[],
): Promise<Map<string, ResourceLabels>> {
  const out = new Map<string, ResourceLabels>();
  for (let i = 0; i < refs.length; i += 500) {
    const part = refs.slice(i, i + 500);
    const rows = await vault.db
      .selectFrom('vault_resource')
      .select(['resource_type', 'id', 'labels', 'key_id'])
      .where('tenant_id', '=', tenant)
      .where(
        refsFilter(
          'resource_type',
          'id',
          part.map((x) => [x.resourceType, x.id] as const),
        ),
      )
      .execute();
    const keys = await dataKeysById(
      vault,
      tenant,
      rows.map((r) => r.key_id),
    );
    for (const row of rows) {
      const dek = keys.get(row.key_id);
      if (!dek || dek instanceof CustosError) continue;
      const ref = rowRef(row.resource_type, row.id);
      const plain = openField(dek, row.labels, {
        tenant,
        table: TABLE,
        column: 'labels',
        row: ref,
      });
      out.set(ref, JSON.parse(plain.toString('utf8')) as ResourceLabels);
    }
  }
  return out;
}

/** Sensitivity summary of a patient: union of sensitive categories, highest grade, confidentiality. */
export interface PatientLabels {
  sensitive: SensitiveCategory[];
  maxGrade: Grade;
  /** HL7 confidentiality of the Patient resource (N, R, V …) or null. */
  confidentiality: string | null;
  /** Sensitive categories per resource (`Type/id`), for field-level decisions. */
  byResource: Record<string, SensitiveCategory[]>;
}

/** Decrypts the labels of a patient's whole record and summarises them for policy and masking. */
export async function getPatientLabels(
  vault: Vault,
  tenant: string,
  patientId: string,
): Promise<PatientLabels> {
  const rows = await vault.db
    .selectFrom('vault_resource')
    .select(['resource_type', 'id', 'confidentiality'])
    .where('tenant_id', '=', tenant)
    .where('patient_id', '=', patientId)
    .execute();
  const labels = await readLabels(
    vault,
    tenant,
    rows.map((r) => ({ resourceType: r.resource_type, id: r.id })),
  );
  const all = new Set<SensitiveCategory>();
  let maxGrade: Grade = 1;
  const byResource: Record<string, SensitiveCategory[]> = {};
  for (const [ref, l] of labels) {
    l.sensitive.forEach((c) => all.add(c));
    if (l.grade > maxGrade) maxGrade = l.grade;
    if (l.sensitive.length > 0) byResource[ref] = l.sensitive;
  }
  const patient = rows.find((r) => r.resource_type === 'Patient');
  return {
    sensitive: [...all].sort(),
    maxGrade,
    confidentiality: patient?.confidentiality ?? null,
    byResource,
  };
}

/** Kinds of blind index kept for Patient and Practitioner. */
export type LookupKind =
  | 'national-id'
  | 'id-number'
  | 'mrn'
  | 'phone'
  | 'name'
  | 'family-name'
  | 'address'
  | 'email'
  | 'identifier';

/**
 * Exact lookup through a blind index: ids of resources (of `resourceType`, default Patient) whose
 * value of `kind` equals `value` after normalisation. No plaintext is stored or compared.
 */
export async function lookupByIndex(
  vault: Vault,
  tenant: string,
  kind: LookupKind,
  value: string,
  resourceType = 'Patient',
): Promise<string[]> {
  const key = await indexKeyOf(vault, tenant);
  const hash = blindIndexOf(key, kind, value);
  if (!hash) return [];
  const rows = await vault.db
    .selectFrom('vault_blind_index')
    .select('resource_id')
    .where('tenant_id', '=', tenant)
    .where('kind', '=', kind)
    .where('hash', '=', hash)
    .where('resource_type', '=', resourceType)
    .execute();
  return [...new Set(rows.map((r) => r.resource_id))].sort();
}

/** Patient search by exact values; several criteria are intersected. */
export interface PatientQuery {
  nationalId?: string;
  idNumber?: string;
  phone?: string;
  mrn?: string;
  name?: string;
}

/** Finds patient ids by ID number, phone, MRN and/or full name (all exact, via blind indexes). */
export async function findPatients(
  vault: Vault,
  tenant: string,
  query: PatientQuery,
): Promise<string[]> {
  const crit: [LookupKind, string | undefined][] = [
    ['national-id', query.nationalId],
    ['id-number', query.idNumber],
    ['phone', query.phone],
    ['mrn', query.mrn],
    ['name', query.name],
  ];
  let result: Set<string> | undefined;
  for (const [kind, v] of crit) {
    if (v === undefined) continue;
    const ids = new Set(await lookupByIndex(vault, tenant, kind, v));
    result = result ? new Set([...result].filter((x) => ids.has(x))) : ids;
  }
  if (!result) throw new CustosError(ErrorCode.BadRequest, 'give at least one search criterion');
  return [...result].sort();
}
