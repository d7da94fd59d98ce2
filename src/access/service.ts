/**
 * The disclosure path: identify → decide → record → read → mask → mark, one function per
 * disclosure kind. The ledger entry is committed before any disclosed field is decrypted; if the
 * ledger cannot write, the request fails with CUSTOS_LEDGER_UNAVAILABLE and nothing is read.
 */
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode, isCustosError } from '../errors/index.ts';
import { addressInCidr } from '../identity/index.ts';
import type { FieldSealer, IdentityService, Staff, Workstation } from '../identity/index.ts';
import {
  queryEntries,
  type AppendedEntry,
  type Ledger,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerTables,
} from '../ledger/index.ts';
import {
  createMaskingProfile,
  resolveMaskingProfile,
  type MaskingProfile,
  type Redactor,
} from '../masking/index.ts';
import {
  describeReasonCode,
  explainAccess as explainWithEngine,
  type AccessAction,
  type AccessExplanation,
  type AccessInput,
  type BreakGlassGrant,
  type Category,
  type Channel,
  type Decision,
  type Field,
  type PolicyEngine,
  type PrincipalFacts,
  type Purpose,
  type WorkstationFacts,
} from '../policy/index.ts';
import { findPatients, readResources, type Vault, type VaultTables } from '../vault/index.ts';
import {
  createScreenMarkSpec,
  createVisibleSpec,
  formatToken,
  issueToken,
  verifyToken,
  type DisclosureToken,
} from '../watermark/index.ts';
import {
  confidentialityOf,
  consentRestrictionsOf,
  LabelCache,
  loadDisclosureContext,
  loadPatientContext,
  loadRelationships,
  loadStaffDepartments,
  type PatientContext,
} from './facts.ts';
import { GrantStore } from './grants.ts';
import {
  checkPurpose,
  isWellFormedId,
  policyRolesOf,
  trainingStatusOf,
  workstationFactsOf,
} from './identify.ts';
import { maskView } from './mask-view.ts';
import type { AccessTables } from './migrations.ts';
import { buildRecordView, planReads, readPlanned } from './record-view.ts';
import {
  DEFAULT_ACCESS_SETTINGS,
  GrantReview,
  type AccessRequest,
  type AccessSettings,
  type BreakGlassDeclaration,
  type DisclosedRecord,
  type DisclosureMark,
  type PatientSearchQuery,
  type PatientSearchResult,
  type SearchCandidate,
  type StoredGrant,
} from './types.ts';
import { WatermarkRefs } from './watermark-refs.ts';

/** Steps of the path, reported to `AccessDeps.onStep` in the order they run. */
export type AccessStep = 'identify' | 'decide' | 'record' | 'read' | 'mask' | 'mark';

/** What the disclosure path is composed of (the runtime passes its modules). */
export interface AccessDeps {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  vault: Vault;
  /** The ledger; `appendEntry` is looked up on every call (so it can be wrapped). */
  ledger: Pick<Ledger, 'appendEntry'>;
  identity: IdentityService;
  /** The policy engine, or a getter when it is hot-reloaded. */
  policy: PolicyEngine | (() => PolicyEngine);
  now: () => Date;
  /** Watermark key (≥ 16 bytes, from the keyring): the disclosure tokens' MAC key. */
  watermarkKey: Uint8Array;
  /** Seals break-the-glass reasons and review notes. */
  sealer: FieldSealer;
  settings?: Partial<AccessSettings>;
  /** Free-text redactor for masking (default: the built-in detector). */
  redactor?: Redactor;
  /** Observes the steps as they run (tests and tracing); must not throw. */
  onStep?: (step: AccessStep, info: { tenant: string; patientId?: string }) => void;
}

/** Options of a record disclosure. */
export interface DiscloseOptions {
  /** Fields or categories asked for; absent means "what my role may see". */
  requested?: Category[];
}

/** Who a privacy officer asks about. */
export interface ExplainQuestion {
  staffId: string;
  patientId: string;
  purpose: string | undefined;
  action?: AccessAction;
  channel?: Channel;
  /** Evaluate at this workstation and address; default a registered internal workstation. */
  workstationId?: string;
  address?: string;
}

/** A privacy officer's review of a break-the-glass access. */
export interface GrantReviewInput {
  outcome: 'approved' | 'flagged';
  note?: string;
}

/** Fields a search candidate may show (the decision still limits them). */
const SEARCH_FIELDS: readonly Field[] = [
  'demographics.name',
  'demographics.sex',
  'demographics.birthDate',
  'demographics.idNumber',
  'demographics.mrn',
];

/** The masking of search candidates: enough to pick the right patient, nothing more (years as digits). */
const SEARCH_PROFILE: MaskingProfile = createMaskingProfile(
  'search-candidates',
  {
    'demographics.name': { op: 'name', style: 'keep-first-last' },
    'demographics.sex': { op: 'show' },
    'demographics.birthDate': { op: 'date', precision: 'year' },
    'demographics.idNumber': { op: 'id-number', keepStart: 0, keepEnd: 4 },
    'demographics.mrn': { op: 'show' },
  },
  'en',
);

const LEDGER_CHANNEL: Readonly<Record<Channel, string>> = {
  screen: 'console',
  api: 'api',
  print: 'print',
  export: 'export',
  'queue-display': 'queue-display',
  label: 'label',
};

const KIND_OF: Readonly<Record<AccessAction, LedgerEntryInput['kind']>> = {
  read: 'disclosure.read',
  search: 'disclosure.search',
  print: 'disclosure.print',
  export: 'disclosure.export',
};

function notFound(): CustosError {
  // One answer for unknown, malformed and hidden patients: it must not reveal which it was.
  return new CustosError(ErrorCode.NotFound, 'patient not found');
}

function ledgerDown(): CustosError {
  return new CustosError(
    ErrorCode.LedgerUnavailable,
    'the access ledger cannot record this access now; nothing was disclosed',
  );
}

/** Who is asking, resolved: policy facts plus what the ledger and the watermark need. */
interface Identified {
  tenant: string;
  staff: Staff;
  purpose: Purpose;
  principal: PrincipalFacts;
  workstation: WorkstationFacts;
  workstationLabel: string | undefined;
  address: string | null;
  /** Ethics approval, court order or request id some purposes require. */
  reference?: string;
}

/**
 * The access service: the only way patient data leaves Custos. Construct once per process with
 * the runtime's modules.
 */
export class AccessService {
  readonly settings: AccessSettings;
  readonly grants: GrantStore;
  readonly #deps: AccessDeps;
  readonly #refs: WatermarkRefs;
  readonly #workstations = new Map<string, { at: number; list: Workstation[] }>();
  readonly #departments = new Map<string, { at: number; ids: string[] }>();
  readonly #labels = new LabelCache();
  readonly #profiles = new Map<string, MaskingProfile>();

  constructor(deps: AccessDeps) {
    this.#deps = deps;
    this.settings = { ...DEFAULT_ACCESS_SETTINGS, ...deps.settings };
    this.grants = new GrantStore(deps.db as Kysely<AccessTables>, deps.sealer);
    this.#refs = new WatermarkRefs(deps.db as Kysely<AccessTables>);
    if (!(deps.watermarkKey instanceof Uint8Array) || deps.watermarkKey.length < 16)
      throw new CustosError(ErrorCode.KeyUnavailable, 'watermark key must be at least 16 bytes');
  }

  get #policy(): PolicyEngine {
    const p = this.#deps.policy;
    return typeof p === 'function' ? p() : p;
  }

  /**
   * The watermark key tokens of `tenant` are issued under (one key per runtime today; tokens
   * are resolved within the tenant's own ledger).
   */
  watermarkKey(_tenant: string): Uint8Array {
    return this.#deps.watermarkKey;
  }

  // ---- the four disclosure kinds ----------------------------------------------------------

  /**
   * Open a patient's record on screen (or by API): the fields the decision allows, masked for
   * the role, purpose and channel, carrying the watermark token of its ledger entry.
   * Errors: 400 unknown purpose, 404 unknown/malformed/hidden patient, 403 CUSTOS_ACCESS_DENIED
   * with `reasonCode` and `breakGlassAvailable`, 503 CUSTOS_LEDGER_UNAVAILABLE.
   */
  async readRecord(
    req: AccessRequest,
    patientId: string,
    opts: DiscloseOptions & { channel?: 'screen' | 'api' | 'queue-display' | 'label' } = {},
  ): Promise<DisclosedRecord> {
    return this.#disclose(req, patientId, 'read', opts.channel ?? 'screen', opts);
  }

  /** Print a record: the print channel's masking, ledgered as `disclosure.print`. */
  async printRecord(
    req: AccessRequest,
    patientId: string,
    opts: DiscloseOptions = {},
  ): Promise<DisclosedRecord> {
    return this.#disclose(req, patientId, 'print', 'print', opts);
  }

  /** Export a record: the export channel's masking, ledgered as `disclosure.export`. */
  async exportRecord(
    req: AccessRequest,
    patientId: string,
    opts: DiscloseOptions = {},
  ): Promise<DisclosedRecord> {
    return this.#disclose(req, patientId, 'export', 'export', opts);
  }

  /**
   * Minimum-necessary patient search by exact name, phone, ID number or MRN (blind indexes):
   * masked candidates with only what is needed to pick the patient. Ledgered as
   * `disclosure.search` (with the candidates' ids); opening a record is a separate decision.
   * Very restricted (and restricted) patients the user could neither open nor break the glass
   * for are left out.
   */
  async searchPatients(
    req: AccessRequest,
    query: PatientSearchQuery,
  ): Promise<PatientSearchResult> {
    const criteria = checkSearchQuery(query);
    const who = await this.#identify(req);
    const now = this.#deps.now();
    const policy = this.#policy;
    const base = (patientId: string): AccessInput => ({
      principal: who.principal,
      patient: {
        patientId,
        confidentiality: 'N',
        admittedDepartmentIds: [],
        sensitiveCategories: [],
        restrictions: { hiddenSections: [], blockedStaffIds: [], researchOptOut: false },
      },
      relationships: [],
      purpose: who.purpose,
      action: 'search',
      channel: 'screen',
      workstation: who.workstation,
      now: now.toISOString(),
      requested: [...SEARCH_FIELDS],
      ...(req.reference ? { reference: req.reference } : {}),
    });
    // May this user search at all? Decided on a neutral patient before anything is looked up.
    const probe = policy.decideAccess(base('search-probe'));
    this.#step('decide', req.tenant);
    if (probe.decision === 'deny') {
      await this.#append(req.tenant, {
        ...this.#entryBase(who, 'denial', null, 'screen'),
        decision: 'deny',
        fields: [...SEARCH_FIELDS],
        reasons: [...probe.reasonCodes, `policy-version:${probe.policyVersion}`],
        details: { action: 'search', criteria },
      });
      this.#step('record', req.tenant);
      throw denied(probe);
    }
    const ids = await findPatients(this.#deps.vault, req.tenant, {
      ...(query.name !== undefined ? { name: query.name.trim() } : {}),
      ...(query.phone !== undefined ? { phone: query.phone.trim() } : {}),
      ...(query.idNumber !== undefined ? { idNumber: query.idNumber.trim() } : {}),
      ...(query.mrn !== undefined ? { mrn: query.mrn.trim() } : {}),
    });
    const limit = this.settings.searchLimit;
    const considered = ids.slice(0, limit * 3);
    const facts = await this.#searchFacts(req.tenant, considered, now);
    const kept: { patientId: string; decision: Decision }[] = [];
    for (const id of considered) {
      const f = facts.get(id);
      if (!f) continue;
      const input = base(id);
      input.patient.confidentiality = f.confidentiality;
      input.patient.restrictions.blockedStaffIds = f.blocked;
      const d = policy.decideAccess(input);
      if (d.decision !== 'permit') continue;
      if (f.confidentiality !== 'N') {
        // Restricted records appear only to users who could open them or break the glass.
        const { relationships, admittedDepartmentIds } = await loadRelationships(
          this.#deps.vault,
          req.tenant,
          id,
          who.staff.id,
          who.principal.departmentIds,
          now,
        );
        const read = policy.decideAccess({
          ...input,
          action: 'read',
          relationships,
          patient: { ...input.patient, admittedDepartmentIds },
          requested: undefined,
        } as AccessInput);
        if (read.decision !== 'permit' && !read.breakGlassAvailable) continue;
      }
      kept.push({ patientId: id, decision: d });
      if (kept.length > limit) break;
    }
    const truncated = kept.length > limit || ids.length > considered.length;
    const shown = kept.slice(0, limit);
    const fields = [...new Set(shown.flatMap((k) => k.decision.fields))].sort();
    const token = await this.#token(req.tenant);
    const appended = await this.#append(req.tenant, {
      ...this.#entryBase(who, 'disclosure.search', null, 'screen'),
      decision: 'permit',
      fields,
      reasons: [`policy-version:${probe.policyVersion}`],
      watermarkToken: token.text,
      details: {
        criteria,
        results: shown.length,
        truncated,
        patients: shown.map((k) => k.patientId),
      },
    });
    this.#step('record', req.tenant);
    const sections = new Set<string>();
    for (const f of fields) {
      if (f === 'demographics.name') sections.add('identity');
      else if (f === 'demographics.idNumber' || f === 'demographics.mrn')
        sections.add('identifiers');
      else sections.add('demographics');
    }
    const read =
      shown.length > 0 && sections.size > 0
        ? await readResources(
            this.#deps.vault,
            req.tenant,
            shown.map((k) => ({ resourceType: 'Patient', id: k.patientId })),
            { sections: [...sections].sort() },
          )
        : [];
    this.#step('read', req.tenant);
    const byId = new Map(read.map((r) => [r.meta.id, r]));
    const candidates: SearchCandidate[] = [];
    for (const k of shown) {
      const r = byId.get(k.patientId);
      if (!r) continue;
      const view = buildRecordView([r], [], k.decision);
      const m = maskView(view, SEARCH_PROFILE) as {
        demographics?: Record<string, string | undefined>;
      };
      const d = m.demographics ?? {};
      const c: SearchCandidate = { patientId: k.patientId };
      if (d.name) c.name = d.name;
      if (d.sex) c.sex = d.sex;
      if (d.birthDate) c.birthYear = d.birthDate;
      if (d.idNumber) c.idNumberTail = d.idNumber;
      if (d.mrn) c.mrn = d.mrn;
      candidates.push(c);
    }
    this.#step('mask', req.tenant);
    const mark = this.#mark(who, token, now);
    this.#step('mark', req.tenant);
    return { candidates, truncated, ledgerSeq: appended.seq, mark };
  }

  // ---- break-the-glass --------------------------------------------------------------------

  /**
   * Break the glass (紧急访问（破窗）): only when the denial says it is available to this user.
   * Ledgered as `break-glass` before the grant is stored; the grant lasts the policy's
   * `breakGlassHours`, needs review and is listed for the patient's notification.
   */
  async requestBreakGlass(
    req: AccessRequest,
    patientId: string,
    declaration: BreakGlassDeclaration,
  ): Promise<StoredGrant> {
    const who = await this.#identify(req);
    if (!isWellFormedId(patientId)) {
      await this.#recordMissing(who, null, 'break-glass', 'screen', {}, 'PATIENT_ID_MALFORMED');
      throw notFound();
    }
    const now = this.#deps.now();
    const ctx = await this.#context(req.tenant, patientId, now);
    if (!ctx) {
      await this.#recordMissing(who, patientId, 'break-glass', 'screen', {}, 'PATIENT_NOT_FOUND');
      throw notFound();
    }
    const input = await this.#input(who, ctx, 'read', 'screen', now, {});
    let grant: BreakGlassGrant;
    try {
      grant = this.#policy.grantBreakGlass(input, {
        reasonCode: declaration.reasonCode,
        reasonText: declaration.reasonText,
      });
    } catch (e) {
      if (isCustosError(e, ErrorCode.Forbidden)) {
        const d = this.#policy.decideAccess({ ...input, breakGlass: undefined });
        await this.#append(req.tenant, {
          ...this.#entryBase(who, 'denial', patientId, 'screen'),
          decision: 'deny',
          reasons: ['BREAK_GLASS_NOT_AVAILABLE', `policy-version:${d.policyVersion}`],
          details: { action: 'break-glass', reasonCode: declaration.reasonCode ?? null },
        });
        if (hidden(ctx, d)) throw notFound();
        throw new CustosError(ErrorCode.Forbidden, 'break-the-glass is not available here', {
          reasonCode: d.decision === 'permit' ? 'ALREADY_PERMITTED' : (d.reasonCode ?? null),
        });
      }
      throw e;
    }
    const appended = await this.#append(req.tenant, {
      ...this.#entryBase(who, 'break-glass', patientId, 'screen'),
      decision: 'permit',
      reasons: [grant.reasonCode, `policy-version:${this.#policy.version}`],
      details: {
        grantId: grant.grantId,
        grantedAt: grant.grantedAt,
        expiresAt: grant.expiresAt,
        reviewRequired: true,
        notifyPatient: true,
      },
    });
    await this.grants.save(req.tenant, grant, {
      workstationId: who.workstation.id ?? null,
      ledgerSeq: appended.seq,
    });
    const stored = await this.grants.get(req.tenant, grant.grantId);
    if (!stored) throw new CustosError(ErrorCode.Internal, 'break-the-glass grant was not stored');
    return stored;
  }

  /** The review queue: break-the-glass grants awaiting review (privacy officers only). */
  async listBreakGlassReviews(
    req: Pick<AccessRequest, 'tenant' | 'staff'>,
    filter: { review?: GrantReview; limit?: number } = {},
  ): Promise<StoredGrant[]> {
    requirePrivacyOfficer(req.staff);
    return this.grants.list(req.tenant, {
      review: filter.review ?? GrantReview.Pending,
      ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
    });
  }

  /**
   * Approve or flag a break-the-glass access (privacy officers; never one's own). Ledgered as an
   * admin entry before it is stored.
   */
  async reviewBreakGlass(
    req: Pick<AccessRequest, 'tenant' | 'staff' | 'workstationId' | 'address'>,
    grantId: string,
    review: GrantReviewInput,
  ): Promise<StoredGrant> {
    requirePrivacyOfficer(req.staff);
    if (review.outcome !== 'approved' && review.outcome !== 'flagged')
      throw new CustosError(ErrorCode.BadRequest, 'outcome must be approved or flagged', {
        field: 'outcome',
      });
    const note = (review.note ?? '').trim();
    if (note.length > 2000)
      throw new CustosError(ErrorCode.BadRequest, 'the review note is too long', { field: 'note' });
    if (!isWellFormedId(grantId)) throw new CustosError(ErrorCode.NotFound, 'grant not found');
    const g = await this.grants.get(req.tenant, grantId);
    if (!g) throw new CustosError(ErrorCode.NotFound, 'grant not found');
    if (g.staffId === req.staff.id)
      throw new CustosError(ErrorCode.Forbidden, 'nobody reviews their own break-the-glass access');
    if (g.review !== GrantReview.Pending)
      throw new CustosError(ErrorCode.Conflict, 'this break-the-glass access was reviewed already');
    const now = this.#deps.now();
    await this.#append(req.tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: req.staff.id, department: req.staff.departmentId },
      patientId: g.patientId,
      action: 'break-glass.review',
      decision: review.outcome === 'approved' ? 'permit' : 'deny',
      reasons: [review.outcome],
      workstation: req.workstationId ?? null,
      networkAddress: req.address ?? null,
      channel: 'console',
      details: { grantId, outcome: review.outcome, staffId: g.staffId },
    });
    await this.grants.review(req.tenant, grantId, review.outcome, req.staff.id, note, now);
    return (await this.grants.get(req.tenant, grantId))!;
  }

  /** Break-the-glass grants on one patient (for the patient's notification and portal). */
  async listBreakGlassForPatient(
    tenant: string,
    patientId: string,
    filter: { notified?: boolean } = {},
  ): Promise<StoredGrant[]> {
    return this.grants.list(tenant, { patientId, ...filter });
  }

  /** Mark that the patient was told about a grant; false when it was already marked. */
  async markPatientNotified(tenant: string, grantId: string): Promise<boolean> {
    return this.grants.markNotified(tenant, grantId, this.#deps.now());
  }

  // ---- explain and trace ------------------------------------------------------------------

  /**
   * "Could X see Y, and why" for a privacy officer: the decision for that staff member and
   * patient with an explanation in English and Chinese. Ledgered as an admin entry; 404 for an
   * unknown staff member or patient.
   */
  async explain(
    req: Pick<AccessRequest, 'tenant' | 'staff' | 'workstationId' | 'address'>,
    q: ExplainQuestion,
  ): Promise<AccessExplanation & { patientKnown: true }> {
    requirePrivacyOfficer(req.staff);
    const purpose = checkPurpose(q.purpose);
    if (!isWellFormedId(q.staffId))
      throw new CustosError(ErrorCode.NotFound, 'staff member not found');
    const target = await this.#deps.identity.getStaff(req.tenant, q.staffId);
    if (!target) throw new CustosError(ErrorCode.NotFound, 'staff member not found');
    if (!isWellFormedId(q.patientId)) throw notFound();
    const now = this.#deps.now();
    const ctx = await this.#context(req.tenant, q.patientId, now);
    if (!ctx) throw notFound();
    const who = await this.#identify(
      {
        tenant: req.tenant,
        staff: target,
        purpose,
        workstationId: q.workstationId ?? null,
        address: q.address ?? null,
      },
      q.workstationId === undefined,
    );
    const input = await this.#input(who, ctx, q.action ?? 'read', q.channel ?? 'screen', now, {});
    const explanation = explainWithEngine(input, this.#policy);
    await this.#append(req.tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: req.staff.id, department: req.staff.departmentId },
      patientId: q.patientId,
      action: 'access.explain',
      purpose,
      decision: explanation.decision.decision,
      reasons: [`policy-version:${explanation.decision.policyVersion}`],
      workstation: req.workstationId ?? null,
      networkAddress: req.address ?? null,
      channel: 'console',
      details: { staffId: q.staffId, action: input.action, channel: input.channel },
    });
    return { ...explanation, patientKnown: true };
  }

  /** The ledger entry a watermark token names (null for a forged token or no entry). */
  async resolveWatermarkToken(tenant: string, token: string): Promise<LedgerEntry | null> {
    const t = verifyToken(this.watermarkKey(tenant), token);
    if (!t) return null;
    const page = await queryEntries(this.#deps.db as Kysely<LedgerTables>, {
      tenant,
      watermarkToken: t.text,
      limit: 1,
    });
    return page.entries[0] ?? null;
  }

  // ---- the steps --------------------------------------------------------------------------

  async #disclose(
    req: AccessRequest,
    patientId: string,
    action: AccessAction,
    channel: Channel,
    opts: DiscloseOptions,
  ): Promise<DisclosedRecord> {
    // identify
    const who = await this.#identify(req);
    const now = this.#deps.now();
    if (!isWellFormedId(patientId)) {
      // Still an access attempt: ledgered (without the malformed value), then the same 404.
      await this.#recordMissing(who, null, action, channel, opts, 'PATIENT_ID_MALFORMED');
      throw notFound();
    }
    // Facts of the patient and the care graph in one statement (clear columns only; no
    // disclosed field is read).
    const found = await loadDisclosureContext(
      this.#deps.vault,
      req.tenant,
      patientId,
      who.staff.id,
      who.principal.departmentIds,
      now,
      this.#labels,
    );
    if (!found) {
      await this.#recordMissing(who, patientId, action, channel, opts, 'PATIENT_NOT_FOUND');
      throw notFound();
    }
    const { ctx, rels, sealed } = found;
    // decide
    const input = await this.#input(who, ctx, action, channel, now, opts, false, rels);
    let decision = this.#policy.decideAccess(input);
    if (decision.breakGlassAvailable) {
      // Only a decision that break-the-glass could change looks for a grant (saves a query on
      // every ordinary read); an expired grant turns the reason into BREAK_GLASS_EXPIRED.
      const grant = await this.grants.latestFor(req.tenant, who.staff.id, patientId, now);
      if (grant) {
        input.breakGlass = grant;
        decision = this.#policy.decideAccess(input);
      }
    }
    this.#step('decide', req.tenant, patientId);
    const ledgerChannel = channel;
    if (decision.decision === 'deny') {
      // record the denial (fail closed as well: an unrecorded denial is an unrecorded probe)
      await this.#append(req.tenant, {
        ...this.#entryBase(who, 'denial', patientId, ledgerChannel),
        decision: 'deny',
        fields: opts.requested ?? [],
        reasons: [...decision.reasonCodes, `policy-version:${decision.policyVersion}`],
        details: {
          action,
          channel,
          breakGlassAvailable: decision.breakGlassAvailable,
          ...(input.breakGlass ? { grantId: input.breakGlass.grantId } : {}),
        },
      });
      this.#step('record', req.tenant, patientId);
      if (hidden(ctx, decision)) throw notFound();
      throw denied(decision);
    }
    // record
    const profile = this.#profile(who.principal.roles, who.purpose, channel, decision.deidentify);
    const token = await this.#token(req.tenant);
    const reasons = [
      ...decision.reasons.filter((r) => r.effect === 'permit').map((r) => r.policyId),
      ...[...new Set(decision.relationships.map((r) => `relationship:${r.kind}`))],
      ...(decision.breakGlassUsed ? ['break-glass'] : []),
      `policy-version:${decision.policyVersion}`,
    ];
    const kind = action === 'read' && channel === 'api' ? 'disclosure.api' : KIND_OF[action];
    const appended = await this.#append(req.tenant, {
      ...this.#entryBase(who, kind, patientId, ledgerChannel),
      decision: 'permit',
      fields: decision.fields,
      categories: decision.sensitiveCategories,
      reasons: [...new Set(reasons)],
      watermarkToken: token.text,
      details: {
        action,
        channel,
        maskingProfile: profile.id,
        deidentify: decision.deidentify,
        withheld: decision.withheld,
        ...(decision.scopes.length > 0 ? { scopes: decision.scopes.map((s) => s.kind) } : {}),
        ...(decision.breakGlassUsed && input.breakGlass
          ? { grantId: input.breakGlass.grantId }
          : {}),
      },
    });
    this.#step('record', req.tenant, patientId);
    // read: only what the decision allows
    const plan = planReads(ctx, decision);
    const read = await readPlanned(this.#deps.vault, req.tenant, plan, ctx.rows, sealed);
    this.#step('read', req.tenant, patientId);
    // mask
    const view = buildRecordView(read, ctx.rows, decision);
    const record = maskView(view, profile, this.#deps.redactor);
    this.#step('mask', req.tenant, patientId);
    // mark
    const mark = this.#mark(who, token, now);
    this.#step('mark', req.tenant, patientId);
    const out: DisclosedRecord = {
      patientId,
      record,
      fields: decision.fields,
      sensitiveCategories: decision.sensitiveCategories,
      withheld: decision.withheld,
      resourcesWithheld: plan.withheld,
      purpose: who.purpose,
      channel,
      maskingProfile: profile.id,
      decision: {
        policyVersion: decision.policyVersion,
        policies: [...new Set(decision.reasons.map((r) => r.policyId))],
        relationships: [...new Set(decision.relationships.map((r) => r.kind))],
        breakGlassUsed: decision.breakGlassUsed,
        deidentify: decision.deidentify,
      },
      ledgerSeq: appended.seq,
      mark,
    };
    if (decision.breakGlassUsed && input.breakGlass)
      out.breakGlass = {
        grantId: input.breakGlass.grantId,
        expiresAt: input.breakGlass.expiresAt,
      };
    return out;
  }

  /**
   * Ledger an attempt on a patient that does not exist (or an id that cannot be one) as a
   * denial, fail closed like every other entry; the caller then answers the common 404.
   */
  async #recordMissing(
    who: Identified,
    patientId: string | null,
    action: AccessAction | 'break-glass',
    channel: Channel,
    opts: DiscloseOptions,
    reason: 'PATIENT_NOT_FOUND' | 'PATIENT_ID_MALFORMED',
  ): Promise<void> {
    await this.#append(who.tenant, {
      ...this.#entryBase(who, 'denial', patientId, channel),
      decision: 'deny',
      fields: opts.requested ?? [],
      reasons: [reason],
      details: { action, channel },
    });
    this.#step('record', who.tenant, patientId ?? undefined);
  }

  async #identify(req: AccessRequest, assumeRegistered = false): Promise<Identified> {
    const purpose = checkPurpose(req.purpose);
    const now = this.#deps.now();
    const staff = req.staff;
    const address = req.address ?? null;
    const [departmentIds, ws] = await Promise.all([
      this.#staffDepartments(req.tenant, staff, now),
      this.#resolveWorkstation(req.tenant, req.workstationId ?? null, address),
    ]);
    let workstation = workstationFactsOf(ws, address, this.settings);
    if (assumeRegistered && !ws) {
      workstation = { registered: true, location: 'clinic', network: 'internal' };
      if (staff.departmentId) workstation.departmentId = staff.departmentId;
    }
    const principal: PrincipalFacts = {
      staffId: staff.id,
      roles: policyRolesOf(staff.roles),
      departmentIds,
      status: staff.status,
      training: trainingStatusOf(
        staff.trainingCompletedAt,
        now,
        this.settings.trainingValidityDays,
      ),
    };
    this.#step('identify', req.tenant);
    return {
      tenant: req.tenant,
      staff,
      purpose,
      principal,
      workstation,
      workstationLabel: ws?.label,
      address,
      ...(req.reference ? { reference: req.reference } : {}),
    };
  }

  async #input(
    who: Identified,
    ctx: PatientContext,
    action: AccessAction,
    channel: Channel,
    now: Date,
    opts: DiscloseOptions,
    withGrant = true,
    known?: Awaited<ReturnType<typeof loadRelationships>>,
  ): Promise<AccessInput> {
    const [{ relationships, admittedDepartmentIds }, grant] = await Promise.all([
      known ??
        loadRelationships(
          this.#deps.vault,
          who.tenant,
          ctx.patientId,
          who.staff.id,
          who.principal.departmentIds,
          now,
        ),
      withGrant
        ? this.grants.latestFor(who.tenant, who.staff.id, ctx.patientId, now)
        : Promise.resolve(undefined),
    ]);
    const input: AccessInput = {
      principal: who.principal,
      patient: { ...ctx.facts, admittedDepartmentIds },
      relationships,
      purpose: who.purpose,
      action,
      channel,
      workstation: who.workstation,
      now: now.toISOString(),
    };
    if (grant) input.breakGlass = grant;
    if (opts.requested) input.requested = opts.requested;
    if (who.reference) input.reference = who.reference;
    return input;
  }

  /**
   * The masking profile of (roles, purpose, channel, de-identification): a pure function of
   * those and the service's settings, so it is resolved once per combination.
   */
  #profile(roles: readonly string[], purpose: Purpose, channel: Channel, deidentify: boolean) {
    const key = `${roles.join('+')}|${purpose}|${channel}|${deidentify ? 1 : 0}`;
    let p = this.#profiles.get(key);
    if (!p) {
      p = resolveMaskingProfile(
        {
          roles: roles as PrincipalFacts['roles'],
          purpose,
          channel,
          deidentify,
          locale: this.settings.locale,
        },
        this.settings.masking,
      );
      if (this.#profiles.size >= 512) this.#profiles.clear();
      this.#profiles.set(key, p);
    }
    return p;
  }

  async #context(tenant: string, patientId: string, now: Date): Promise<PatientContext | null> {
    return loadPatientContext(this.#deps.vault, tenant, patientId, now, this.#labels);
  }

  /** Departments of a staff member now (cached 10 s: role changes take effect within that). */
  async #staffDepartments(tenant: string, staff: Staff, now: Date): Promise<string[]> {
    const key = `${tenant}|${staff.id}|${staff.departmentId ?? ''}`;
    const t = performance.now();
    const hit = this.#departments.get(key);
    if (hit && t - hit.at <= 10_000) return hit.ids;
    const ids = await loadStaffDepartments(
      this.#deps.vault,
      tenant,
      staff.id,
      staff.departmentId,
      now,
    );
    if (this.#departments.size > 4096) this.#departments.clear();
    this.#departments.set(key, { at: t, ids });
    return ids;
  }

  async #resolveWorkstation(
    tenant: string,
    id: string | null,
    address: string | null,
  ): Promise<Workstation | null> {
    if (!id || !address || !isWellFormedId(id)) return null;
    // A short cache: registering or retiring a workstation takes effect within 10 s.
    const t = performance.now();
    let hit = this.#workstations.get(tenant);
    if (!hit || t - hit.at > 10_000) {
      hit = { at: t, list: await this.#deps.identity.listWorkstations(tenant) };
      this.#workstations.set(tenant, hit);
    }
    const w = hit.list.find((x) => x.id === id && x.active);
    return w && addressInCidr(address, w.network) ? w : null;
  }

  async #searchFacts(
    tenant: string,
    ids: readonly string[],
    now: Date,
  ): Promise<Map<string, { confidentiality: 'N' | 'R' | 'V'; blocked: string[] }>> {
    const out = new Map<string, { confidentiality: 'N' | 'R' | 'V'; blocked: string[] }>();
    if (ids.length === 0) return out;
    const db = this.#deps.vault.db as Kysely<VaultTables>;
    const rows = await db
      .selectFrom('vault_resource')
      .select(['resource_type', 'id', 'patient_id', 'confidentiality', 'status'])
      .where('tenant_id', '=', tenant)
      .where('patient_id', 'in', [...ids])
      .where('resource_type', 'in', ['Patient', 'Consent'])
      .execute();
    const consents: { resourceType: string; id: string }[] = [];
    const consentOwner = new Map<string, string>();
    for (const r of rows) {
      if (r.resource_type === 'Patient' && r.id === r.patient_id)
        out.set(r.id, { confidentiality: confidentialityOf(r.confidentiality), blocked: [] });
      else if (r.resource_type === 'Consent' && r.status !== 'inactive' && r.patient_id) {
        consents.push({ resourceType: 'Consent', id: r.id });
        consentOwner.set(r.id, r.patient_id);
      }
    }
    if (consents.length > 0) {
      const read = await readResources(this.#deps.vault, tenant, consents, {
        sections: ['admin', 'clinical'],
      });
      for (const c of read) {
        const owner = consentOwner.get(c.meta.id);
        const f = owner ? out.get(owner) : undefined;
        if (!f) continue;
        f.blocked.push(...consentRestrictionsOf([c.resource], now).blockedStaffIds);
      }
    }
    return out;
  }

  async #token(tenant: string): Promise<DisclosureToken> {
    return issueToken(this.watermarkKey(tenant), await this.#refs.next(tenant));
  }

  #mark(who: Identified, token: DisclosureToken, now: Date): DisclosureMark {
    const input: Parameters<typeof createVisibleSpec>[0] = {
      staffName: who.staff.name,
      staffNumber: who.staff.staffNumber,
      time: now,
      token,
      timeZone: this.settings.timeZone,
    };
    if (who.workstationLabel) input.workstation = who.workstationLabel;
    return {
      token: formatToken(token),
      visible: createVisibleSpec(input),
      screen: createScreenMarkSpec(this.watermarkKey(who.tenant), token),
    };
  }

  #entryBase(
    who: Identified,
    kind: LedgerEntryInput['kind'],
    patientId: string | null,
    channel: Channel,
  ): LedgerEntryInput {
    return {
      kind,
      actor: { type: 'staff', id: who.staff.id, department: who.staff.departmentId },
      patientId,
      purpose: who.purpose,
      workstation: who.workstation.id ?? null,
      networkAddress: who.address,
      channel: LEDGER_CHANNEL[channel],
    };
  }

  /** Append to the ledger; any failure is CUSTOS_LEDGER_UNAVAILABLE (503) and stops the path. */
  async #append(tenant: string, entry: LedgerEntryInput): Promise<AppendedEntry> {
    try {
      return await this.#deps.ledger.appendEntry(tenant, entry);
    } catch (e) {
      if (isCustosError(e) && e.code !== ErrorCode.LedgerUnavailable && e.status < 500) throw e;
      throw ledgerDown();
    }
  }

  #step(step: AccessStep, tenant: string, patientId?: string): void {
    this.#deps.onStep?.(step, patientId === undefined ? { tenant } : { tenant, patientId });
  }
}

/**
 * A restricted patient the user may not know about: R/V record, no relationship at all, and no
 * break-the-glass on offer. The answer is the same 404 as for an unknown patient.
 */
function hidden(ctx: PatientContext, d: Decision): boolean {
  return (
    d.decision === 'deny' &&
    ctx.facts.confidentiality !== 'N' &&
    d.relationships.length === 0 &&
    !d.breakGlassAvailable
  );
}

function denied(d: Decision): CustosError {
  const code = d.reasonCode ?? 'NOT_PERMITTED_FOR_ROLE';
  const hint = d.breakGlassAvailable ? ': break-the-glass available' : '';
  return new CustosError(
    ErrorCode.AccessDenied,
    `access denied: ${describeReasonCode(code)}${hint}`,
    {
      reasonCode: code,
      reasonCodes: d.reasonCodes,
      breakGlassAvailable: d.breakGlassAvailable,
      policyVersion: d.policyVersion,
      reasonText: {
        en: describeReasonCode(code, 'en'),
        'zh-CN': describeReasonCode(code, 'zh-CN'),
      },
    },
  );
}

function requirePrivacyOfficer(staff: Staff): void {
  if (!staff.roles.includes('privacy-officer'))
    throw new CustosError(ErrorCode.Forbidden, 'this needs the privacy-officer role');
}

const MAX_CRITERION = 64;

/** Validate search criteria; returns the kinds used (never the values: they go to the ledger). */
function checkSearchQuery(q: PatientSearchQuery): string[] {
  const kinds: string[] = [];
  for (const k of ['name', 'phone', 'idNumber', 'mrn'] as const) {
    const v = q[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > MAX_CRITERION)
      throw new CustosError(
        ErrorCode.BadRequest,
        `search ${k} must be 1 to ${MAX_CRITERION} characters`,
        {
          field: k,
        },
      );
    kinds.push(k);
  }
  if (kinds.length === 0)
    throw new CustosError(ErrorCode.BadRequest, 'give a name, phone, ID number or MRN to search', {
      field: 'query',
    });
  return kinds;
}
