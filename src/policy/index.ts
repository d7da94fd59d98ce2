/**
 * Access decisions (the decide step of the disclosure path): Cedar policies over pure input
 * facts, answering permit/deny, the fields and sensitive categories allowed, the reasons, and an
 * actionable reason code; break-the-glass grants; explanations; hot-reloaded policy files.
 */
import { PolicyEngine } from './engine.ts';
import { explainAccess as explainWith } from './explain.ts';
import type { AccessExplanation } from './explain.ts';
import { DEFAULT_POLICY_DIR, loadPolicyDir } from './load.ts';
import type { AccessInput, Decision } from './types.ts';

export { PolicyEngine } from './engine.ts';
export { PolicyStore } from './policy-store.ts';
export type { PolicyStoreOptions, ReloadResult } from './policy-store.ts';
export { compilePolicySet } from './policy-set.ts';
export type {
  CompiledPolicy,
  CompiledPolicySet,
  PolicyProblem,
  PolicySource,
  PrincipalScope,
} from './policy-set.ts';
export { DEFAULT_POLICY_DIR, loadPolicyDir, readPolicyDir } from './load.ts';
export { checkAccessInput, DEFAULT_POLICY_SETTINGS, resolveSettings } from './input.ts';
export { BREAK_GLASS_REASON_CODES, grantBreakGlass } from './break-glass.ts';
export type { BreakGlassRequest } from './break-glass.ts';
export { describeReasonCode } from './explain.ts';
export type { AccessExplanation, ExplainLocale } from './explain.ts';
export {
  AccessAction,
  ALL_ACTIONS,
  ALL_CHANNELS,
  ALL_FIELDS,
  ALL_PURPOSES,
  ALL_RELATIONSHIP_KINDS,
  ALL_SENSITIVE_CATEGORIES,
  CATEGORY_GROUPS,
  Channel,
  CLINICAL_FIELDS,
  DEFAULT_DIRECT_RELATIONSHIP_KINDS,
  expandCategoryToken,
  Field,
  isField,
  isSensitiveCategory,
  Purpose,
  ReasonCode,
  RelationshipKind,
  Role,
  SensitiveCategory,
} from './vocabulary.ts';
export type { Category } from './vocabulary.ts';
export type {
  AccessInput,
  BreakGlassGrant,
  BreakGlassReasonCode,
  Confidentiality,
  ConsentRestrictions,
  Decision,
  DecisionReason,
  DecisionScope,
  EmploymentStatus,
  NetworkZone,
  PatientFacts,
  PolicySettings,
  PrincipalFacts,
  RelationshipFact,
  TrainingStatus,
  WorkstationFacts,
  WorkstationLocation,
} from './types.ts';

let defaultEngine: PolicyEngine | undefined;

/** The engine over the default policy set in `policies/` (loaded once, on first use). */
export function getDefaultPolicyEngine(): PolicyEngine {
  defaultEngine ??= new PolicyEngine(loadPolicyDir(DEFAULT_POLICY_DIR));
  return defaultEngine;
}

/**
 * Decide one access with `engine` (default: the shipped policy set). Pure over its input: the
 * clock is `input.now`. Throws CustosError(CUSTOS_BAD_REQUEST) for malformed input.
 */
export function decideAccess(
  input: AccessInput,
  engine: PolicyEngine = getDefaultPolicyEngine(),
): Decision {
  return engine.decideAccess(input);
}

/** "Could X see Y, and why": the decision with an explanation in English and Chinese. */
export function explainAccess(
  input: AccessInput,
  engine: PolicyEngine = getDefaultPolicyEngine(),
): AccessExplanation {
  return explainWith(engine, input);
}
