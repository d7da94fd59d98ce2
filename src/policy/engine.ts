/**
 * The decide step: builds the Cedar request (only the entities this request needs), asks the
 * preparsed policy set, and turns the answer into a Decision with fields, reasons and an
 * actionable reason code. One record-level call, plus one call per guarded section (sensitive
 * categories present, sections the patient hid, categories a section policy names).
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type {
  AuthorizationAnswer,
  CedarValueJson,
  EntityJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { CompiledPolicy, CompiledPolicySet } from './policy-set.ts';
import { checkAccessInput, parseTime, resolveSettings } from './input.ts';
import { grantBreakGlass as buildGrant } from './break-glass.ts';
import type { BreakGlassRequest } from './break-glass.ts';
import type {
  AccessInput,
  BreakGlassGrant,
  BreakGlassReasonCode,
  Decision,
  DecisionReason,
  DecisionScope,
  PolicySettings,
  RelationshipFact,
} from './types.ts';
import { CLINICAL_FIELDS, isSensitiveCategory, ReasonCode } from './vocabulary.ts';
import type { Category, Field, SensitiveCategory } from './vocabulary.ts';

const NS = 'Custos::';
const PATIENT = `${NS}Patient`;
const SECTION = `${NS}Section`;
const CLINICAL: ReadonlySet<string> = new Set(CLINICAL_FIELDS);

/** Order in which denial reasons are reported: the first one the user can act on comes first. */
const REASON_PRIORITY: readonly string[] = [
  ReasonCode.StaffInactive,
  ReasonCode.TrainingExpired,
  ReasonCode.NetworkNotAllowed,
  ReasonCode.WorkstationNotRegistered,
  ReasonCode.WorkstationLocationNotAllowed,
  ReasonCode.ChannelNotAllowed,
  ReasonCode.PatientRestriction,
  ReasonCode.ReferenceRequired,
  ReasonCode.NoOrderForDepartment,
  ReasonCode.NoActiveEncounter,
  ReasonCode.PatientRestricted,
  ReasonCode.NoTreatmentRelationship,
  ReasonCode.SensitiveCategory,
  ReasonCode.FieldsNotPermitted,
  ReasonCode.NotPermittedForRole,
];

let engineSeq = 0;
const BREAK_GLASS_SLOTS = 16;
const MAX_SLICES = 256;
/** Cedar answers remembered per engine (one policy set) by default; the oldest goes first. */
const MAX_ANSWERS = 16_384;
/** Id prefix of a template linked for a break-the-glass grant (`break-glass-link:0`). */
const LINK_PREFIX = 'break-glass-link:';

/** Preparsed policy sets for one combination of roles. */
interface Slice {
  gate: string;
  section: string;
  gateIds: string[];
  categoryAware: boolean;
}

/** What a Cedar call answered. */
interface CedarAnswer {
  allow: boolean;
  policyIds: string[];
  errors: string[];
}

/** The request facts derived from the input, shared by all calls of one decision. */
interface Prepared {
  input: AccessInput;
  /** The context as part of an answer's cache key (see `#answerKey`); computed once. */
  contextKey?: string;
  nowMs: number;
  current: RelationshipFact[];
  grantActive: boolean;
  grantExpired: boolean;
  entities: EntityJson[];
  context: Record<string, CedarValueJson>;
  principalUid: { type: string; id: string };
  patientUid: { type: string; id: string };
  actionUid: { type: string; id: string };
}

/**
 * A policy engine over one compiled policy set. `decideAccess` is pure with respect to its input:
 * the same input and set give the same decision; the clock comes from `input.now`.
 */
export class PolicyEngine {
  readonly set: CompiledPolicySet;
  readonly settings: PolicySettings;
  readonly #prefix: string;
  /** Preparsed sets per combination of the roles the policies mention (bounded). */
  readonly #bySlice = new Map<string, Slice>();
  readonly #mentionedRoles: ReadonlySet<string>;
  readonly #bgSlots: string[] = [];
  #bgNext = 0;
  /** Cedar answers by request (`#answerKey`); an engine holds one policy set, never reloaded. */
  readonly #answers = new Map<string, CedarAnswer>();
  /** No policy names a patient or section entity: answers hold for every patient alike. */
  readonly #patientBlind: boolean;
  /** Some policy may read `context.now`: the clock is part of an answer's key. */
  readonly #readsClock: boolean;
  readonly #maxAnswers: number;
  #answerHits = 0;
  #answerMisses = 0;

  /**
   * `options.maxAnswers` (default 16,384; 0 remembers none) keeps the Cedar answers of recent
   * requests: a request equal in everything Cedar can observe (`#answerKey`) is answered from
   * memory.
   */
  constructor(
    set: CompiledPolicySet,
    settings: Partial<PolicySettings> = {},
    options: { maxAnswers?: number } = {},
  ) {
    this.set = set;
    this.#maxAnswers = Math.max(0, Math.floor(options.maxAnswers ?? MAX_ANSWERS));
    this.settings = resolveSettings(settings);
    this.#prefix = `custos-${++engineSeq}`;
    const roles = new Set<string>();
    for (const p of set.policies.values()) {
      if (p.principalScope.op === 'in' && p.principalScope.type === `${NS}Role`)
        roles.add(p.principalScope.id);
    }
    this.#mentionedRoles = roles;
    let patientBlind = true;
    let readsClock = false;
    for (const p of set.policies.values()) {
      if (/(Patient|Section)\s*::\s*"/.test(p.text)) patientBlind = false;
      if (/\bnow\b/.test(p.text)) readsClock = true;
    }
    this.#patientBlind = patientBlind;
    this.#readsClock = readsClock;
    // Load the full set once so that a broken set fails here, not on the first request.
    this.#slice(null);
  }

  /**
   * The preparsed sets for a principal: policies scoped to roles the principal lacks can never
   * apply, so they are left out (each policy costs time on every call). `null` means all roles.
   */
  #slice(roles: string[] | null): Slice {
    const mine = roles === null ? null : roles.filter((r) => this.#mentionedRoles.has(r)).sort();
    const key = mine === null ? '*' : mine.join(',');
    const hit = this.#bySlice.get(key);
    if (hit) return hit;
    if (this.#bySlice.size >= MAX_SLICES && mine !== null) return this.#slice(null);
    const keep = (id: string): boolean => {
      const s = this.set.policies.get(id)?.principalScope;
      if (mine === null || !s || s.op !== 'in' || s.type !== `${NS}Role`) return true;
      return mine.includes(s.id);
    };
    const n = this.#bySlice.size;
    const gateIds = this.set.gateIds.filter(keep);
    const sectionIds = this.set.sectionIds.filter(keep);
    const entry: Slice = {
      gate: `${this.#prefix}-gate-${n}`,
      section: `${this.#prefix}-section-${n}`,
      gateIds,
      // When no section policy can look at the category name (conservatively: its text never
      // mentions "category"), sections with the same attributes get the same answer.
      categoryAware: sectionIds.some(
        (id) => this.set.policies.get(id)?.text.includes('category') ?? true,
      ),
    };
    if (
      !preparse(entry.gate, pick(this.set, gateIds)) ||
      !preparse(entry.section, pick(this.set, sectionIds))
    ) {
      throw new CustosError(ErrorCode.Internal, 'policy set could not be loaded into the engine');
    }
    this.#bySlice.set(key, entry);
    return entry;
  }

  /** The policy set's version id (recorded with every decision). */
  get version(): string {
    return this.set.version;
  }

  /**
   * Decide one access: permit/deny, the fields and sensitive categories allowed, the reasons and,
   * on deny, an actionable reason code. Throws CustosError(CUSTOS_BAD_REQUEST) for malformed input.
   */
  decideAccess(input: AccessInput): Decision {
    checkAccessInput(input);
    const prep = this.#prepare(input);
    const slice = this.#slice(input.principal.roles);
    const gate = this.#call(
      this.#gatePolicySetFor(prep, slice),
      prep,
      prep.patientUid,
      prep.entities,
    );
    const reasons: DecisionReason[] = [];
    const decision: Decision = {
      decision: 'deny',
      fields: [],
      sensitiveCategories: [],
      withheld: [],
      deidentify: false,
      scopes: [],
      reasons,
      relationships: prep.current,
      reasonCodes: [],
      breakGlassAvailable: false,
      breakGlassUsed: false,
      policyVersion: this.set.version,
    };
    const fired = this.#fired(gate.policyIds);
    for (const p of fired) reasons.push(reasonOf(p));

    if (!gate.allow) {
      const codes = unique(
        fired
          .filter((p) => p.effect === 'forbid')
          .map((p) => p.reason ?? ReasonCode.NotPermittedForRole),
      );
      if (codes.length === 0) codes.push(ReasonCode.NotPermittedForRole);
      const forbids = fired.filter((p) => p.effect === 'forbid');
      decision.breakGlassAvailable =
        forbids.length > 0 &&
        forbids.every((p) => p.breakGlassAvailable) &&
        this.#mayBreakGlass(prep);
      this.#finishDeny(decision, codes, prep);
      return decision;
    }

    // Permitted at record level: the fields are the union of what the satisfied permits grant.
    const permits = fired.filter((p) => p.effect === 'permit');
    const granted = new Set<Category>();
    for (const p of permits) for (const c of p.grants) granted.add(c);
    decision.deidentify = permits.length > 0 && permits.every((p) => p.deidentify);
    if (permits.length > 0 && permits.every((p) => p.scope !== undefined)) {
      decision.scopes = unique(permits.map((p) => p.scope as string)).map((kind) =>
        scopeOf(kind, prep.current),
      );
    }
    decision.breakGlassUsed = prep.grantActive;

    const present = new Set<string>(input.patient.sensitiveCategories);
    const requested = input.requested ? new Set<Category>(input.requested) : undefined;
    const candidates: Category[] = [];
    for (const c of granted) {
      if (isSensitiveCategory(c) && !present.has(c)) continue;
      if (requested && !requested.has(c)) continue;
      candidates.push(c);
    }
    if (requested) {
      for (const c of requested) {
        if (!granted.has(c) && !(isSensitiveCategory(c) && !present.has(c)))
          decision.withheld.push(c);
      }
    }

    // Section checks, only where a section-level policy could say no.
    const hidden = new Set<string>(input.patient.restrictions.hiddenSections);
    const guards = this.#sectionGuardsFor(input);
    const withheldCodes: string[] = [];
    let withheldBreakable = false;
    const bySignature = new Map<string, CedarAnswer>();
    for (const c of candidates) {
      if (!isGuarded(c, guards, hidden)) {
        addAllowed(decision, c);
        continue;
      }
      const uid = { type: `${NS}Section`, id: `${input.patient.patientId}/${c}` };
      const section: EntityJson = {
        uid,
        attrs: {
          category: c,
          sensitive: isSensitiveCategory(c),
          clinical: CLINICAL.has(c),
          hiddenByPatient: hidden.has(c),
        },
        parents: [prep.patientUid],
      };
      const signature = `${String(section.attrs['sensitive'])}|${String(section.attrs['clinical'])}|${String(section.attrs['hiddenByPatient'])}`;
      let ans = slice.categoryAware ? undefined : bySignature.get(signature);
      if (!ans) {
        ans = this.#call(slice.section, prep, uid, [...prep.entities, section]);
        bySignature.set(signature, ans);
      }
      const secFired = this.#fired(ans.policyIds);
      if (ans.allow) {
        addAllowed(decision, c);
        continue;
      }
      decision.withheld.push(c);
      for (const p of secFired) {
        if (p.effect !== 'forbid') continue;
        reasons.push({ ...reasonOf(p), category: c });
        withheldCodes.push(p.reason ?? ReasonCode.FieldsNotPermitted);
        if (p.breakGlassAvailable) withheldBreakable = true;
      }
      if (secFired.length === 0) withheldCodes.push(ReasonCode.FieldsNotPermitted);
    }
    decision.breakGlassAvailable = withheldBreakable && this.#mayBreakGlass(prep);

    if (decision.fields.length === 0 && decision.sensitiveCategories.length === 0) {
      // Nothing left to show: a denial, with the reason the user can act on.
      const codes = unique(
        withheldCodes.length > 0 ? withheldCodes : [ReasonCode.FieldsNotPermitted],
      );
      decision.decision = 'deny';
      decision.fields = [];
      this.#finishDeny(decision, codes, prep);
      return decision;
    }
    decision.decision = 'permit';
    decision.fields.sort();
    decision.sensitiveCategories.sort();
    decision.withheld = unique(decision.withheld).sort();
    return decision;
  }

  /**
   * Break the glass: re-decide `input` and, only if the denial (or a withheld sensitive or hidden
   * section) says break-the-glass is available to this user, return a grant lasting
   * `settings.breakGlassHours`. Otherwise throws CustosError(CUSTOS_FORBIDDEN).
   */
  grantBreakGlass(
    input: AccessInput,
    reason: { reasonCode: BreakGlassReasonCode; reasonText: string; grantId?: string },
  ): BreakGlassGrant {
    const d = this.decideAccess({ ...input, breakGlass: undefined, action: 'read' });
    if (!d.breakGlassAvailable) {
      throw new CustosError(
        ErrorCode.Forbidden,
        'break-the-glass is not available for this request',
        {
          reasonCode: d.reasonCode ?? null,
        },
      );
    }
    const req: BreakGlassRequest = {
      staffId: input.principal.staffId,
      patientId: input.patient.patientId,
      reasonCode: reason.reasonCode,
      reasonText: reason.reasonText,
      now: input.now,
      durationHours: this.settings.breakGlassHours,
    };
    if (reason.grantId !== undefined) req.grantId = reason.grantId;
    return buildGrant(req);
  }

  #finishDeny(decision: Decision, codes: string[], prep: Prepared): void {
    codes.sort((a, b) => rank(a) - rank(b));
    decision.reasonCodes = codes;
    decision.reasonCode = codes[0];
    if (prep.grantExpired && decision.breakGlassAvailable)
      decision.reasonCode = ReasonCode.BreakGlassExpired;
    decision.sensitiveCategories = [];
    decision.scopes = [];
    decision.deidentify = false;
    decision.breakGlassUsed = false;
  }

  #policy(id: string): CompiledPolicy | undefined {
    const p = this.set.policies.get(id);
    if (p) return p;
    // A linked break-the-glass policy is reported as its template.
    if (!id.startsWith(LINK_PREFIX)) return undefined;
    return [...this.set.templates.values()][Number(id.slice(LINK_PREFIX.length))];
  }

  /** May this principal break the glass for this request (were it denied for a lifted reason)? */
  #mayBreakGlass(prep: Prepared): boolean {
    const { input } = prep;
    if (prep.grantActive) return false;
    if (input.purpose !== 'treatment' || input.action !== 'read') return false;
    if (input.channel !== 'screen' && input.channel !== 'api') return false;
    if (this.set.templates.size === 0) return false;
    return input.principal.roles.some((r) => this.settings.breakGlassRoles.includes(r));
  }

  /** Section-level forbids that apply to this principal, with the categories they may affect. */
  #sectionGuardsFor(input: AccessInput): { all: boolean; cats: Set<Category>; hidden: boolean } {
    const out = { all: false, cats: new Set<Category>(), hidden: false };
    for (const id of this.set.sectionIds) {
      const p = this.set.policies.get(id);
      if (!p || p.effect !== 'forbid') continue;
      if (!principalMatches(p, input)) continue;
      // A forbid that also applies to the whole record was settled by the record-level call;
      // only policies scoped to sections (or annotated with @guards) can withhold single fields.
      if (p.appliesToPatient && p.guards === 'all') continue;
      if (p.guards === 'all') out.all = true;
      else for (const c of p.guards) out.cats.add(c);
      if (p.guardsHidden) out.hidden = true;
    }
    return out;
  }

  #gatePolicySetFor(prep: Prepared, slice: Slice): string {
    const g = prep.input.breakGlass;
    if (!prep.grantActive || !g) return slice.gate;
    // Link the templates for this grant into a copy of the gate set (rare path, a few ms);
    // copies live in a small ring of slots so memory stays bounded.
    const slotKey = `${slice.gate}|${g.grantId}|${g.staffId}|${g.patientId}`;
    const known = this.#bgSlots.indexOf(slotKey);
    if (known >= 0) return `${this.#prefix}-bg-${known}`;
    const slot = this.#bgNext % BREAK_GLASS_SLOTS;
    const key = `${this.#prefix}-bg-${slot}`;
    const templates: Record<string, string> = {};
    const links = [...this.set.templates.values()].map((t, i) => {
      templates[t.id] = t.text;
      const newId = `${LINK_PREFIX}${i}`;
      return {
        templateId: t.id,
        newId,
        values: {
          '?principal': { type: `${NS}Staff`, id: g.staffId },
          '?resource': { type: `${NS}Patient`, id: g.patientId },
        },
      };
    });
    const ok = cedar.preparsePolicySet(key, {
      staticPolicies: pick(this.set, slice.gateIds),
      templates,
      templateLinks: links,
    });
    if (ok.type === 'failure')
      throw new CustosError(ErrorCode.Internal, 'break-the-glass policy could not be linked');
    this.#bgSlots[slot] = slotKey;
    this.#bgNext++;
    return key;
  }

  #prepare(input: AccessInput): Prepared {
    const s = this.settings;
    const nowMs = parseTime(input.now, 'now');
    const windowMs = s.relationshipWindowHours * 3_600_000;
    const current: RelationshipFact[] = [];
    const seen = new Set<string>();
    for (const r of input.relationships) {
      const start = Date.parse(r.at);
      const end = r.endedAt !== undefined ? Date.parse(r.endedAt) : Number.POSITIVE_INFINITY;
      // Current: started (or scheduled within the window) and not ended longer ago than the window.
      if (start - windowMs > nowMs || end + windowMs < nowMs) continue;
      const key = `${r.kind}|${r.sourceId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      current.push(r);
    }
    // The patient lying in one of the user's departments right now is a relationship too.
    for (const d of input.patient.admittedDepartmentIds) {
      if (!input.principal.departmentIds.includes(d)) continue;
      const key = `in-department|department:${d}`;
      if (seen.has(key)) continue;
      seen.add(key);
      current.push({ kind: 'in-department', sourceId: `department:${d}`, at: input.now });
    }
    const kinds = unique(current.map((r) => r.kind));
    const direct = kinds.some((k) => s.directRelationshipKinds.includes(k));

    const g: BreakGlassGrant | undefined = input.breakGlass;
    let grantActive = false;
    let grantExpired = false;
    let expiresAt = 0;
    if (g && g.staffId === input.principal.staffId && g.patientId === input.patient.patientId) {
      const from = Date.parse(g.grantedAt);
      const until = Date.parse(g.expiresAt);
      // A grant opens only reads for treatment; printing or exporting under it is not allowed.
      const applies = input.action === 'read' && input.purpose === 'treatment';
      if (from <= nowMs && nowMs < until && applies) {
        grantActive = true;
        expiresAt = Math.floor(until / 1000);
      } else if (nowMs >= until) {
        grantExpired = true;
      }
    }
    const lastEnc = input.patient.lastEncounterAt
      ? Date.parse(input.patient.lastEncounterAt)
      : Number.NaN;
    const recentEncounter =
      Number.isFinite(lastEnc) && nowMs - lastEnc <= s.encounterWindowHours * 3_600_000;
    const ws = input.workstation;
    const principalUid = { type: `${NS}Staff`, id: input.principal.staffId };
    const patientUid = { type: `${NS}Patient`, id: input.patient.patientId };
    const entities: EntityJson[] = [
      {
        uid: principalUid,
        attrs: {
          staffId: input.principal.staffId,
          status: input.principal.status,
          training: input.principal.training,
        },
        parents: [
          ...input.principal.roles.map((id) => ({ type: `${NS}Role`, id })),
          ...input.principal.departmentIds.map((id) => ({ type: `${NS}Department`, id })),
        ],
      },
      {
        uid: patientUid,
        attrs: {
          confidentiality: input.patient.confidentiality,
          admittedTo: input.patient.admittedDepartmentIds,
          sensitiveCategories: input.patient.sensitiveCategories,
          blockedStaff: input.patient.restrictions.blockedStaffIds,
          hiddenSections: input.patient.restrictions.hiddenSections,
          researchOptOut: input.patient.restrictions.researchOptOut,
        },
        parents: [],
      },
    ];
    const context: Record<string, CedarValueJson> = {
      purpose: input.purpose,
      channel: input.channel,
      now: Math.floor(nowMs / 1000),
      hasReference: typeof input.reference === 'string' && input.reference.trim().length > 0,
      relationship: { any: current.length > 0, direct, kinds },
      workstation: {
        registered: ws.registered,
        location: ws.location,
        network: ws.network,
        inOwnDepartment:
          ws.departmentId !== undefined && input.principal.departmentIds.includes(ws.departmentId),
      },
      breakGlass: { active: grantActive, expiresAt },
      patientRecentEncounter: recentEncounter,
      settings: { blocksHonouredInBreakGlass: s.blocksHonouredInBreakGlass },
    };
    return {
      input,
      nowMs,
      current,
      grantActive,
      grantExpired,
      entities,
      context,
      principalUid,
      patientUid,
      actionUid: { type: `${NS}Action`, id: input.action },
    };
  }

  #call(
    setId: string,
    prep: Prepared,
    resource: { type: string; id: string },
    entities: EntityJson[],
  ): CedarAnswer {
    // Sets linked for a break-the-glass grant reuse their slots: their answers are not kept.
    const key =
      prep.grantActive || this.#maxAnswers === 0
        ? undefined
        : this.#answerKey(setId, prep, resource, entities);
    if (key !== undefined) {
      const hit = this.#answers.get(key);
      if (hit !== undefined) {
        this.#answerHits++;
        return hit;
      }
      this.#answerMisses++;
    }
    const ans: AuthorizationAnswer = cedar.statefulIsAuthorized({
      principal: prep.principalUid,
      action: prep.actionUid,
      resource,
      context: prep.context,
      preparsedPolicySetId: setId,
      entities,
    });
    if (ans.type === 'failure') {
      // Fail closed: an engine failure is never a permit.
      throw new CustosError(ErrorCode.Internal, 'access decision failed', {
        errors: ans.errors.map((e) => e.message).slice(0, 3),
      });
    }
    const r = ans.response;
    const errors: string[] = [];
    for (const e of r.diagnostics.errors) errors.push(`${e.policyId}: ${e.error.message}`);
    const answer: CedarAnswer = Object.freeze({
      allow: r.decision === 'allow',
      // Cedar reports the satisfied policies as a set in no fixed order; sorted, the same
      // request gives the same reasons in the same order.
      policyIds: Object.freeze([...r.diagnostics.reason].sort()) as string[],
      errors: Object.freeze(errors) as string[],
    });
    if (key !== undefined) {
      if (this.#answers.size >= this.#maxAnswers) {
        const oldest = this.#answers.keys().next().value;
        if (oldest !== undefined) this.#answers.delete(oldest);
      }
      this.#answers.set(key, answer);
    }
    return answer;
  }

  /**
   * Everything a Cedar call can observe, as one string: the preparsed set, the request and the
   * entities with their attributes and parents. Cedar's evaluation is a pure function of these,
   * so equal keys give equal answers. Two things are left out where no policy can tell them
   * apart: the clock (`context.now`) when no policy mentions `now`, and the patient's identity
   * when no policy names a patient or section entity. Cedar cannot turn an entity id into a
   * string, so then the patient's and its sections' ids are written as a placeholder and two
   * patients with the same attributes get the same answer.
   */
  #answerKey(
    setId: string,
    prep: Prepared,
    resource: { type: string; id: string },
    entities: readonly EntityJson[],
  ): string {
    if (prep.contextKey === undefined) {
      let ctx = prep.context;
      if (!this.#readsClock) {
        const { now: _now, ...rest } = ctx;
        ctx = rest;
      }
      prep.contextKey = JSON.stringify(ctx);
    }
    const pid = prep.patientUid.id;
    const uid = (u: { type: string; id: string }): string => {
      if (this.#patientBlind) {
        if (u.type === PATIENT && u.id === pid) return '\u0000p';
        if (u.type === SECTION && u.id.startsWith(`${pid}/`))
          return `\u0000s${u.id.slice(pid.length)}`;
      }
      return `${u.type}${JSON.stringify(u.id)}`;
    };
    let key = `${setId}\u0000${uid(prep.principalUid)}\u0000${uid(prep.actionUid)}\u0000${uid(resource)}\u0000${prep.contextKey}`;
    for (const e of entities) {
      key += `\u0000${uid(e.uid as { type: string; id: string })}${JSON.stringify(e.attrs)}`;
      if (e.tags !== undefined) key += `#${JSON.stringify(e.tags)}`;
      for (const p of e.parents ?? []) key += `<${uid(p as { type: string; id: string })}`;
    }
    return key;
  }

  /** How often a decision's Cedar calls were answered from memory (for benchmarks). */
  get answerStats(): { hits: number; misses: number; size: number } {
    return { hits: this.#answerHits, misses: this.#answerMisses, size: this.#answers.size };
  }

  /**
   * The compiled policies behind the ids an answer names. A plain loop on purpose: Node 20's V8
   * aborted ("unreachable code" in a builtin continuation) when it lazily deoptimised
   * `decideAccess` inside an inlined map/filter callback here under concurrent load.
   */
  #fired(ids: readonly string[]): CompiledPolicy[] {
    const out: CompiledPolicy[] = [];
    for (const id of ids) {
      const p = this.#policy(id);
      if (p !== undefined) out.push(p);
    }
    return out;
  }
}

function pick(set: CompiledPolicySet, ids: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const p = set.policies.get(id);
    if (p) out[id] = p.text;
  }
  return out;
}

function preparse(id: string, policies: Record<string, string>): boolean {
  return cedar.preparsePolicySet(id, { staticPolicies: policies }).type === 'success';
}

function reasonOf(p: CompiledPolicy): DecisionReason {
  const r: DecisionReason = { policyId: p.id, effect: p.effect };
  if (p.reason) r.code = p.reason;
  return r;
}

function rank(code: string): number {
  const i = REASON_PRIORITY.indexOf(code);
  return i < 0 ? REASON_PRIORITY.length : i;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function addAllowed(d: Decision, c: Category): void {
  if (isSensitiveCategory(c)) d.sensitiveCategories.push(c as SensitiveCategory);
  else d.fields.push(c as Field);
}

function isGuarded(
  c: Category,
  g: { all: boolean; cats: Set<Category>; hidden: boolean },
  hidden: Set<string>,
): boolean {
  return g.all || g.cats.has(c) || (g.hidden && hidden.has(c));
}

function principalMatches(p: CompiledPolicy, input: AccessInput): boolean {
  const s = p.principalScope;
  switch (s.op) {
    case 'all':
    case 'slot':
      return true;
    case 'eq':
      return s.type === `${NS}Staff` && s.id === input.principal.staffId;
    case 'in':
      if (s.type === `${NS}Role`) return input.principal.roles.includes(s.id);
      if (s.type === `${NS}Department`) return input.principal.departmentIds.includes(s.id);
      return s.type === `${NS}Staff` && s.id === input.principal.staffId;
  }
}

function scopeOf(kind: string, current: RelationshipFact[]): DecisionScope {
  const sourceIds = current.filter((r) => r.kind === 'order').map((r) => r.sourceId);
  return { kind, sourceIds };
}
