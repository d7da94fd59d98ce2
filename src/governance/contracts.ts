/**
 * Contracts (数据处理协议) that bind third parties: validation of their terms, storage with a
 * version per change, and the state at a moment (an expired contract stops working by itself:
 * every request checks it against the clock). Every change is ledgered before it is stored, with
 * a digest of the terms and their non-personal parts (responsible persons' names stay out).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { parseCidr } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import { canonicalJson } from '../ledger/index.ts';
import { ALL_PURPOSES, expandCategoryToken, type Category, type Purpose } from '../policy/index.ts';
import type { GovernanceTables } from './migrations.ts';
import {
  ContractStatus,
  PartyKind,
  PatientScope,
  type Contract,
  type ContractState,
  type ContractTerms,
  type ResponsiblePerson,
} from './types.ts';

/** Resource types a contract may name. */
export const CONTRACT_RESOURCE_TYPES = [
  'Patient',
  'Observation',
  'ServiceRequest',
  'DiagnosticReport',
  'ImagingStudy',
  'Appointment',
  'Encounter',
  'Condition',
  'MedicationRequest',
  'AllergyIntolerance',
  'Procedure',
  'Coverage',
  'Claim',
] as const;

/** Fields that identify a person directly: never in a contract that requires de-identification. */
const DIRECT_IDENTIFIERS: ReadonlySet<string> = new Set([
  'demographics.name',
  'demographics.idNumber',
  'contact.phone',
  'contact.address',
  'contact.email',
  'contact.emergencyContact',
]);

/** Roles a contract may never act as: they see or change everything about access. */
const FORBIDDEN_ROLES = new Set(['privacy-officer', 'administrator']);
const ROLE_ID = /^[a-z][a-z0-9-]{1,40}$/;
const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function bad(field: string, message: string): CustosError {
  return new CustosError(ErrorCode.InputInvalid, message, { field });
}

function text(v: unknown, field: string, max = 200, min = 1): string {
  if (typeof v !== 'string' || v.trim().length < min || v.length > max)
    throw bad(field, `${field} must be ${min} to ${max} characters`);
  return v.trim();
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(field, `${field} must be a whole number from ${min} to ${max}`);
  return v;
}

function instant(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length > 40 || Number.isNaN(Date.parse(v)))
    throw bad(field, `${field} must be an ISO 8601 date-time`);
  return new Date(v).toISOString();
}

function people(v: unknown, field: string): ResponsiblePerson[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 10)
    throw bad(field, `${field} must name 1 to 10 responsible persons`);
  return v.map((p: unknown, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const out: ResponsiblePerson = {
      name: text(o.name, `${field}[${i}].name`, 100),
      role: text(o.role, `${field}[${i}].role`, 100),
    };
    if (o.contact !== undefined) out.contact = text(o.contact, `${field}[${i}].contact`, 200);
    return out;
  });
}

/**
 * Validate contract terms from untrusted input. Throws CUSTOS_INPUT_INVALID (422) naming the
 * field. Field tokens are expanded (`@contact`, `demographics.*`) so the stored contract lists
 * exactly what is allowed.
 */
export function checkContractTerms(input: unknown): ContractTerms {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw bad('contract', 'contract terms must be an object');
  const o = input as Record<string, unknown>;
  const party = (o.party ?? {}) as Record<string, unknown>;
  const kinds = Object.values(PartyKind) as string[];
  if (typeof party.kind !== 'string' || !kinds.includes(party.kind))
    throw bad('party.kind', `party.kind must be one of ${kinds.join(', ')}`);
  const organizationId = text(party.organizationId, 'party.organizationId', 64);
  if (!ORG_ID.test(organizationId)) throw bad('party.organizationId', 'malformed organisation id');
  if (typeof o.purpose !== 'string' || !(ALL_PURPOSES as readonly string[]).includes(o.purpose))
    throw bad('purpose', `purpose must be one of ${ALL_PURPOSES.join(', ')}`);
  const actsAs = text(o.actsAs, 'actsAs', 41);
  if (!ROLE_ID.test(actsAs) || FORBIDDEN_ROLES.has(actsAs))
    throw bad('actsAs', 'actsAs must be a policy role other than privacy-officer or administrator');
  if (!Array.isArray(o.resourceTypes) || o.resourceTypes.length === 0)
    throw bad('resourceTypes', 'resourceTypes must list at least one resource type');
  const resourceTypes = [...new Set(o.resourceTypes as unknown[])].map((r, i) => {
    if (typeof r !== 'string' || !(CONTRACT_RESOURCE_TYPES as readonly string[]).includes(r))
      throw bad(`resourceTypes[${i}]`, `unknown resource type`);
    return r;
  });
  if (!resourceTypes.includes('Patient'))
    throw bad('resourceTypes', 'resourceTypes must include Patient');
  if (!Array.isArray(o.fields) || o.fields.length === 0 || o.fields.length > 64)
    throw bad('fields', 'fields must list 1 to 64 fields or categories');
  const fields = new Set<Category>();
  (o.fields as unknown[]).forEach((f, i) => {
    const hit = typeof f === 'string' && f.length <= 64 ? expandCategoryToken(f) : null;
    if (!hit) throw bad(`fields[${i}]`, 'unknown field or category');
    for (const c of hit) fields.add(c);
  });
  const scopes = Object.values(PatientScope) as string[];
  if (typeof o.patientScope !== 'string' || !scopes.includes(o.patientScope))
    throw bad('patientScope', `patientScope must be one of ${scopes.join(', ')}`);
  if (!Array.isArray(o.networks) || o.networks.length === 0 || o.networks.length > 32)
    throw bad('networks', 'networks must list 1 to 32 CIDR ranges');
  const networks = (o.networks as unknown[]).map((n, i) => {
    if (typeof n !== 'string') throw bad(`networks[${i}]`, 'a network is a CIDR string');
    try {
      parseCidr(n);
    } catch {
      throw bad(`networks[${i}]`, 'malformed CIDR');
    }
    return n;
  });
  const validFrom = instant(o.validFrom, 'validFrom');
  const validUntil = o.validUntil === null ? null : instant(o.validUntil, 'validUntil');
  if (validUntil !== null && validUntil <= validFrom)
    throw bad('validUntil', 'validUntil must be after validFrom');
  const responsible = (o.responsible ?? {}) as Record<string, unknown>;
  const terms: ContractTerms = {
    party: {
      name: text(party.name, 'party.name', 200),
      kind: party.kind as PartyKind,
      organizationId,
    },
    purpose: o.purpose as Purpose,
    legalBasis: text(o.legalBasis, 'legalBasis', 200),
    actsAs,
    resourceTypes,
    fields: [...fields].sort(),
    patientScope: o.patientScope as PatientScope,
    dailyLimit: int(o.dailyLimit, 'dailyLimit', 1, 10_000_000),
    ratePerMinute: int(o.ratePerMinute, 'ratePerMinute', 1, 1_000_000),
    validFrom,
    validUntil,
    networks,
    deidentify: o.deidentify === true,
    watermark: o.watermark !== false,
    responsible: {
      hospital: people(responsible.hospital, 'responsible.hospital'),
      party: people(responsible.party, 'responsible.party'),
    },
  };
  if (o.reference !== undefined) terms.reference = text(o.reference, 'reference', 200);
  if (o.deidentify !== undefined && typeof o.deidentify !== 'boolean')
    throw bad('deidentify', 'deidentify must be true or false');
  if (o.watermark === false)
    throw bad('watermark', 'exports to third parties are always watermarked');
  if (terms.deidentify) {
    const direct = terms.fields.filter((f) => DIRECT_IDENTIFIERS.has(f));
    if (direct.length > 0)
      throw bad('fields', `a de-identified contract cannot include ${direct.join(', ')}`);
  }
  return terms;
}

/** The state of a contract at `now`: terminated, not yet valid, in force, or expired. */
export function contractStateAt(c: Contract, now: Date): ContractState {
  if (c.status === ContractStatus.Terminated) return 'terminated';
  const t = now.getTime();
  if (t < Date.parse(c.validFrom)) return 'pending';
  if (c.validUntil !== null && t >= Date.parse(c.validUntil)) return 'expired';
  return 'in-force';
}

/** SHA-256 of the canonical terms: what the ledger keeps of a contract version. */
export function digestTerms(terms: ContractTerms): string {
  return createHash('sha256')
    .update(canonicalJson(terms as never))
    .digest('hex');
}

/** The non-personal summary of terms written to the ledger. */
function termsSummary(
  t: ContractTerms,
): Record<string, string | number | boolean | string[] | null> {
  return {
    partyKind: t.party.kind,
    organization: t.party.organizationId,
    purpose: t.purpose,
    actsAs: t.actsAs,
    fields: t.fields,
    resourceTypes: t.resourceTypes,
    patientScope: t.patientScope,
    dailyLimit: t.dailyLimit,
    ratePerMinute: t.ratePerMinute,
    validFrom: t.validFrom,
    validUntil: t.validUntil,
    networks: t.networks,
    deidentify: t.deidentify,
    digest: digestTerms(t),
  };
}

type Row = GovernanceTables['gov_contract'];

/** A stored contract row as the rest of the module sees it. */
export function toContract(r: Row): Contract {
  const terms = JSON.parse(r.terms) as ContractTerms;
  return {
    ...terms,
    tenant: r.tenant_id,
    id: r.id,
    version: r.version,
    status: r.status as ContractStatus,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    terminatedAt: r.terminated_at ? new Date(r.terminated_at).toISOString() : null,
  };
}

/** Who changes a contract (a privacy officer or administrator, checked by the service). */
export interface ContractActor {
  staffId: string;
  address?: string | null;
}

/** Contract storage; every change is ledgered first (fail closed). */
export class ContractStore {
  readonly #db: Kysely<GovernanceTables>;
  readonly #ledger: Pick<Ledger, 'appendEntry'>;
  readonly #now: () => Date;

  constructor(db: Kysely<GovernanceTables>, ledger: Pick<Ledger, 'appendEntry'>, now: () => Date) {
    this.#db = db;
    this.#ledger = ledger;
    this.#now = now;
  }

  /** Create a contract from validated terms; returns it with version 1. */
  async create(tenant: string, input: unknown, actor: ContractActor): Promise<Contract> {
    const terms = checkContractTerms(input);
    const id = `ctr-${randomUUID()}`;
    const now = this.#now();
    await this.#record(tenant, actor, 'contract.create', id, 1, termsSummary(terms));
    await this.#db
      .insertInto('gov_contract')
      .values({
        tenant_id: tenant,
        id,
        version: 1,
        terms: JSON.stringify(terms),
        status: ContractStatus.Active,
        valid_from: new Date(terms.validFrom),
        valid_until: terms.validUntil ? new Date(terms.validUntil) : null,
        created_at: now,
        updated_at: now,
        terminated_at: null,
      })
      .execute();
    return (await this.get(tenant, id))!;
  }

  /** Replace the terms of an active contract (new version); a terminated one cannot change. */
  async update(
    tenant: string,
    id: string,
    input: unknown,
    actor: ContractActor,
  ): Promise<Contract> {
    const terms = checkContractTerms(input);
    const current = await this.require(tenant, id);
    if (current.status === ContractStatus.Terminated)
      throw new CustosError(ErrorCode.Conflict, 'a terminated contract cannot change');
    const version = current.version + 1;
    await this.#record(tenant, actor, 'contract.update', id, version, {
      ...termsSummary(terms),
      previousDigest: digestTerms(current),
    });
    const res = await this.#db
      .updateTable('gov_contract')
      .set({
        version,
        terms: JSON.stringify(terms),
        valid_from: new Date(terms.validFrom),
        valid_until: terms.validUntil ? new Date(terms.validUntil) : null,
        updated_at: this.#now(),
      })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where('version', '=', current.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1)
      throw new CustosError(ErrorCode.Conflict, 'the contract changed meanwhile; reload it');
    return (await this.get(tenant, id))!;
  }

  /** Terminate a contract now: its clients stop at their next request. */
  async terminate(
    tenant: string,
    id: string,
    reason: string,
    actor: ContractActor,
  ): Promise<Contract> {
    const why = text(reason, 'reason', 500, 5);
    const current = await this.require(tenant, id);
    if (current.status === ContractStatus.Terminated) return current;
    await this.#record(tenant, actor, 'contract.terminate', id, current.version, {
      reasonLength: why.length,
    });
    const now = this.#now();
    await this.#db
      .updateTable('gov_contract')
      .set({ status: ContractStatus.Terminated, terminated_at: now, updated_at: now })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .execute();
    return (await this.get(tenant, id))!;
  }

  /** A contract, or null. */
  async get(tenant: string, id: string): Promise<Contract | null> {
    if (typeof id !== 'string' || id.length > 80) return null;
    const r = await this.#db
      .selectFrom('gov_contract')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toContract(r) : null;
  }

  /** A contract or CUSTOS_NOT_FOUND. */
  async require(tenant: string, id: string): Promise<Contract> {
    const c = await this.get(tenant, id);
    if (!c) throw new CustosError(ErrorCode.NotFound, 'contract not found');
    return c;
  }

  /** Every contract of a tenant, newest first. */
  async list(tenant: string): Promise<Contract[]> {
    const rows = await this.#db
      .selectFrom('gov_contract')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .orderBy('created_at', 'desc')
      .limit(10_000)
      .execute();
    return rows.map(toContract);
  }

  async #record(
    tenant: string,
    actor: ContractActor,
    action: string,
    contractId: string,
    version: number,
    details: Record<string, string | number | boolean | string[] | null>,
  ): Promise<void> {
    await this.#ledger.appendEntry(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.staffId },
      action,
      decision: 'permit',
      networkAddress: actor.address ?? null,
      channel: 'console',
      details: { contractId, version, ...details },
    });
  }
}
