/**
 * Pure input and output types of an access decision. They are facts already looked up by the
 * caller (identity, care graph, consent); the policy module never reads a database.
 */
import type {
  AccessAction,
  Category,
  Channel,
  Field,
  Purpose,
  ReasonCode,
  RelationshipKind,
  SensitiveCategory,
} from './vocabulary.ts';

/** Employment status of a staff member; only `active` may open records. */
export type EmploymentStatus = 'active' | 'suspended' | 'departed';
/** Privacy-training status; only `current` may open records. */
export type TrainingStatus = 'current' | 'expired' | 'none';
/** Where a workstation stands: public areas (waiting rooms, kiosks) may only show queue displays. */
export type WorkstationLocation = 'ward' | 'clinic' | 'office' | 'public-area' | 'remote';
/** The network a request came from. */
export type NetworkZone = 'internal' | 'vpn' | 'external';
/** HL7 v3 Confidentiality: N normal, R restricted, V very restricted (VIPs, celebrities). */
export type Confidentiality = 'N' | 'R' | 'V';

/** The person or client asking. */
export interface PrincipalFacts {
  staffId: string;
  /** Role ids, e.g. `physician`, `nurse`, `registration` (see `Role`). */
  roles: string[];
  /** Department ids the staff member belongs to now. */
  departmentIds: string[];
  status: EmploymentStatus;
  training: TrainingStatus;
}

/** The workstation the request comes from. */
export interface WorkstationFacts {
  id?: string;
  registered: boolean;
  location: WorkstationLocation;
  departmentId?: string;
  network: NetworkZone;
}

/** The patient's consent restrictions (FHIR Consent). */
export interface ConsentRestrictions {
  /** Fields or sensitive categories the patient asked to hide. */
  hiddenSections: Category[];
  /** Staff ids barred from the record. */
  blockedStaffIds: string[];
  researchOptOut: boolean;
}

/** What is known about the patient. */
export interface PatientFacts {
  patientId: string;
  confidentiality: Confidentiality;
  /** Departments the patient is admitted to or being seen in now. */
  admittedDepartmentIds: string[];
  /** Sensitive categories present in the record. */
  sensitiveCategories: SensitiveCategory[];
  restrictions: ConsentRestrictions;
  /** End (or start, if still open) of the patient's latest encounter, ISO 8601; used by payment. */
  lastEncounterAt?: string;
}

/** A relationship between the principal and the patient found in the care graph. */
export interface RelationshipFact {
  kind: RelationshipKind;
  /** The care-graph record that proves it (encounter, order, appointment id …). */
  sourceId: string;
  /** When it started (or is scheduled), ISO 8601. */
  at: string;
  /** When it ended, ISO 8601; absent while it is still open. */
  endedAt?: string;
}

/** Reason codes a clinician may give for break-the-glass. */
export type BreakGlassReasonCode =
  | 'EMERGENCY_UNCONSCIOUS'
  | 'EMERGENCY_LIFE_THREATENING'
  | 'URGENT_CARE_NO_RELATIONSHIP'
  | 'CONSULTATION'
  | 'OTHER';

/** A time-limited emergency grant for one staff member on one patient, reviewed afterwards. */
export interface BreakGlassGrant {
  grantId: string;
  staffId: string;
  patientId: string;
  reasonCode: BreakGlassReasonCode;
  reasonText: string;
  grantedAt: string;
  expiresAt: string;
  /** Always true: every use of break-the-glass is reviewed. */
  reviewRequired: true;
  /** The patient is told that break-the-glass touched their record. */
  notifyPatient: true;
}

/** One access decision request. */
export interface AccessInput {
  principal: PrincipalFacts;
  patient: PatientFacts;
  relationships: RelationshipFact[];
  purpose: Purpose;
  action: AccessAction;
  channel: Channel;
  workstation: WorkstationFacts;
  /** Now, ISO 8601: the clock is always injected. */
  now: string;
  /** An active break-the-glass grant of this principal for this patient, if any. */
  breakGlass?: BreakGlassGrant;
  /** A reference required by some purposes: ethics approval, court order, patient's request id. */
  reference?: string;
  /** Fields/categories asked for; absent means "what my role may see". */
  requested?: Category[];
}

/** Tenant settings that change decisions. */
export interface PolicySettings {
  /** How long a relationship counts after it ended (and before a scheduled one), in hours. */
  relationshipWindowHours: number;
  /** Relationship kinds that count as direct. */
  directRelationshipKinds: RelationshipKind[];
  /** How long a break-the-glass grant lasts, in hours. */
  breakGlassHours: number;
  /** Roles allowed to break the glass. */
  breakGlassRoles: string[];
  /** A patient's ban of named staff holds even in break-the-glass. */
  blocksHonouredInBreakGlass: boolean;
  /** How long after the latest encounter payment work is allowed, in hours. */
  encounterWindowHours: number;
}

/** Why a policy took part in a decision. */
export interface DecisionReason {
  policyId: string;
  effect: 'permit' | 'forbid';
  /** The reason code of a forbid policy. */
  code?: ReasonCode | string;
  /** The category a section-level policy was about. */
  category?: Category;
}

/** A scope restricting what may be read inside the allowed fields (e.g. only ordered studies). */
export interface DecisionScope {
  kind: string;
  /** Care-graph ids the scope is limited to (e.g. the order ids). */
  sourceIds: string[];
}

/** The answer of the decide step. */
export interface Decision {
  decision: 'permit' | 'deny';
  /** Allowed fields; empty on deny. The vault decrypts only these. */
  fields: Field[];
  /** Sensitive categories present in the record that may be shown; the rest are filtered out. */
  sensitiveCategories: SensitiveCategory[];
  /** Fields or categories the role would have but a restriction withheld, or requested but not allowed. */
  withheld: Category[];
  /** Data must be de-identified before it leaves (research). */
  deidentify: boolean;
  scopes: DecisionScope[];
  /** Policies that determined the decision. */
  reasons: DecisionReason[];
  /** Relationships that were current and used. */
  relationships: RelationshipFact[];
  /** On deny: the main actionable reason code. */
  reasonCode?: ReasonCode | string;
  /** On deny: all reason codes of forbids that fired. */
  reasonCodes: string[];
  /** On deny: break-the-glass would open the record for this user. */
  breakGlassAvailable: boolean;
  /** Break-the-glass was used: the access must be reviewed and the patient notified. */
  breakGlassUsed: boolean;
  /** Id of the policy set version that decided. */
  policyVersion: string;
}
