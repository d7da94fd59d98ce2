/**
 * Compliance duties next to breach response:
 * - PIPL Art. 55/56 impact assessments generated from the live configuration (data held by
 *   category and grade, purposes seen in the ledger, policies, third parties, safeguards),
 *   editable and versioned, each version kept at least three years;
 * - processing records: monthly summaries of the ledger that outlive its retention (>= 3 years);
 * - retention rules per category, due records crypto-shredded with a signed destruction
 *   certificate, legal holds that stop destruction, and destruction of printed material and
 *   films recorded against the record (who, how, witness);
 * - training records with expiry, and periodic access reviews in which department heads
 *   recertify their staff's roles.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { ensureSigningKey, verifySignature } from '../crypto/index.ts';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { ROLES, type Role } from '../identity/index.ts';
import { canonicalJson, getRetention, type JsonValue, type LedgerTables } from '../ledger/index.ts';
import { getKeyStatus, shredPatient, type VaultTables } from '../vault/index.ts';
import { checkId, checkText, invalid, notFound } from './checks.ts';
import type { IncidentTables } from './migrations.ts';
import type { IncidentDeps } from './service.ts';
import { IncidentReason, type IncidentActor } from './types.ts';

const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
/** PIPL Art. 56: assessment reports and processing records are kept at least three years. */
export const KEEP_YEARS = 3;

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const addYears = (d: Date, y: number): Date => new Date(d.getTime() + y * YEAR);
const digestOf = (v: JsonValue): string =>
  createHash('sha256').update(canonicalJson(v)).digest('hex');

// ---- impact assessment ---------------------------------------------------------------------

/** Sections of an assessment the privacy office writes (generated facts are kept apart). */
export interface AssessmentText {
  purposes: string;
  necessity: string;
  risks: string;
  measures: string;
  crossBorder: string;
  conclusion: string;
}

/** An impact assessment document (one version). */
export interface ImpactAssessment {
  assessmentId: string;
  version: number;
  createdAt: Date;
  createdBy: string;
  note: string;
  digest: string;
  retainUntil: Date;
  facts: AssessmentFacts;
  text: AssessmentText;
}

/** The facts an assessment is generated from (the live configuration at that moment). */
export interface AssessmentFacts {
  generatedAt: string;
  dataHeld: { category: string; grade: number; resources: number }[];
  patients: number;
  restrictedRecords: Record<string, number>;
  purposes: { purpose: string; accesses: number }[];
  purposeWindowDays: number;
  policies: {
    version: string;
    count: number;
    policies: { id: string; effect: string; intent: string }[];
  } | null;
  thirdParties: { clients: { id: string; accesses: number }[]; contracts: number | null };
  safeguards: {
    encryption: {
      tenantSuite: string | null;
      activeKek: string;
      keks: number;
      dataKeys: Record<string, number>;
    };
    ledger: { signedHeads: number; lastHead: string | null; retentionMonths: number | null };
    mfa: { required: number; enrolled: number };
    training: { staff: number; current: number };
    retentionRules: number;
    legalHolds: number;
    watermarking: boolean;
    masking: boolean;
  };
}

const DEFAULT_TEXT: AssessmentText = {
  purposes:
    '诊疗、支付、医院管理、科研（经批准）与公共卫生报告。Treatment, payment, hospital operations, approved research and public-health reporting.',
  necessity:
    '按最小必要原则：按角色与使用目的决定可见字段，非必要不显示。Minimum necessary: fields are decided per role and purpose of use.',
  risks:
    '内部人员越权调阅与贩卖（尤其产科联系方式）、第三方过度收集、导出文件外泄、纸质资料与胶片处置不当。Insider snooping and sale (maternity contacts above all), third-party over-collection, leaked exports, careless disposal of paper and films.',
  measures:
    '字段级加密、访问决策与动态脱敏、防篡改审计、异常访问监测、水印溯源、第三方合同约束、培训与访问复核。Field-level encryption, access decisions and masking, tamper-evident ledger, monitoring, watermark tracing, third-party contracts, training and access reviews.',
  crossBorder: '未配置跨境提供。No cross-border transfer is configured.',
  conclusion: '',
};

// ---- retention ------------------------------------------------------------------------------

/** A retention rule: records of `category` are kept `years` after the last activity. */
export interface RetentionRule {
  /** `default`, a GB/T data category, a FHIR resource type, or `Encounter/<class>`. */
  category: string;
  years: number;
  basis: string;
}

/**
 * Starting rules from the medical-record management rules (医疗机构病历管理规定 2013, Art. 29):
 * outpatient records at least 15 years after the last visit, inpatient records at least 30.
 */
export const DEFAULT_RETENTION_RULES: readonly RetentionRule[] = [
  {
    category: 'default',
    years: 15,
    basis: '医疗机构病历管理规定 第二十九条（门（急）诊病历不少于15年）',
  },
  {
    category: 'Encounter/IMP',
    years: 30,
    basis: '医疗机构病历管理规定 第二十九条（住院病历不少于30年）',
  },
];

/** A patient whose every record is past its retention period. */
export interface DueRecord {
  patientId: string;
  lastActivity: Date;
  dueAt: Date;
  /** The rule that keeps the record longest. */
  rule: string;
  held: boolean;
}

/** A legal hold: destruction of one patient's records (or all, when patientId is null) stops. */
export interface LegalHold {
  id: string;
  patientId: string | null;
  reason: string;
  incidentId: string | null;
  placedBy: string;
  placedAt: Date;
  releasedBy: string | null;
  releasedAt: Date | null;
}

/** A signed destruction certificate. */
export interface DestructionCertificate {
  id: string;
  kind: 'crypto-shred' | 'media';
  issuedAt: Date;
  issuedBy: string;
  document: Record<string, JsonValue>;
  /** Hex SHA-256 over the canonical JSON of the document. */
  digest: string;
  keyId: string;
  /** Base64 Ed25519 signature over the digest bytes. */
  signature: string;
  publicKeyPem: string;
}

/** Kinds of physical media whose destruction is recorded. */
export const MEDIA_KINDS = [
  'paper-record',
  'film',
  'slip',
  'prescription',
  'label',
  'wristband',
  'other',
] as const;
/** Destruction methods of physical media. */
export const MEDIA_METHODS = [
  'shredding',
  'incineration',
  'pulping',
  'silver-recovery',
  'degaussing',
  'other',
] as const;

// ---- training and reviews -------------------------------------------------------------------

/** Default validity of training courses, in days. */
export const COURSE_VALIDITY_DAYS: Record<string, number> = {
  'privacy-basics': 365,
  'warning-cases': 365,
  'security-awareness': 365,
};

/** A training record. */
export interface TrainingRecord {
  id: string;
  staffId: string;
  course: string;
  completedAt: Date;
  expiresAt: Date;
  recordedBy: string;
  evidence: string | null;
}

/** An access review and its items. */
export interface AccessReview {
  id: string;
  departmentId: string;
  reviewerId: string;
  createdBy: string;
  createdAt: Date;
  dueAt: Date;
  closedAt: Date | null;
  items: {
    staffId: string;
    roles: Role[];
    decision: 'keep' | 'change' | 'revoke' | null;
    newRoles: Role[] | null;
    note: string | null;
    decidedBy: string | null;
    decidedAt: Date | null;
  }[];
}

/** Compliance duties; reached as `runtime.incident.compliance`. */
export class ComplianceService {
  readonly #deps: IncidentDeps;
  readonly #db: Kysely<IncidentTables>;

  constructor(deps: IncidentDeps) {
    this.#deps = deps;
    this.#db = deps.db as Kysely<IncidentTables>;
  }

  async #record(
    tenant: string,
    actor: IncidentActor,
    action: string,
    details: Record<string, JsonValue>,
    patientId?: string,
  ): Promise<number> {
    const r = await this.#deps.ledger.appendEntry(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: actor.id },
      action,
      decision: 'permit',
      patientId: patientId ?? null,
      networkAddress: actor.address ?? null,
      channel: 'console',
      details,
    });
    return r.seq;
  }

  // ---- impact assessments -------------------------------------------------------------------

  /** Collects the facts of an impact assessment from the live configuration and data. */
  async collectAssessmentFacts(tenant: string, purposeWindowDays = 90): Promise<AssessmentFacts> {
    const db = this.#deps.db as Kysely<VaultTables & LedgerTables & IncidentTables>;
    const now = this.#deps.now();
    const held = await db
      .selectFrom('vault_resource')
      .select(['data_category', 'base_grade', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenant)
      .groupBy(['data_category', 'base_grade'])
      .orderBy('data_category')
      .orderBy('base_grade')
      .execute();
    const patients = await db
      .selectFrom('vault_resource')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenant)
      .where('resource_type', '=', 'Patient')
      .executeTakeFirst();
    const restricted = await db
      .selectFrom('vault_resource')
      .select(['confidentiality', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenant)
      .where('resource_type', '=', 'Patient')
      .where('confidentiality', 'in', ['R', 'V'])
      .groupBy('confidentiality')
      .execute();
    const since = new Date(now.getTime() - purposeWindowDays * DAY);
    const purposes = await db
      .selectFrom('ledger_entry')
      .select(['purpose', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenant)
      .where('occurred_at', '>=', since)
      .where('purpose', 'is not', null)
      .groupBy('purpose')
      .orderBy(sql`count(*)`, 'desc')
      .execute();
    const clients = await db
      .selectFrom('ledger_entry')
      .select(['actor_id', sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', tenant)
      .where('occurred_at', '>=', since)
      .where('actor_type', '=', 'client')
      .groupBy('actor_id')
      .orderBy('actor_id')
      .limit(500)
      .execute();
    const hasContracts = await sql<{
      t: string | null;
    }>`select to_regclass('gov_contract')::text as t`.execute(db);
    let contracts: number | null = null;
    if (hasContracts.rows[0]?.t) {
      const r = await sql<{
        n: number;
      }>`select count(*)::int as n from gov_contract where tenant_id = ${tenant}`.execute(db);
      contracts = r.rows[0]?.n ?? 0;
    }
    const engine = this.#deps.policy?.();
    const keys = await getKeyStatus(this.#deps.vault);
    const t = keys.tenants.find((x) => x.tenant === tenant);
    const heads = await db
      .selectFrom('ledger_tree_head')
      .select([sql<number>`count(*)::int`.as('n'), sql<Date | null>`max(signed_at)`.as('last')])
      .where('tenant_id', '=', tenant)
      .executeTakeFirst();
    const mfa = await sql<{ required: number; enrolled: number; staff: number }>`
      select count(*) filter (where mfa_required)::int as required,
             count(*) filter (where mfa_required and totp_sealed is not null)::int as enrolled,
             count(*) filter (where status = 'active')::int as staff
      from staff where tenant_id = ${tenant}`
      .execute(db)
      .catch(() => ({ rows: [{ required: 0, enrolled: 0, staff: 0 }] }));
    const current = await db
      .selectFrom('training_record')
      .select(sql<number>`count(distinct staff_id)::int`.as('n'))
      .where('tenant_id', '=', tenant)
      .where('course', '=', 'privacy-basics')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    const rules = await db
      .selectFrom('retention_rule')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenant)
      .executeTakeFirst();
    const holds = await db
      .selectFrom('legal_hold')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenant_id', '=', tenant)
      .where('released_at', 'is', null)
      .executeTakeFirst();
    const lastHead = heads?.last ? toDate(heads.last).toISOString() : null;
    return {
      generatedAt: now.toISOString(),
      dataHeld: held.map((h) => ({
        category: h.data_category,
        grade: Number(h.base_grade),
        resources: h.n,
      })),
      patients: patients?.n ?? 0,
      restrictedRecords: Object.fromEntries(restricted.map((r) => [r.confidentiality ?? '', r.n])),
      purposes: purposes.map((p) => ({ purpose: p.purpose ?? '', accesses: p.n })),
      purposeWindowDays,
      policies: engine
        ? {
            version: engine.version,
            count: engine.set.policies.size,
            policies: [...engine.set.policies.values()]
              .slice(0, 300)
              .map((p) => ({ id: p.id, effect: p.effect, intent: p.intent })),
          }
        : null,
      thirdParties: { clients: clients.map((c) => ({ id: c.actor_id, accesses: c.n })), contracts },
      safeguards: {
        encryption: {
          tenantSuite: t?.suite ?? null,
          activeKek: keys.keyring.activeKek.id,
          keks: keys.keyring.keks.length,
          dataKeys: t?.dataKeys ?? {},
        },
        ledger: {
          signedHeads: heads?.n ?? 0,
          lastHead,
          retentionMonths: await getRetention(this.#deps.db as Kysely<LedgerTables>, tenant),
        },
        mfa: { required: mfa.rows[0]?.required ?? 0, enrolled: mfa.rows[0]?.enrolled ?? 0 },
        training: { staff: mfa.rows[0]?.staff ?? 0, current: current?.n ?? 0 },
        retentionRules: rules?.n ?? 0,
        legalHolds: holds?.n ?? 0,
        watermarking: true,
        masking: true,
      },
    };
  }

  /**
   * Generates a new impact assessment (version 1) or a new version of an existing one from the
   * live configuration, carrying the written sections over (or `text` when given).
   */
  async generateImpactAssessment(
    tenant: string,
    actor: IncidentActor,
    opts: { assessmentId?: string; note?: string; text?: Partial<AssessmentText> } = {},
  ): Promise<ImpactAssessment> {
    const prev = opts.assessmentId
      ? await this.getImpactAssessment(tenant, opts.assessmentId)
      : null;
    const facts = await this.collectAssessmentFacts(tenant);
    const text = checkAssessmentText({ ...(prev?.text ?? DEFAULT_TEXT), ...(opts.text ?? {}) });
    return this.#saveAssessment(
      tenant,
      actor,
      opts.assessmentId ?? `PIA-${randomUUID().slice(0, 8)}`,
      prev,
      facts,
      text,
      checkText(opts.note ?? (prev ? 'regenerated' : 'generated'), 'note', 500),
    );
  }

  /** Edits the written sections of an assessment: a new version, the facts unchanged. */
  async editImpactAssessment(
    tenant: string,
    actor: IncidentActor,
    assessmentId: string,
    text: Partial<AssessmentText>,
    note: string,
  ): Promise<ImpactAssessment> {
    const prev = await this.getImpactAssessment(tenant, assessmentId);
    return this.#saveAssessment(
      tenant,
      actor,
      assessmentId,
      prev,
      prev.facts,
      checkAssessmentText({ ...prev.text, ...text }),
      checkText(note, 'note', 500),
    );
  }

  async #saveAssessment(
    tenant: string,
    actor: IncidentActor,
    assessmentId: string,
    prev: ImpactAssessment | null,
    facts: AssessmentFacts,
    text: AssessmentText,
    note: string,
  ): Promise<ImpactAssessment> {
    checkId(assessmentId, 'assessmentId');
    const version = (prev?.version ?? 0) + 1;
    const createdAt = this.#deps.now();
    const document = { facts, text } as unknown as JsonValue;
    const digest = digestOf(document);
    const retainUntil = addYears(createdAt, KEEP_YEARS);
    await this.#record(tenant, actor, 'pia.version', { assessment: assessmentId, version, digest });
    await this.#db
      .insertInto('pia_version')
      .values({
        tenant_id: tenant,
        assessment_id: assessmentId,
        version,
        created_at: createdAt,
        created_by: actor.id,
        note,
        document: JSON.stringify(document),
        digest,
        retain_until: retainUntil,
      })
      .execute();
    return {
      assessmentId,
      version,
      createdAt,
      createdBy: actor.id,
      note,
      digest,
      retainUntil,
      facts,
      text,
    };
  }

  /** One version of an assessment (the latest when `version` is omitted). */
  async getImpactAssessment(
    tenant: string,
    assessmentId: string,
    version?: number,
  ): Promise<ImpactAssessment> {
    let q = this.#db
      .selectFrom('pia_version')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('assessment_id', '=', checkId(assessmentId, 'assessmentId'));
    if (version !== undefined) q = q.where('version', '=', version);
    const r = await q.orderBy('version', 'desc').limit(1).executeTakeFirst();
    if (!r) throw notFound(IncidentReason.UnknownIncident, 'impact assessment not found');
    const doc = json(r.document) as { facts: AssessmentFacts; text: AssessmentText };
    return {
      assessmentId: r.assessment_id,
      version: r.version,
      createdAt: toDate(r.created_at),
      createdBy: r.created_by,
      note: r.note,
      digest: r.digest,
      retainUntil: toDate(r.retain_until),
      facts: doc.facts,
      text: doc.text,
    };
  }

  /** Every version of every assessment (metadata only), newest first. */
  async listImpactAssessments(tenant: string): Promise<Omit<ImpactAssessment, 'facts' | 'text'>[]> {
    const rows = await this.#db
      .selectFrom('pia_version')
      .select([
        'assessment_id',
        'version',
        'created_at',
        'created_by',
        'note',
        'digest',
        'retain_until',
      ])
      .where('tenant_id', '=', tenant)
      .orderBy('created_at', 'desc')
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      assessmentId: r.assessment_id,
      version: r.version,
      createdAt: toDate(r.created_at),
      createdBy: r.created_by,
      note: r.note,
      digest: r.digest,
      retainUntil: toDate(r.retain_until),
    }));
  }

  // ---- processing records -------------------------------------------------------------------

  /**
   * Summarises one month (UTC+8 calendar month `YYYY-MM`) of the ledger into a processing record
   * kept at least three years, even after the ledger's own partitions are dropped. A month is
   * recorded once; asking again returns the stored record.
   */
  async recordProcessingMonth(
    tenant: string,
    actor: IncidentActor,
    month: string,
  ): Promise<{
    month: string;
    summary: Record<string, JsonValue>;
    digest: string;
    retainUntil: Date;
  }> {
    const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
    if (!m) throw invalid(IncidentReason.BadWindow, 'month', 'month must look like 2025-06');
    const existing = await this.#db
      .selectFrom('processing_record')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('month', '=', month)
      .executeTakeFirst();
    if (existing)
      return {
        month,
        summary: json(existing.summary) as Record<string, JsonValue>,
        digest: existing.digest,
        retainUntil: toDate(existing.retain_until),
      };
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const from = new Date(Date.UTC(y, mo - 1, 1) - 8 * 3_600_000);
    const to = new Date(Date.UTC(mo === 12 ? y + 1 : y, mo === 12 ? 0 : mo, 1) - 8 * 3_600_000);
    if (to.getTime() > this.#deps.now().getTime())
      throw invalid(
        IncidentReason.BadWindow,
        'month',
        'only a month that has ended can be recorded',
      );
    const db = this.#deps.db as Kysely<LedgerTables>;
    const base = () =>
      db
        .selectFrom('ledger_entry')
        .where('tenant_id', '=', tenant)
        .where('occurred_at', '>=', from)
        .where('occurred_at', '<', to);
    const totals = await base()
      .select([
        sql<number>`count(*)::int`.as('entries'),
        sql<number>`count(distinct patient_id)::int`.as('patients'),
        sql<number>`count(distinct actor_id)::int`.as('actors'),
      ])
      .executeTakeFirst();
    const group = async (col: 'kind' | 'purpose' | 'channel' | 'actor_type' | 'decision') => {
      const rows = await base()
        .select([col, sql<number>`count(*)::int`.as('n')])
        .groupBy(col)
        .execute();
      return Object.fromEntries(
        rows.map((r) => [String((r as Record<string, unknown>)[col] ?? 'none'), r.n]),
      );
    };
    const cats = await sql<{ c: string; n: number }>`
      select c, count(*)::int as n from ledger_entry, jsonb_array_elements_text(categories) c
      where tenant_id = ${tenant} and occurred_at >= ${from} and occurred_at < ${to}
      group by c order by c`.execute(db);
    const summary: Record<string, JsonValue> = {
      month,
      from: from.toISOString(),
      to: to.toISOString(),
      entries: totals?.entries ?? 0,
      patients: totals?.patients ?? 0,
      actors: totals?.actors ?? 0,
      byKind: await group('kind'),
      byPurpose: await group('purpose'),
      byChannel: await group('channel'),
      byActorType: await group('actor_type'),
      byDecision: await group('decision'),
      byCategory: Object.fromEntries(cats.rows.map((r) => [r.c, r.n])),
    };
    const digest = digestOf(summary);
    const retainUntil = addYears(to, KEEP_YEARS);
    await this.#record(tenant, actor, 'processing-record.month', { month, digest });
    await this.#db
      .insertInto('processing_record')
      .values({
        tenant_id: tenant,
        month,
        summary: JSON.stringify(summary),
        digest,
        created_at: this.#deps.now(),
        retain_until: retainUntil,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'month']).doNothing())
      .execute();
    return { month, summary, digest, retainUntil };
  }

  /** Stored processing records, oldest first. */
  async listProcessingRecords(
    tenant: string,
  ): Promise<
    { month: string; summary: Record<string, JsonValue>; digest: string; retainUntil: Date }[]
  > {
    const rows = await this.#db
      .selectFrom('processing_record')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .orderBy('month')
      .execute();
    return rows.map((r) => ({
      month: r.month,
      summary: json(r.summary) as Record<string, JsonValue>,
      digest: r.digest,
      retainUntil: toDate(r.retain_until),
    }));
  }

  /**
   * Deletes processing records (and assessment versions) whose three years have passed; refuses
   * (CUSTOS_CONFLICT, reason incident.kept-three-years) when asked for a month still kept.
   */
  async purgeProcessingRecord(tenant: string, actor: IncidentActor, month: string): Promise<void> {
    const r = await this.#db
      .selectFrom('processing_record')
      .select('retain_until')
      .where('tenant_id', '=', tenant)
      .where('month', '=', month)
      .executeTakeFirst();
    if (!r) throw notFound(IncidentReason.UnknownIncident, 'processing record not found');
    if (toDate(r.retain_until).getTime() > this.#deps.now().getTime())
      throw new CustosError(
        ErrorCode.Conflict,
        'processing records are kept at least three years',
        { reason: IncidentReason.KeptThreeYears },
      );
    await this.#record(tenant, actor, 'processing-record.purge', { month });
    await this.#db
      .deleteFrom('processing_record')
      .where('tenant_id', '=', tenant)
      .where('month', '=', month)
      .execute();
  }

  // ---- retention and destruction ------------------------------------------------------------

  /** Sets (or replaces) the retention rule of a category. */
  async setRetentionRule(
    tenant: string,
    actor: IncidentActor,
    rule: RetentionRule,
  ): Promise<RetentionRule> {
    const category = checkId(rule.category, 'category');
    if (!Number.isInteger(rule.years) || rule.years < 1 || rule.years > 100)
      throw invalid(
        IncidentReason.BadRetention,
        'years',
        'years must be a whole number from 1 to 100',
      );
    const basis = checkText(rule.basis, 'basis', 500);
    await this.#record(tenant, actor, 'retention.rule', { category, years: rule.years });
    const now = this.#deps.now();
    await this.#db
      .insertInto('retention_rule')
      .values({
        tenant_id: tenant,
        category,
        years: rule.years,
        basis,
        updated_by: actor.id,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'category'])
          .doUpdateSet({ years: rule.years, basis, updated_by: actor.id, updated_at: now }),
      )
      .execute();
    return { category, years: rule.years, basis };
  }

  /** The tenant's rules, the defaults filling in categories it has not set. */
  async listRetentionRules(tenant: string): Promise<RetentionRule[]> {
    const rows = await this.#db
      .selectFrom('retention_rule')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .execute();
    const map = new Map(DEFAULT_RETENTION_RULES.map((r) => [r.category, r]));
    for (const r of rows)
      map.set(r.category, { category: r.category, years: r.years, basis: r.basis });
    return [...map.values()].sort((a, b) => a.category.localeCompare(b.category));
  }

  /** Places a legal hold on one patient's records, or on all records when patientId is omitted. */
  async placeLegalHold(
    tenant: string,
    actor: IncidentActor,
    input: { patientId?: string; reason: string; incidentId?: string },
  ): Promise<LegalHold> {
    const patientId = input.patientId !== undefined ? checkId(input.patientId, 'patientId') : null;
    const reason = checkText(input.reason, 'reason', 500);
    const incidentId =
      input.incidentId !== undefined ? checkId(input.incidentId, 'incidentId') : null;
    const id = randomUUID();
    const at = this.#deps.now();
    await this.#record(
      tenant,
      actor,
      'legal-hold.place',
      { hold: id, ...(incidentId ? { incident: incidentId } : {}) },
      patientId ?? undefined,
    );
    await this.#db
      .insertInto('legal_hold')
      .values({
        tenant_id: tenant,
        id,
        patient_id: patientId,
        reason,
        incident_id: incidentId,
        placed_by: actor.id,
        placed_at: at,
        released_by: null,
        released_at: null,
      })
      .execute();
    return {
      id,
      patientId,
      reason,
      incidentId,
      placedBy: actor.id,
      placedAt: at,
      releasedBy: null,
      releasedAt: null,
    };
  }

  /** Releases a legal hold. */
  async releaseLegalHold(tenant: string, actor: IncidentActor, holdId: string): Promise<void> {
    const r = await this.#db
      .selectFrom('legal_hold')
      .select(['id', 'released_at'])
      .where('tenant_id', '=', tenant)
      .where('id', '=', checkId(holdId, 'holdId'))
      .executeTakeFirst();
    if (!r) throw notFound(IncidentReason.UnknownIncident, 'legal hold not found');
    if (r.released_at) throw new CustosError(ErrorCode.Conflict, 'the hold was released already');
    await this.#record(tenant, actor, 'legal-hold.release', { hold: holdId });
    await this.#db
      .updateTable('legal_hold')
      .set({ released_by: actor.id, released_at: this.#deps.now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', holdId)
      .execute();
  }

  /** Legal holds, active ones only unless `all`. */
  async listLegalHolds(tenant: string, all = false): Promise<LegalHold[]> {
    let q = this.#db.selectFrom('legal_hold').selectAll().where('tenant_id', '=', tenant);
    if (!all) q = q.where('released_at', 'is', null);
    const rows = await q.orderBy('placed_at').execute();
    return rows.map((r) => ({
      id: r.id,
      patientId: r.patient_id,
      reason: r.reason,
      incidentId: r.incident_id,
      placedBy: r.placed_by,
      placedAt: toDate(r.placed_at),
      releasedBy: r.released_by,
      releasedAt: r.released_at ? toDate(r.released_at) : null,
    }));
  }

  async #held(tenant: string): Promise<{ all: boolean; patients: Set<string> }> {
    const holds = await this.listLegalHolds(tenant);
    return {
      all: holds.some((h) => h.patientId === null),
      patients: new Set(holds.flatMap((h) => (h.patientId ? [h.patientId] : []))),
    };
  }

  /**
   * Patients whose every record is past retention at `at` (the last activity of each record plus
   * the years of its rule; the record kept longest decides). Reads the vault a page of patients at
   * a time; already shredded patients are left out. Held patients are listed with `held: true`.
   */
  async findDueRecords(
    tenant: string,
    at: Date = this.#deps.now(),
    limit = 1000,
  ): Promise<DueRecord[]> {
    const rules = new Map(
      (await this.listRetentionRules(tenant)).map((r) => [r.category, r.years]),
    );
    const held = await this.#held(tenant);
    const db = this.#deps.db as Kysely<VaultTables>;
    const out: DueRecord[] = [];
    let after = '';
    for (;;) {
      const page = await db
        .selectFrom('vault_resource')
        .select('patient_id')
        .distinct()
        .where('tenant_id', '=', tenant)
        .where('patient_id', 'is not', null)
        .where('patient_id', '>', after)
        .orderBy('patient_id')
        .limit(500)
        .execute();
      if (page.length === 0) break;
      const ids = page.map((p) => p.patient_id!);
      after = ids[ids.length - 1]!;
      const rows = await db
        .selectFrom('vault_resource as r')
        .innerJoin('vault_data_key as k', (j) =>
          j.onRef('k.tenant_id', '=', 'r.tenant_id').onRef('k.key_id', '=', 'r.key_id'),
        )
        .select([
          'r.patient_id',
          'r.resource_type',
          'r.category',
          'r.data_category',
          sql<Date | null>`max(coalesce(r.period_end, r.period_start))`.as('dated'),
          sql<Date>`max(r.last_updated)`.as('updated'),
        ])
        .where('r.tenant_id', '=', tenant)
        .where('r.patient_id', 'in', ids)
        .where('k.state', '!=', 'destroyed')
        .groupBy(['r.patient_id', 'r.resource_type', 'r.category', 'r.data_category'])
        .execute();
      const per = new Map<string, { due: number; last: number; rule: string }>();
      // Activity is the dated care (encounters, studies, …); a record with nothing dated falls
      // back to when it was last written.
      const dated = new Set(rows.filter((r) => r.dated !== null).map((r) => r.patient_id));
      for (const r of rows) {
        if (r.dated === null && dated.has(r.patient_id)) continue;
        const key = [
          `${r.resource_type}/${r.category ?? ''}`,
          r.resource_type,
          r.data_category,
          'default',
        ].find((k) => rules.has(k))!;
        const last = toDate(r.dated ?? r.updated).getTime();
        const due = last + rules.get(key)! * YEAR;
        const p = per.get(r.patient_id!);
        if (!p || due > p.due)
          per.set(r.patient_id!, { due, last: Math.max(last, p?.last ?? 0), rule: key });
        else p.last = Math.max(p.last, last);
      }
      for (const [pid, p] of per) {
        if (p.due > at.getTime()) continue;
        out.push({
          patientId: pid,
          lastActivity: new Date(p.last),
          dueAt: new Date(p.due),
          rule: p.rule,
          held: held.all || held.patients.has(pid),
        });
        if (out.length >= limit) return out;
      }
      if (page.length < 500) break;
    }
    return out;
  }

  /**
   * Crypto-shreds due records (all due ones, or the listed patients, which must be due) and issues
   * one signed destruction certificate for the run. Held patients are skipped (listed ones:
   * CUSTOS_CONFLICT, reason incident.legal-hold). Each shredding is ledgered before it happens.
   */
  async destroyDueRecords(
    tenant: string,
    actor: IncidentActor,
    opts: { patientIds?: readonly string[]; at?: Date; limit?: number } = {},
  ): Promise<{
    certificate: DestructionCertificate | null;
    destroyed: string[];
    skippedHeld: string[];
  }> {
    const at = opts.at ?? this.#deps.now();
    const due = await this.findDueRecords(tenant, at, opts.limit ?? 1000);
    let chosen = due;
    if (opts.patientIds) {
      const byId = new Map(due.map((d) => [d.patientId, d]));
      chosen = opts.patientIds.map((p) => {
        const d = byId.get(checkId(p, 'patientIds'));
        if (!d)
          throw new CustosError(ErrorCode.Conflict, 'a record is not past its retention period', {
            reason: IncidentReason.RetentionNotDue,
          });
        if (d.held)
          throw new CustosError(
            ErrorCode.Conflict,
            'a legal hold stops destruction of this record',
            { reason: IncidentReason.LegalHold },
          );
        return d;
      });
    }
    const skippedHeld = chosen.filter((d) => d.held).map((d) => d.patientId);
    const items: JsonValue[] = [];
    const destroyed: string[] = [];
    for (const d of chosen.filter((x) => !x.held)) {
      await this.#record(tenant, actor, 'retention.destroy', { rule: d.rule }, d.patientId);
      const rec = await shredPatient(this.#deps.vault, tenant, d.patientId, {
        actor: actor.id,
        reason: `retention:${d.rule}`,
        at: this.#deps.now(),
      });
      destroyed.push(d.patientId);
      items.push({
        owner: rec.owner,
        destructionRecord: rec.id,
        recordDigest: rec.recordDigest,
        keys: rec.keyIds.length,
        resources: rec.resources,
        blobs: rec.blobs,
        rule: d.rule,
        lastActivity: d.lastActivity.toISOString(),
        dueAt: d.dueAt.toISOString(),
        destroyedAt: rec.destroyedAt.toISOString(),
      });
    }
    if (items.length === 0) return { certificate: null, destroyed, skippedHeld };
    const certificate = await this.#issueCertificate(tenant, actor, 'crypto-shred', {
      method: 'crypto-shredding: every data key of the record destroyed; ciphertexts unreadable',
      items,
    });
    return { certificate, destroyed, skippedHeld };
  }

  /**
   * Records the destruction of printed material or films (who did it, how, and who witnessed)
   * against the record, and issues a signed certificate. Refused while a legal hold covers the
   * patient; the witness must be another person than the one who destroyed.
   */
  async recordMediaDestruction(
    tenant: string,
    actor: IncidentActor,
    input: {
      patientId?: string;
      recordRef?: string;
      media: (typeof MEDIA_KINDS)[number];
      quantity: number;
      method: (typeof MEDIA_METHODS)[number];
      performedBy: string;
      witness: string;
      contractor?: string;
      performedAt: Date | string;
    },
  ): Promise<{ id: string; certificate: DestructionCertificate }> {
    if (!MEDIA_KINDS.includes(input.media))
      throw invalid(
        IncidentReason.BadMedia,
        'media',
        `media must be one of ${MEDIA_KINDS.join(', ')}`,
      );
    if (!MEDIA_METHODS.includes(input.method))
      throw invalid(
        IncidentReason.BadMedia,
        'method',
        `method must be one of ${MEDIA_METHODS.join(', ')}`,
      );
    if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > 10_000_000)
      throw invalid(
        IncidentReason.BadMedia,
        'quantity',
        'quantity must be a whole number of at least 1',
      );
    const performedBy = checkText(input.performedBy, 'performedBy', 200);
    const witness = checkText(input.witness, 'witness', 200);
    if (performedBy === witness)
      throw invalid(IncidentReason.BadMedia, 'witness', 'the witness must be another person');
    const patientId = input.patientId !== undefined ? checkId(input.patientId, 'patientId') : null;
    const recordRef =
      input.recordRef !== undefined ? checkText(input.recordRef, 'recordRef', 200) : null;
    const contractor =
      input.contractor !== undefined ? checkText(input.contractor, 'contractor', 200) : null;
    const performedAt = new Date(input.performedAt);
    if (
      Number.isNaN(performedAt.getTime()) ||
      performedAt.getTime() > this.#deps.now().getTime() + 60_000
    )
      throw invalid(IncidentReason.BadMedia, 'performedAt', 'performedAt must be a past date-time');
    const held = await this.#held(tenant);
    if (held.all || (patientId && held.patients.has(patientId)))
      throw new CustosError(ErrorCode.Conflict, 'a legal hold stops destruction of this record', {
        reason: IncidentReason.LegalHold,
      });
    const id = randomUUID();
    const certificate = await this.#issueCertificate(
      tenant,
      actor,
      'media',
      {
        mediaDestruction: id,
        patient: patientId,
        recordRef,
        media: input.media,
        quantity: input.quantity,
        method: input.method,
        performedBy,
        witness,
        contractor,
        performedAt: performedAt.toISOString(),
      },
      patientId ?? undefined,
    );
    await this.#db
      .insertInto('media_destruction')
      .values({
        tenant_id: tenant,
        id,
        patient_id: patientId,
        record_ref: recordRef,
        media: input.media,
        quantity: input.quantity,
        method: input.method,
        performed_by: performedBy,
        witness,
        contractor,
        performed_at: performedAt,
        recorded_by: actor.id,
        certificate_id: certificate.id,
      })
      .execute();
    return { id, certificate };
  }

  /** Recorded destruction of physical media (of one patient when given). */
  async listMediaDestruction(tenant: string, patientId?: string) {
    let q = this.#db.selectFrom('media_destruction').selectAll().where('tenant_id', '=', tenant);
    if (patientId) q = q.where('patient_id', '=', patientId);
    return (await q.orderBy('performed_at').execute()).map((r) => ({
      id: r.id,
      patientId: r.patient_id,
      recordRef: r.record_ref,
      media: r.media,
      quantity: r.quantity,
      method: r.method,
      performedBy: r.performed_by,
      witness: r.witness,
      contractor: r.contractor,
      performedAt: toDate(r.performed_at),
      recordedBy: r.recorded_by,
      certificateId: r.certificate_id,
    }));
  }

  async #issueCertificate(
    tenant: string,
    actor: IncidentActor,
    kind: 'crypto-shred' | 'media',
    body: Record<string, JsonValue>,
    patientId?: string,
  ): Promise<DestructionCertificate> {
    const id = `DC-${randomUUID()}`;
    const issuedAt = this.#deps.now();
    const document: Record<string, JsonValue> = {
      id,
      kind,
      tenant,
      issuedAt: issuedAt.toISOString(),
      issuedBy: actor.id,
      ...body,
    };
    const digest = digestOf(document);
    const key = await ensureSigningKey(this.#deps.vault.keyring, 'destruction-certificate');
    const signature = key.sign(Buffer.from(digest, 'hex')).toString('base64');
    await this.#record(
      tenant,
      actor,
      `destruction.certificate.${kind}`,
      { certificate: id, digest },
      patientId,
    );
    await this.#db
      .insertInto('destruction_certificate')
      .values({
        tenant_id: tenant,
        id,
        kind,
        issued_at: issuedAt,
        issued_by: actor.id,
        document: JSON.stringify(document),
        digest,
        key_id: key.keyId,
        signature,
      })
      .execute();
    return {
      id,
      kind,
      issuedAt,
      issuedBy: actor.id,
      document,
      digest,
      keyId: key.keyId,
      signature,
      publicKeyPem: key.publicKeyPem,
    };
  }

  /** A stored certificate. */
  async getCertificate(tenant: string, id: string): Promise<DestructionCertificate> {
    const r = await this.#db
      .selectFrom('destruction_certificate')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', checkId(id, 'certificate'))
      .executeTakeFirst();
    if (!r) throw notFound(IncidentReason.UnknownIncident, 'certificate not found');
    const key = await ensureSigningKey(this.#deps.vault.keyring, 'destruction-certificate');
    return {
      id: r.id,
      kind: r.kind as 'crypto-shred' | 'media',
      issuedAt: toDate(r.issued_at),
      issuedBy: r.issued_by,
      document: json(r.document) as Record<string, JsonValue>,
      digest: r.digest,
      keyId: r.key_id,
      signature: r.signature,
      publicKeyPem: key.publicKeyPem,
    };
  }

  // ---- training -----------------------------------------------------------------------------

  /**
   * Records a completed training course with its expiry. Completing `privacy-basics` also sets
   * the staff member's training date in identity, which access decisions can require.
   */
  async recordTraining(
    tenant: string,
    actor: IncidentActor,
    input: {
      staffId: string;
      course: string;
      completedAt: Date | string;
      validDays?: number;
      evidence?: string;
    },
  ): Promise<TrainingRecord> {
    const staffId = checkId(input.staffId, 'staffId');
    if (!(await this.#deps.identity.getStaff(tenant, staffId)))
      throw notFound(IncidentReason.UnknownStaff, 'no staff member with this id');
    const course = checkId(input.course, 'course');
    const completedAt = new Date(input.completedAt);
    if (
      Number.isNaN(completedAt.getTime()) ||
      completedAt.getTime() > this.#deps.now().getTime() + 60_000
    )
      throw invalid(
        IncidentReason.BadTraining,
        'completedAt',
        'completedAt must be a past date-time',
      );
    const days = input.validDays ?? COURSE_VALIDITY_DAYS[course] ?? 365;
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw invalid(IncidentReason.BadTraining, 'validDays', 'validDays must be 1 to 3650');
    const evidence =
      input.evidence !== undefined ? checkText(input.evidence, 'evidence', 500) : null;
    const rec: TrainingRecord = {
      id: randomUUID(),
      staffId,
      course,
      completedAt,
      expiresAt: new Date(completedAt.getTime() + days * DAY),
      recordedBy: actor.id,
      evidence,
    };
    if (course === 'privacy-basics')
      await this.#deps.identity.recordTraining(tenant, staffId, completedAt, {
        id: actor.id,
        address: actor.address ?? null,
      });
    else await this.#record(tenant, actor, 'training.record', { staff: staffId, course });
    await this.#db
      .insertInto('training_record')
      .values({
        tenant_id: tenant,
        id: rec.id,
        staff_id: staffId,
        course,
        completed_at: completedAt,
        expires_at: rec.expiresAt,
        recorded_by: actor.id,
        evidence,
      })
      .execute();
    return rec;
  }

  /** A staff member's status per course at `at`: current, expired (latest record) or none. */
  async trainingStatus(
    tenant: string,
    staffId: string,
    courses: readonly string[] = ['privacy-basics', 'warning-cases'],
    at: Date = this.#deps.now(),
  ) {
    const rows = await this.#db
      .selectFrom('training_record')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('staff_id', '=', checkId(staffId, 'staffId'))
      .orderBy('completed_at', 'desc')
      .execute();
    return courses.map((course) => {
      const r = rows.find((x) => x.course === course);
      if (!r) return { course, status: 'none' as const, completedAt: null, expiresAt: null };
      const exp = toDate(r.expires_at);
      return {
        course,
        status: exp.getTime() > at.getTime() ? ('current' as const) : ('expired' as const),
        completedAt: toDate(r.completed_at),
        expiresAt: exp,
      };
    });
  }

  /** Active staff (of a department, if given) without current training in `course` at `at`. */
  async listTrainingGaps(
    tenant: string,
    course: string,
    opts: { departmentId?: string; at?: Date } = {},
  ): Promise<{ staffId: string; status: 'none' | 'expired'; expiresAt: Date | null }[]> {
    const at = opts.at ?? this.#deps.now();
    const out: { staffId: string; status: 'none' | 'expired'; expiresAt: Date | null }[] = [];
    let after: string | undefined;
    for (;;) {
      const staff = await this.#deps.identity.listStaff(tenant, {
        status: 'active',
        limit: 1000,
        ...(opts.departmentId ? { departmentId: opts.departmentId } : {}),
        ...(after ? { after } : {}),
      });
      if (staff.length === 0) break;
      after = staff[staff.length - 1]!.id;
      const latest = await this.#db
        .selectFrom('training_record')
        .select(['staff_id', sql<Date>`max(expires_at)`.as('exp')])
        .where('tenant_id', '=', tenant)
        .where('course', '=', course)
        .where(
          'staff_id',
          'in',
          staff.map((s) => s.id),
        )
        .groupBy('staff_id')
        .execute();
      const exp = new Map(latest.map((r) => [r.staff_id, toDate(r.exp)]));
      for (const s of staff) {
        const e = exp.get(s.id);
        if (!e) out.push({ staffId: s.id, status: 'none', expiresAt: null });
        else if (e.getTime() <= at.getTime())
          out.push({ staffId: s.id, status: 'expired', expiresAt: e });
      }
      if (staff.length < 1000) break;
    }
    return out;
  }

  // ---- access reviews -----------------------------------------------------------------------

  /**
   * Starts a periodic access review of a department: every active staff member's roles, to be
   * recertified by the department's head (`reviewerId`, an active member of that department).
   */
  async startAccessReview(
    tenant: string,
    actor: IncidentActor,
    input: { departmentId: string; reviewerId: string; dueAt: Date | string },
  ): Promise<AccessReview> {
    const departmentId = checkId(input.departmentId, 'departmentId');
    const reviewer = await this.#deps.identity.getStaff(
      tenant,
      checkId(input.reviewerId, 'reviewerId'),
    );
    if (!reviewer) throw notFound(IncidentReason.UnknownStaff, 'no staff member with this id');
    if (reviewer.departmentId !== departmentId || reviewer.status !== 'active')
      throw invalid(
        IncidentReason.ReviewerNotHead,
        'reviewerId',
        'the reviewer must be an active head of that department',
      );
    const dueAt = new Date(input.dueAt);
    if (Number.isNaN(dueAt.getTime()) || dueAt.getTime() <= this.#deps.now().getTime())
      throw invalid(IncidentReason.BadReview, 'dueAt', 'dueAt must be a future date-time');
    const id = randomUUID();
    const createdAt = this.#deps.now();
    await this.#record(tenant, actor, 'access-review.start', {
      review: id,
      department: departmentId,
      reviewer: reviewer.id,
    });
    await this.#db
      .insertInto('access_review')
      .values({
        tenant_id: tenant,
        id,
        department_id: departmentId,
        reviewer_id: reviewer.id,
        created_by: actor.id,
        created_at: createdAt,
        due_at: dueAt,
        closed_at: null,
      })
      .execute();
    let after: string | undefined;
    for (;;) {
      const staff = await this.#deps.identity.listStaff(tenant, {
        departmentId,
        status: 'active',
        limit: 1000,
        ...(after ? { after } : {}),
      });
      const items = staff.filter((s) => s.id !== reviewer.id);
      if (items.length > 0)
        await this.#db
          .insertInto('access_review_item')
          .values(
            items.map((s) => ({
              tenant_id: tenant,
              review_id: id,
              staff_id: s.id,
              roles: JSON.stringify(s.roles),
              decision: null,
              new_roles: null,
              note: null,
              decided_by: null,
              decided_at: null,
            })),
          )
          .execute();
      if (staff.length < 1000) break;
      after = staff[staff.length - 1]!.id;
    }
    return this.getAccessReview(tenant, id);
  }

  /**
   * The reviewer's decision on one staff member: keep the roles, change them (applied in
   * identity) or revoke access (the account is suspended).
   */
  async decideAccessReview(
    tenant: string,
    actor: IncidentActor,
    reviewId: string,
    staffId: string,
    input: { decision: 'keep' | 'change' | 'revoke'; roles?: Role[]; note?: string },
  ): Promise<AccessReview> {
    const review = await this.getAccessReview(tenant, reviewId);
    if (review.closedAt) throw new CustosError(ErrorCode.Conflict, 'the review is closed');
    if (actor.id !== review.reviewerId)
      throw new CustosError(ErrorCode.Forbidden, 'only the department head reviewing may decide');
    const item = review.items.find((i) => i.staffId === staffId);
    if (!item)
      throw notFound(IncidentReason.UnknownStaff, 'the staff member is not in this review');
    if (!['keep', 'change', 'revoke'].includes(input.decision))
      throw invalid(
        IncidentReason.BadReview,
        'decision',
        'decision must be keep, change or revoke',
      );
    const note = input.note !== undefined ? checkText(input.note, 'note', 500) : null;
    let roles: Role[] | null = null;
    const who = { id: actor.id, address: actor.address ?? null };
    if (input.decision === 'change') {
      roles = input.roles ?? [];
      if (roles.length === 0 || roles.some((r) => !ROLES.includes(r)))
        throw invalid(IncidentReason.BadReview, 'roles', 'a change needs the new roles');
      await this.#deps.identity.setStaffRoles(tenant, staffId, roles, who);
    } else if (input.decision === 'revoke') {
      await this.#deps.identity.setStaffStatus(
        tenant,
        staffId,
        'suspended',
        who,
        `access review ${reviewId}`,
      );
    }
    await this.#record(tenant, actor, 'access-review.decide', {
      review: reviewId,
      staff: staffId,
      decision: input.decision,
    });
    await this.#db
      .updateTable('access_review_item')
      .set({
        decision: input.decision,
        new_roles: roles ? JSON.stringify(roles) : null,
        note,
        decided_by: actor.id,
        decided_at: this.#deps.now(),
      })
      .where('tenant_id', '=', tenant)
      .where('review_id', '=', reviewId)
      .where('staff_id', '=', staffId)
      .execute();
    return this.getAccessReview(tenant, reviewId);
  }

  /** Closes a review once every item has a decision. */
  async closeAccessReview(
    tenant: string,
    actor: IncidentActor,
    reviewId: string,
  ): Promise<AccessReview> {
    const review = await this.getAccessReview(tenant, reviewId);
    if (review.closedAt) throw new CustosError(ErrorCode.Conflict, 'the review is closed');
    const open = review.items.filter((i) => i.decision === null).length;
    if (open > 0)
      throw new CustosError(ErrorCode.Conflict, `${open} staff member(s) still need a decision`, {
        reason: IncidentReason.BadReview,
        pending: open,
      });
    await this.#record(tenant, actor, 'access-review.close', { review: reviewId });
    await this.#db
      .updateTable('access_review')
      .set({ closed_at: this.#deps.now() })
      .where('tenant_id', '=', tenant)
      .where('id', '=', reviewId)
      .execute();
    return this.getAccessReview(tenant, reviewId);
  }

  /** A review with its items. */
  async getAccessReview(tenant: string, reviewId: string): Promise<AccessReview> {
    const r = await this.#db
      .selectFrom('access_review')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('id', '=', checkId(reviewId, 'reviewId'))
      .executeTakeFirst();
    if (!r) throw notFound(IncidentReason.UnknownIncident, 'access review not found');
    const items = await this.#db
      .selectFrom('access_review_item')
      .selectAll()
      .where('tenant_id', '=', tenant)
      .where('review_id', '=', reviewId)
      .orderBy('staff_id')
      .execute();
    return {
      id: r.id,
      departmentId: r.department_id,
      reviewerId: r.reviewer_id,
      createdBy: r.created_by,
      createdAt: toDate(r.created_at),
      dueAt: toDate(r.due_at),
      closedAt: r.closed_at ? toDate(r.closed_at) : null,
      items: items.map((i) => ({
        staffId: i.staff_id,
        roles: json(i.roles) as Role[],
        decision: i.decision as 'keep' | 'change' | 'revoke' | null,
        newRoles: i.new_roles ? (json(i.new_roles) as Role[]) : null,
        note: i.note,
        decidedBy: i.decided_by,
        decidedAt: i.decided_at ? toDate(i.decided_at) : null,
      })),
    };
  }

  /** Open reviews past their due date at `at`. */
  async listOverdueReviews(
    tenant: string,
    at: Date = this.#deps.now(),
  ): Promise<
    { id: string; departmentId: string; reviewerId: string; dueAt: Date; pending: number }[]
  > {
    const rows = await sql<{
      id: string;
      department_id: string;
      reviewer_id: string;
      due_at: Date;
      pending: number;
    }>`
      select r.id, r.department_id, r.reviewer_id, r.due_at,
             (select count(*)::int from access_review_item i
               where i.tenant_id = r.tenant_id and i.review_id = r.id and i.decision is null) as pending
      from access_review r
      where r.tenant_id = ${tenant} and r.closed_at is null and r.due_at < ${at}
      order by r.due_at`.execute(this.#db);
    return rows.rows.map((r) => ({
      id: r.id,
      departmentId: r.department_id,
      reviewerId: r.reviewer_id,
      dueAt: toDate(r.due_at),
      pending: r.pending,
    }));
  }
}

function checkAssessmentText(t: AssessmentText): AssessmentText {
  const out = {} as AssessmentText;
  for (const k of Object.keys(DEFAULT_TEXT) as (keyof AssessmentText)[])
    out[k] = checkText(t[k] ?? '', k, 8000, true);
  return out;
}

/** Verifies a destruction certificate: the digest of its document and its Ed25519 signature. */
export function verifyCertificate(
  c: Pick<DestructionCertificate, 'document' | 'digest' | 'signature' | 'publicKeyPem'>,
): boolean {
  const digest = digestOf(c.document);
  if (digest !== c.digest) return false;
  return verifySignature(
    c.publicKeyPem,
    Buffer.from(digest, 'hex'),
    Buffer.from(c.signature, 'base64'),
  );
}
