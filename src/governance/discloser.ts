/**
 * The disclosure port of governance and its adapter onto the access module. Every third-party
 * read and every export goes through `Discloser`, i.e. the disclosure path (identify → decide →
 * record → read → mask → mark); governance only narrows what is asked for and adds its context
 * (contract, client, export) to the ledger entries the path writes.
 *
 * An API client is decided as the policy role its contract names (`actsAs`), belonging to the
 * party's organisation (so orders performed by that organisation are its relationships), from a
 * workstation registered for the contract's networks. Its ledger entries carry actor type
 * `client`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AccessService,
  type AccessDeps,
  type DisclosedRecord,
  type PatientSearchQuery,
  type PatientSearchResult,
} from '../access/index.ts';
import type { IdentityService, Role, Staff, Workstation } from '../identity/index.ts';
import { addressInCidr } from '../identity/index.ts';
import type { JsonValue, LedgerEntryInput } from '../ledger/index.ts';
import type { Category } from '../policy/index.ts';
import type { Contract } from './types.ts';

/** The API client on whose behalf a disclosure is made. */
export interface ClientPrincipal {
  clientId: string;
  contract: Contract;
}

/** One disclosure request through the port: who, from where, why, and ledger context. */
export interface DiscloseRequest {
  tenant: string;
  /** A staff member (exports) or an API client. */
  principal: { staff: Staff } | { client: ClientPrincipal };
  purpose: string;
  reference?: string;
  address: string | null;
  workstationId?: string | null;
  /** Added to the details of every ledger entry this disclosure writes (ids only). */
  context: Record<string, JsonValue>;
}

/** The disclosure path as governance uses it (injected; `createAccessDiscloser` in production). */
export interface Discloser {
  readRecord(
    req: DiscloseRequest,
    patientId: string,
    requested?: Category[],
  ): Promise<DisclosedRecord>;
  exportRecord(
    req: DiscloseRequest,
    patientId: string,
    requested?: Category[],
  ): Promise<DisclosedRecord>;
  searchPatients(req: DiscloseRequest, query: PatientSearchQuery): Promise<PatientSearchResult>;
  /** The tenant's watermark key (to fingerprint exports with the tokens the path issued). */
  watermarkKey(tenant: string): Uint8Array;
}

interface LedgerContext {
  actor?: LedgerEntryInput['actor'];
  details: Record<string, JsonValue>;
}

/** The id of the synthetic workstation standing for a contract's network `i`. */
export function contractWorkstationId(contractId: string, i: number): string {
  return `${contractId}.net${i}`;
}

/** The contract workstation whose network holds `address`, or null. */
export function contractWorkstationFor(contract: Contract, address: string | null): string | null {
  if (!address) return null;
  const i = contract.networks.findIndex((n) => addressInCidr(address, n));
  return i < 0 ? null : contractWorkstationId(contract.id, i);
}

/** The staff-shaped principal the access path decides an API client as. */
function clientAsStaff(tenant: string, c: ClientPrincipal, now: Date): Staff {
  return {
    tenantId: tenant,
    id: c.clientId,
    username: c.clientId,
    staffNumber: c.contract.id,
    name: c.contract.party.name,
    roles: [c.contract.actsAs as Role],
    departmentId: c.contract.party.organizationId,
    status: 'active',
    statusChangedAt: new Date(c.contract.updatedAt),
    mfaEnrolled: true,
    mfaRequired: false,
    // A contract in force stands for current privacy training (checked before every call).
    trainingCompletedAt: now,
    createdAt: new Date(c.contract.createdAt),
  };
}

/**
 * The production discloser: the access module's disclosure path with the same dependencies as
 * the runtime's, a ledger wrapper that adds governance context (and marks client actors), and
 * one access service per contract version whose only workstations are the contract's networks
 * and whose internal networks are exactly those networks.
 */
export function createAccessDiscloser(deps: AccessDeps): Discloser {
  const als = new AsyncLocalStorage<LedgerContext>();
  const ledger: AccessDeps['ledger'] = {
    appendEntry(tenant, entry) {
      const ctx = als.getStore();
      if (!ctx) return deps.ledger.appendEntry(tenant, entry);
      const details =
        entry.details && typeof entry.details === 'object' && !Array.isArray(entry.details)
          ? entry.details
          : {};
      return deps.ledger.appendEntry(tenant, {
        ...entry,
        ...(ctx.actor
          ? { actor: { ...ctx.actor, department: entry.actor.department ?? null } }
          : {}),
        details: { ...details, ...ctx.details },
      });
    },
  };
  const staffAccess = new AccessService({ ...deps, ledger });
  const perContract = new Map<string, { version: number; access: AccessService }>();

  const clientAccess = (contract: Contract): AccessService => {
    const hit = perContract.get(contract.id);
    if (hit && hit.version === contract.version) return hit.access;
    const workstations: Workstation[] = contract.networks.map((network, i) => ({
      tenantId: contract.tenant,
      id: contractWorkstationId(contract.id, i),
      label: `API ${contract.party.kind}`,
      location: 'office',
      departmentId: contract.party.organizationId,
      network,
      active: true,
    }));
    const identity = Object.create(deps.identity) as IdentityService;
    identity.listWorkstations = async () => workstations;
    const access = new AccessService({
      ...deps,
      ledger,
      identity,
      settings: { ...deps.settings, internalNetworks: [...contract.networks], vpnNetworks: [] },
    });
    perContract.set(contract.id, { version: contract.version, access });
    return access;
  };

  const route = <T>(
    req: DiscloseRequest,
    run: (access: AccessService, staff: Staff, workstationId: string | null) => Promise<T>,
  ): Promise<T> => {
    if ('client' in req.principal) {
      const c = req.principal.client;
      const staff = clientAsStaff(req.tenant, c, deps.now());
      const ctx: LedgerContext = {
        actor: { type: 'client', id: c.clientId },
        details: { ...req.context, contractId: c.contract.id, contractVersion: c.contract.version },
      };
      return als.run(ctx, () =>
        run(clientAccess(c.contract), staff, contractWorkstationFor(c.contract, req.address)),
      );
    }
    const staff = req.principal.staff;
    return als.run({ details: req.context }, () =>
      run(staffAccess, staff, req.workstationId ?? null),
    );
  };

  const accessRequest = (req: DiscloseRequest, staff: Staff, workstationId: string | null) => ({
    tenant: req.tenant,
    staff,
    workstationId,
    address: req.address,
    purpose: req.purpose,
    ...(req.reference ? { reference: req.reference } : {}),
  });

  return {
    readRecord: (req, patientId, requested) =>
      route(req, (access, staff, ws) =>
        access.readRecord(accessRequest(req, staff, ws), patientId, {
          channel: 'api',
          ...(requested ? { requested } : {}),
        }),
      ),
    exportRecord: (req, patientId, requested) =>
      route(req, (access, staff, ws) =>
        access.exportRecord(
          accessRequest(req, staff, ws),
          patientId,
          requested ? { requested } : {},
        ),
      ),
    searchPatients: (req, query) =>
      route(req, (access, staff, ws) =>
        access.searchPatients(accessRequest(req, staff, ws), query),
      ),
    watermarkKey: (tenant) => staffAccess.watermarkKey(tenant),
  };
}
