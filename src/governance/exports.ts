/**
 * Exports under dual control (双人审批). An export above the configured threshold (records or
 * images) waits for a second approver — a privacy officer who is not the requester — with a
 * reason. The package is made through the disclosure path under the requester's identity (so
 * the policy still decides every record), de-identified as the purpose or contract requires,
 * fingerprinted per record with the watermark token of its ledger entry, encrypted (passphrase
 * via scrypt, or to the recipient's X25519 key), and expires. Every step and every download is
 * ledgered.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Keyring } from '../crypto/index.ts';
import { deidentifyText } from '../deid/index.ts';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import type { IdentityService, Staff } from '../identity/index.ts';
import type { JsonValue, Ledger, LedgerEntryInput } from '../ledger/index.ts';
import { ALL_PURPOSES, type Category, type Purpose } from '../policy/index.ts';
import type { VaultTables } from '../vault/index.ts';
import { fingerprintText, verifyToken } from '../watermark/index.ts';
import { contractStateAt, type ContractStore } from './contracts.ts';
import type { Discloser } from './discloser.ts';
import { GovernanceReason, refused } from './errors.ts';
import type { GovernanceTables } from './migrations.ts';
import { passphraseKey, recipientKey, sealPackage, type PackageKdf } from './package.ts';
import { ExportStatus, type ExportKind, type ExportManifest, type ExportRecord } from './types.ts';
import { isVendor, type WindowStore } from './windows.ts';

/** Settings of exports. */
export interface ExportSettings {
  /** Exports of more records (patients) than this need a second approver. */
  recordThreshold: number;
  /** Exports of more images (imaging studies) than this need a second approver. */
  imageThreshold: number;
  /** Roles that may approve. */
  approverRoles: string[];
  /** Most patients in one export. */
  maxPatients: number;
  /** Default and longest lifetime of a package, hours. */
  defaultExpiryHours: number;
  maxExpiryHours: number;
}

/** Default settings: above 50 records or 100 images needs a second approver (a privacy officer). */
export const DEFAULT_EXPORT_SETTINGS: Readonly<ExportSettings> = Object.freeze({
  recordThreshold: 50,
  imageThreshold: 100,
  approverRoles: ['privacy-officer'],
  maxPatients: 5000,
  defaultExpiryHours: 72,
  maxExpiryHours: 720,
});

/** What a requester asks for. */
export interface ExportRequestInput {
  purpose: string;
  reference?: string;
  recipient: { name: string; organization?: string; publicKeyPem?: string };
  patientIds: string[];
  kind: ExportKind;
  /** Fields asked for (absent: what the requester's role may export). */
  fields?: Category[];
  /** Encrypt to this passphrase (unless the recipient has a public key). */
  passphrase?: string;
  /** Ask for de-identification even when the purpose does not require it. */
  deidentify?: boolean;
  /** The contract the recipient is bound by (its fields and de-identification apply). */
  contractId?: string;
  expiresInHours?: number;
}

/** Where a request comes from. */
export interface ExportOrigin {
  address: string | null;
  workstationId: string | null;
}

interface StoredRequest {
  purpose: Purpose;
  reference?: string;
  recipient: { name: string; organization?: string };
  patientIds: string[];
  kind: ExportKind;
  fields?: Category[];
  deidentify: boolean;
  contractId?: string;
  origin: ExportOrigin;
}

const PATIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
type Row = GovernanceTables['gov_export'];

function toRecord(r: Row): ExportRecord {
  const req = JSON.parse(r.request) as StoredRequest;
  const enc = JSON.parse(r.encryption) as PackageKdf;
  const out: ExportRecord = {
    tenant: r.tenant_id,
    id: r.id,
    requestedBy: r.requested_by,
    purpose: req.purpose,
    recipient: req.recipient,
    kind: req.kind,
    patientCount: req.patientIds.length,
    itemCount: r.item_count,
    deidentify: req.deidentify,
    encryption: enc.name === 'scrypt' ? 'passphrase' : 'public-key',
    status: r.status as ExportStatus,
    approvedBy: r.approved_by,
    approvalReason: r.approval_reason,
    approvedAt: r.approved_at ? new Date(r.approved_at).toISOString() : null,
    expiresAt: new Date(r.expires_at).toISOString(),
    downloads: r.downloads,
    createdAt: new Date(r.created_at).toISOString(),
    manifest: r.manifest ? (JSON.parse(r.manifest) as ExportManifest) : null,
  };
  if (req.reference) out.reference = req.reference;
  return out;
}

/** RFC 4180 lines (quoted where needed), each ending in a line feed. */
function csvLines(rows: readonly (readonly string[])[]): string {
  const q = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(q).join(',') + '\n').join('');
}

/** Flatten a masked record into (path, value) rows. */
function flatten(v: unknown, path: string, out: [string, string][]): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => flatten(x, `${path}[${i}]`, out));
    return;
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      flatten(x, path ? `${path}.${k}` : k, out);
    return;
  }
  out.push([path, String(v)]);
}

/** The export service. */
export class ExportService {
  readonly settings: ExportSettings;
  readonly #db: Kysely<GovernanceTables>;
  readonly #vaultDb: Kysely<VaultTables>;
  readonly #ledger: Pick<Ledger, 'appendEntry'>;
  readonly #keyring: Keyring;
  readonly #identity: IdentityService;
  readonly #contracts: ContractStore;
  readonly #windows: WindowStore;
  readonly #discloser: () => Discloser;
  readonly #now: () => Date;

  constructor(deps: {
    db: Kysely<GovernanceTables>;
    vaultDb: Kysely<VaultTables>;
    ledger: Pick<Ledger, 'appendEntry'>;
    keyring: Keyring;
    identity: IdentityService;
    contracts: ContractStore;
    windows: WindowStore;
    discloser: () => Discloser;
    now: () => Date;
    settings?: Partial<ExportSettings>;
  }) {
    this.#db = deps.db;
    this.#vaultDb = deps.vaultDb;
    this.#ledger = deps.ledger;
    this.#keyring = deps.keyring;
    this.#identity = deps.identity;
    this.#contracts = deps.contracts;
    this.#windows = deps.windows;
    this.#discloser = deps.discloser;
    this.#now = deps.now;
    this.settings = { ...DEFAULT_EXPORT_SETTINGS, ...deps.settings };
  }

  /**
   * Ask for an export. Above the threshold it waits for a second approver (ledgered as a denial
   * with DUAL_APPROVAL_REQUIRED; a vendor engineer's bulk request also carries
   * BULK_EXPORT_BY_VENDOR and `alert: true` for the monitor); otherwise the package is made at
   * once. Vendor engineers must be inside a maintenance window.
   */
  async request(
    tenant: string,
    staff: Staff,
    input: ExportRequestInput,
    origin: ExportOrigin,
  ): Promise<ExportRecord> {
    await this.#windows.checkVendorAction(tenant, staff, {
      system: 'export',
      operation: 'export.request',
      address: origin.address,
      workstationId: origin.workstationId,
    });
    const req = await this.#check(tenant, input, origin);
    const id = `exp-${randomUUID()}`;
    const itemCount =
      req.kind === 'images'
        ? await this.#countImages(tenant, req.patientIds)
        : req.patientIds.length;
    const threshold =
      req.kind === 'images' ? this.settings.imageThreshold : this.settings.recordThreshold;
    const needsApproval = itemCount > threshold;
    const vendorBulk = needsApproval && isVendor(staff);
    const { key, kdf } = input.recipient.publicKeyPem
      ? recipientKey(input.recipient.publicKeyPem, id)
      : passphraseKey(input.passphrase ?? '');
    const hours = input.expiresInHours ?? this.settings.defaultExpiryHours;
    if (!Number.isInteger(hours) || hours < 1 || hours > this.settings.maxExpiryHours)
      throw new CustosError(
        ErrorCode.InputInvalid,
        `expiresInHours must be 1 to ${this.settings.maxExpiryHours}`,
        { field: 'expiresInHours' },
      );
    const now = this.#now();
    await this.#append(tenant, {
      kind: needsApproval ? 'denial' : 'admin',
      actor: { type: 'staff', id: staff.id, department: staff.departmentId },
      action: 'export.request',
      purpose: req.purpose,
      decision: needsApproval ? 'deny' : 'permit',
      reasons: needsApproval
        ? [
            GovernanceReason.DualApprovalRequired,
            ...(vendorBulk ? [GovernanceReason.BulkExportByVendor] : []),
          ]
        : [],
      fields: req.fields ?? [],
      networkAddress: origin.address,
      workstation: origin.workstationId,
      channel: 'export',
      details: {
        exportId: id,
        kind: req.kind,
        patients: req.patientIds.length,
        ...(req.kind === 'images' ? { instances: itemCount } : {}),
        threshold,
        ...(vendorBulk || itemCount > threshold * 10 ? { alert: true } : {}),
        ...(req.contractId ? { contractId: req.contractId } : {}),
      },
    });
    const wrapped = await this.#keyring.wrapKey(key, this.#keyContext(tenant, id));
    key.fill(0);
    await this.#db
      .insertInto('gov_export')
      .values({
        tenant_id: tenant,
        id,
        requested_by: staff.id,
        request: JSON.stringify(req),
        item_count: itemCount,
        status: ExportStatus.PendingApproval,
        approved_by: null,
        approval_reason: null,
        approved_at: null,
        wrapped_key: wrapped,
        encryption: JSON.stringify(kdf),
        package: null,
        package_sha256: null,
        manifest: null,
        expires_at: new Date(now.getTime() + hours * 3_600_000),
        downloads: 0,
        created_at: now,
      })
      .execute();
    if (!needsApproval) return this.#make(tenant, id);
    return (await this.get(tenant, id))!;
  }

  /**
   * Second approval: a staff member with an approver role, not the requester, with a reason.
   * Refusals (self-approval, wrong role) are ledgered as denials. On approval the package is
   * made through the disclosure path.
   */
  async approve(
    tenant: string,
    approver: Staff,
    id: string,
    reason: string,
  ): Promise<ExportRecord> {
    const row = await this.#row(tenant, id);
    const why = typeof reason === 'string' ? reason.trim() : '';
    const refuse = async (code: GovernanceReason, message: string): Promise<never> => {
      await this.#append(tenant, {
        kind: 'denial',
        actor: { type: 'staff', id: approver.id, department: approver.departmentId },
        action: 'export.approve',
        decision: 'deny',
        reasons: [code],
        channel: 'console',
        details: { exportId: id },
      });
      throw new CustosError(ErrorCode.Forbidden, message, { reasonCode: code });
    };
    if (row.requested_by === approver.id)
      await refuse(GovernanceReason.SelfApproval, 'an export is approved by a second person');
    if (!approver.roles.some((r) => this.settings.approverRoles.includes(r)))
      await refuse(GovernanceReason.ApproverNotOfficer, 'this approver may not approve exports');
    if (why.length < 10 || why.length > 1000)
      throw new CustosError(ErrorCode.InputInvalid, 'give a reason of 10 to 1000 characters', {
        field: 'reason',
      });
    if (row.status !== ExportStatus.PendingApproval)
      throw new CustosError(ErrorCode.Conflict, `the export is ${row.status} already`);
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: approver.id, department: approver.departmentId },
      action: 'export.approve',
      decision: 'permit',
      channel: 'console',
      details: { exportId: id, requester: row.requested_by, reasonLength: why.length },
    });
    const res = await this.#db
      .updateTable('gov_export')
      .set({ approved_by: approver.id, approval_reason: why, approved_at: this.#now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .where('status', '=', ExportStatus.PendingApproval)
      .where('approved_by', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1)
      throw new CustosError(ErrorCode.Conflict, 'the export was decided meanwhile');
    return this.#make(tenant, id);
  }

  /** Reject a pending export (an approver, not the requester); the package key is destroyed. */
  async reject(tenant: string, approver: Staff, id: string, reason: string): Promise<ExportRecord> {
    const row = await this.#row(tenant, id);
    if (!approver.roles.some((r) => this.settings.approverRoles.includes(r)))
      throw new CustosError(ErrorCode.Forbidden, 'this approver may not decide exports', {
        reasonCode: GovernanceReason.ApproverNotOfficer,
      });
    if (row.status !== ExportStatus.PendingApproval)
      throw new CustosError(ErrorCode.Conflict, `the export is ${row.status} already`);
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: approver.id },
      action: 'export.reject',
      decision: 'deny',
      channel: 'console',
      details: { exportId: id, reasonLength: String(reason ?? '').trim().length },
    });
    await this.#db
      .updateTable('gov_export')
      .set({
        status: ExportStatus.Rejected,
        approved_by: approver.id,
        approval_reason: String(reason ?? '').slice(0, 1000),
        approved_at: this.#now(),
        wrapped_key: null,
      })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .execute();
    return (await this.get(tenant, id))!;
  }

  /**
   * Download a ready package (the requester or an approver), before it expires. Each download is
   * ledgered as `disclosure.export` (fail closed) before the bytes are handed out. An expired
   * package is destroyed and refused with EXPORT_EXPIRED.
   */
  async download(
    tenant: string,
    staff: Staff,
    id: string,
    origin: ExportOrigin,
  ): Promise<{ package: Buffer; sha256: string; filename: string }> {
    await this.#windows.checkVendorAction(tenant, staff, {
      system: 'export',
      operation: 'export.download',
      address: origin.address,
      workstationId: origin.workstationId,
    });
    const row = await this.#row(tenant, id);
    const mayDownload =
      row.requested_by === staff.id ||
      staff.roles.some((r) => this.settings.approverRoles.includes(r));
    if (!mayDownload) throw new CustosError(ErrorCode.NotFound, 'export not found');
    if (row.expires_at.getTime() <= this.#now().getTime()) {
      await this.#db
        .updateTable('gov_export')
        .set({ package: null, wrapped_key: null })
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .execute();
      throw refused(GovernanceReason.ExportExpired, 'this export has expired');
    }
    if (row.status !== ExportStatus.Ready || !row.package || !row.package_sha256)
      throw new CustosError(ErrorCode.Conflict, `the export is ${row.status}, not ready`);
    const req = JSON.parse(row.request) as StoredRequest;
    const manifest = JSON.parse(row.manifest ?? '{}') as Partial<ExportManifest>;
    await this.#append(tenant, {
      kind: 'disclosure.export',
      actor: { type: 'staff', id: staff.id, department: staff.departmentId },
      action: 'export.download',
      purpose: req.purpose,
      decision: 'permit',
      fields: manifest.fields ?? [],
      networkAddress: origin.address,
      workstation: origin.workstationId,
      channel: 'export',
      details: {
        exportId: id,
        sha256: row.package_sha256,
        download: row.downloads + 1,
        patients: manifest.included ?? 0,
        ...(req.kind === 'images' ? { instances: row.item_count } : {}),
      },
    });
    await this.#db
      .updateTable('gov_export')
      .set((eb) => ({ downloads: eb('downloads', '+', 1) }))
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .execute();
    return {
      package: Buffer.from(row.package),
      sha256: row.package_sha256,
      filename: `${id}.custos-export`,
    };
  }

  /** An export (no package bytes), or null. */
  async get(tenant: string, id: string): Promise<ExportRecord | null> {
    if (typeof id !== 'string' || id.length > 64) return null;
    const r = await this.#db
      .selectFrom('gov_export')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  /** Exports waiting for a second approver, oldest first. */
  async listPending(tenant: string): Promise<ExportRecord[]> {
    const rows = await this.#db
      .selectFrom('gov_export')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('status', '=', ExportStatus.PendingApproval)
      .orderBy('created_at')
      .limit(1000)
      .execute();
    return rows.map(toRecord);
  }

  /** Destroy packages and pending keys past their expiry; returns how many. */
  async purgeExpired(tenant: string): Promise<number> {
    const res = await this.#db
      .updateTable('gov_export')
      .set({ package: null, wrapped_key: null })
      .where('tenant_id', '=', tenant)
      .where('expires_at', '<=', this.#now())
      .where((eb) => eb.or([eb('package', 'is not', null), eb('wrapped_key', 'is not', null)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  // ---- internals -----------------------------------------------------------------------

  async #check(
    tenant: string,
    input: ExportRequestInput,
    origin: ExportOrigin,
  ): Promise<StoredRequest> {
    if (typeof input !== 'object' || input === null)
      throw new CustosError(ErrorCode.InputInvalid, 'an export request is an object');
    if (!(ALL_PURPOSES as readonly string[]).includes(input.purpose))
      throw new CustosError(ErrorCode.InputInvalid, 'unknown purpose of use', { field: 'purpose' });
    if (input.kind !== 'records' && input.kind !== 'images')
      throw new CustosError(ErrorCode.InputInvalid, 'kind must be records or images', {
        field: 'kind',
      });
    const name = typeof input.recipient?.name === 'string' ? input.recipient.name.trim() : '';
    if (name.length < 1 || name.length > 200)
      throw new CustosError(ErrorCode.InputInvalid, 'name the recipient', {
        field: 'recipient.name',
      });
    if (
      !Array.isArray(input.patientIds) ||
      input.patientIds.length === 0 ||
      input.patientIds.length > this.settings.maxPatients ||
      !input.patientIds.every((p) => typeof p === 'string' && PATIENT_ID.test(p))
    )
      throw new CustosError(
        ErrorCode.InputInvalid,
        `patientIds must list 1 to ${this.settings.maxPatients} well-formed ids`,
        { field: 'patientIds' },
      );
    if (!input.recipient.publicKeyPem && input.passphrase === undefined)
      throw new CustosError(
        ErrorCode.InputInvalid,
        'give a passphrase or the recipient public key: packages are always encrypted',
        { field: 'passphrase' },
      );
    let fields = input.fields ? [...new Set(input.fields)] : undefined;
    let deidentify = input.deidentify === true || input.purpose === 'research';
    if (input.contractId !== undefined) {
      const c = await this.#contracts.require(tenant, input.contractId);
      if (contractStateAt(c, this.#now()) !== 'in-force')
        throw refused(GovernanceReason.ContractExpired, 'the contract is not in force');
      const allowed = new Set<string>(c.fields);
      fields = (fields ?? c.fields).filter((f) => allowed.has(f));
      deidentify ||= c.deidentify;
    }
    const out: StoredRequest = {
      purpose: input.purpose as Purpose,
      recipient: {
        name,
        ...(input.recipient.organization
          ? { organization: String(input.recipient.organization).slice(0, 200) }
          : {}),
      },
      patientIds: [...new Set(input.patientIds)],
      kind: input.kind,
      deidentify,
      origin,
    };
    if (input.reference) out.reference = String(input.reference).slice(0, 200);
    if (fields) out.fields = fields;
    if (input.contractId) out.contractId = input.contractId;
    return out;
  }

  async #countImages(tenant: string, patientIds: readonly string[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < patientIds.length; i += 500) {
      const r = await this.#vaultDb
        .selectFrom('vault_resource')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('tenant_id', '=', tenant)
        .where('resource_type', '=', 'ImagingStudy')
        .where('patient_id', 'in', patientIds.slice(i, i + 500))
        .executeTakeFirst();
      n += Number(r?.n ?? 0);
    }
    return n;
  }

  /** Make the package of an approved (or under-threshold) export. */
  async #make(tenant: string, id: string): Promise<ExportRecord> {
    const row = await this.#row(tenant, id);
    const req = JSON.parse(row.request) as StoredRequest;
    const requester = await this.#identity.getStaff(tenant, row.requested_by);
    if (!row.wrapped_key || !requester)
      throw new CustosError(ErrorCode.Conflict, 'the export can no longer be made');
    const discloser = this.#discloser();
    const wmKey = discloser.watermarkKey(tenant);
    const pseudoKey = randomBytes(32);
    const chunks: string[] = [];
    const tokens: string[] = [];
    const fields = new Set<string>();
    const refusedReasons: Record<string, number> = {};
    let included = 0;
    for (const patientId of req.patientIds) {
      try {
        const d = await discloser.exportRecord(
          {
            tenant,
            principal: { staff: requester },
            purpose: req.purpose,
            ...(req.reference ? { reference: req.reference } : {}),
            address: req.origin.address,
            workstationId: req.origin.workstationId,
            context: { exportId: id },
          },
          patientId,
          req.fields,
        );
        const deid = req.deidentify || d.decision.deidentify;
        const label = deid
          ? `R-${createHmac('sha256', pseudoKey).update(patientId).digest('hex').slice(0, 12)}`
          : patientId;
        const pairs: [string, string][] = [];
        flatten(d.record, '', pairs);
        const rows = pairs.map(([path, value]) => [
          label,
          path,
          deid
            ? deidentifyText(value, {
                key: pseudoKey,
                patientId,
                operators: { default: { type: 'tag' } },
              }).text
            : value,
        ]);
        const token = verifyToken(wmKey, d.mark.token);
        const csv = csvLines(rows);
        chunks.push(token ? fingerprintText(token, csv, { csv: true, spacing: 8 }) : csv);
        tokens.push(d.mark.token);
        for (const f of d.fields) fields.add(f);
        included++;
      } catch (e) {
        if (!isCustosError(e) || e.status >= 500) throw e;
        const code = typeof e.extra.reasonCode === 'string' ? e.extra.reasonCode : e.code;
        refusedReasons[code] = (refusedReasons[code] ?? 0) + 1;
      }
    }
    pseudoKey.fill(0);
    const refusedCount = req.patientIds.length - included;
    if (included === 0) {
      await this.#append(tenant, {
        kind: 'denial',
        actor: { type: 'staff', id: requester.id, department: requester.departmentId },
        action: 'export.package',
        purpose: req.purpose,
        decision: 'deny',
        reasons: Object.keys(refusedReasons).sort(),
        channel: 'export',
        details: { exportId: id, refused: refusedCount },
      });
      await this.#db
        .updateTable('gov_export')
        .set({
          status: ExportStatus.Refused,
          wrapped_key: null,
          manifest: JSON.stringify({
            included: 0,
            refused: refusedCount,
            refusedReasons,
            fields: [],
            sha256: '',
            bytes: 0,
            tokens: [],
          } satisfies ExportManifest),
        })
        .where('tenant_id', '=', tenant)
        .where('id', '=', id)
        .execute();
      return (await this.get(tenant, id))!;
    }
    const body = Buffer.from(csvLines([['record', 'field', 'value']]) + chunks.join(''), 'utf8');
    const key = await this.#keyring.unwrapKey(row.wrapped_key, this.#keyContext(tenant, id));
    const pkg = sealPackage(key, JSON.parse(row.encryption) as PackageKdf, id, body);
    key.fill(0);
    const sha256 = createHash('sha256').update(pkg).digest('hex');
    const manifest: ExportManifest = {
      included,
      refused: refusedCount,
      refusedReasons,
      fields: [...fields].sort(),
      sha256,
      bytes: pkg.length,
      tokens,
    };
    await this.#append(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: requester.id, department: requester.departmentId },
      action: 'export.package',
      purpose: req.purpose,
      decision: 'permit',
      fields: manifest.fields,
      channel: 'export',
      details: {
        exportId: id,
        sha256,
        included,
        refused: refusedCount,
        deidentified: req.deidentify,
      } as Record<string, JsonValue>,
    });
    await this.#db
      .updateTable('gov_export')
      .set({
        status: ExportStatus.Ready,
        package: pkg,
        package_sha256: sha256,
        manifest: JSON.stringify(manifest),
        // The key is not kept once the package is sealed.
        wrapped_key: null,
      })
      .where('tenant_id', '=', tenant)
      .where('id', '=', id)
      .execute();
    return (await this.get(tenant, id))!;
  }

  async #row(tenant: string, id: string): Promise<Row> {
    const r =
      typeof id === 'string' && id.length <= 64
        ? await this.#db
            .selectFrom('gov_export')
            .selectAll()
            .where('tenant_id', '=', tenant)
            .where('id', '=', id)
            .executeTakeFirst()
        : undefined;
    if (!r) throw new CustosError(ErrorCode.NotFound, 'export not found');
    return r;
  }

  #keyContext(tenant: string, id: string): string {
    return `governance-export|${tenant}|${id}`;
  }

  async #append(tenant: string, entry: LedgerEntryInput): Promise<void> {
    try {
      await this.#ledger.appendEntry(tenant, entry);
    } catch (e) {
      if (isCustosError(e) && e.status < 500 && e.code !== ErrorCode.LedgerUnavailable) throw e;
      throw new CustosError(
        ErrorCode.LedgerUnavailable,
        'the access ledger cannot record this export now; nothing was exported',
      );
    }
  }
}
