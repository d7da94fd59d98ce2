/**
 * The words every access decision is made of: record fields, sensitive categories, purposes of
 * use, channels, actions, relationship kinds, roles and denial reason codes. Policies (`@grants`),
 * masking profiles, the ledger and the console all use these exact strings.
 */

/**
 * Record fields, grouped by section (`section.field`). A decision lists the fields it allows; the
 * vault decrypts only those. Fields without a dot are whole sections.
 */
export const Field = {
  Name: 'demographics.name',
  Sex: 'demographics.sex',
  BirthDate: 'demographics.birthDate',
  IdNumber: 'demographics.idNumber',
  Mrn: 'demographics.mrn',
  Phone: 'contact.phone',
  Address: 'contact.address',
  Email: 'contact.email',
  EmergencyContact: 'contact.emergencyContact',
  Appointment: 'appointment',
  Encounter: 'encounter',
  Diagnosis: 'diagnosis',
  Note: 'note',
  Vitals: 'observation.vitals',
  Lab: 'observation.lab',
  Medication: 'medication',
  Allergy: 'allergy',
  Procedure: 'procedure',
  Order: 'order',
  ImagingOrder: 'imaging.order',
  ImagingStudy: 'imaging.study',
  ImagingReport: 'imaging.report',
  BillingCodes: 'billing.codes',
  BillingAmounts: 'billing.amounts',
  Insurance: 'billing.insurance',
  Technical: 'technical',
} as const;
/** One record field of the vocabulary. */
export type Field = (typeof Field)[keyof typeof Field];
/** Every field, in a stable order. */
export const ALL_FIELDS: readonly Field[] = Object.values(Field);

/**
 * Sensitive categories (PIPL Art. 28 sensitive personal information beyond the ordinary record).
 * They tag content inside other fields (a psychiatric diagnosis, a reproductive-health note) and
 * need a direct treatment relationship in the default policy set.
 */
export const SensitiveCategory = {
  Psychiatry: 'psychiatry',
  Reproductive: 'reproductive',
  HivSti: 'hiv-sti',
  Substance: 'substance',
  Genetics: 'genetics',
} as const;
/** One sensitive category. */
export type SensitiveCategory = (typeof SensitiveCategory)[keyof typeof SensitiveCategory];
/** Every sensitive category. */
export const ALL_SENSITIVE_CATEGORIES: readonly SensitiveCategory[] =
  Object.values(SensitiveCategory);

/** Anything a decision can allow or withhold: a field or a sensitive category. */
export type Category = Field | SensitiveCategory;

/** Fields that carry clinical content (never shown to vendors, registration or billing). */
export const CLINICAL_FIELDS: readonly Field[] = [
  'encounter',
  'diagnosis',
  'note',
  'observation.vitals',
  'observation.lab',
  'medication',
  'allergy',
  'procedure',
  'order',
  'imaging.order',
  'imaging.study',
  'imaging.report',
];

/**
 * Named groups usable in `@grants` and `@guards` annotations: `@clinical`, `@sensitive`,
 * `@identity`, `@contact`, `@all`. A token `section.*` expands to every field of the section.
 */
export const CATEGORY_GROUPS: Readonly<Record<string, readonly Category[]>> = {
  '@clinical': CLINICAL_FIELDS,
  '@sensitive': ALL_SENSITIVE_CATEGORIES,
  '@identity': [
    'demographics.name',
    'demographics.idNumber',
    'demographics.mrn',
    'demographics.birthDate',
  ],
  '@contact': ['contact.phone', 'contact.address', 'contact.email', 'contact.emergencyContact'],
  '@all': [...ALL_FIELDS, ...ALL_SENSITIVE_CATEGORIES],
};

/** Purposes of use (使用目的), declared per session or request. */
export const Purpose = {
  Treatment: 'treatment',
  Payment: 'payment',
  Operations: 'operations',
  Research: 'research',
  PublicHealth: 'public-health',
  PatientRequest: 'patient-request',
  Legal: 'legal',
} as const;
/** One purpose of use. */
export type Purpose = (typeof Purpose)[keyof typeof Purpose];
/** Every purpose of use. */
export const ALL_PURPOSES: readonly Purpose[] = Object.values(Purpose);

/** Where the data goes: the channel decides the masking profile and some policies. */
export const Channel = {
  Screen: 'screen',
  Print: 'print',
  QueueDisplay: 'queue-display',
  Label: 'label',
  Api: 'api',
  Export: 'export',
} as const;
/** One disclosure channel. */
export type Channel = (typeof Channel)[keyof typeof Channel];
/** Every channel. */
export const ALL_CHANNELS: readonly Channel[] = Object.values(Channel);

/** Disclosure kinds, the Cedar actions (all members of the action group `disclose`). */
export const AccessAction = {
  Read: 'read',
  Search: 'search',
  Print: 'print',
  Export: 'export',
} as const;
/** One disclosure kind. */
export type AccessAction = (typeof AccessAction)[keyof typeof AccessAction];
/** Every disclosure kind. */
export const ALL_ACTIONS: readonly AccessAction[] = Object.values(AccessAction);

/** Kinds of relationship between a staff member and a patient found in the care graph. */
export const RelationshipKind = {
  Attending: 'attending',
  CareTeam: 'care-team',
  ActiveEncounter: 'active-encounter',
  Order: 'order',
  Appointment: 'appointment',
  Referral: 'referral',
  InDepartment: 'in-department',
  ShiftHandover: 'shift-handover',
} as const;
/** One relationship kind. */
export type RelationshipKind = (typeof RelationshipKind)[keyof typeof RelationshipKind];
/** Every relationship kind. */
export const ALL_RELATIONSHIP_KINDS: readonly RelationshipKind[] = Object.values(RelationshipKind);

/**
 * Relationship kinds that count as a *direct* relationship (the person themselves treats the
 * patient), required by default for VIP records and sensitive categories. An order sent to the
 * department or the patient merely lying in the department is indirect.
 */
export const DEFAULT_DIRECT_RELATIONSHIP_KINDS: readonly RelationshipKind[] = [
  'attending',
  'care-team',
  'active-encounter',
  'appointment',
  'referral',
  'shift-handover',
];

/** Roles of the default policy set. Hospitals may add their own: roles are plain ids. */
export const Role = {
  Physician: 'physician',
  Nurse: 'nurse',
  Registration: 'registration',
  Billing: 'billing',
  RadiologyTechnician: 'radiology-technician',
  LabTechnician: 'lab-technician',
  Pharmacist: 'pharmacist',
  Researcher: 'researcher',
  VendorEngineer: 'vendor-engineer',
  PrivacyOfficer: 'privacy-officer',
  MedicalRecords: 'medical-records',
  PublicHealth: 'public-health',
  QueueDisplay: 'queue-display',
} as const;
/** A role of the default policy set. */
export type Role = (typeof Role)[keyof typeof Role];

/**
 * Actionable denial reasons. Forbid policies name theirs with `@reason("...")`; a request no
 * policy permits gets `NOT_PERMITTED_FOR_ROLE`, one whose requested fields are all withheld gets
 * `FIELDS_NOT_PERMITTED`.
 */
export const ReasonCode = {
  NoTreatmentRelationship: 'NO_TREATMENT_RELATIONSHIP',
  StaffInactive: 'STAFF_INACTIVE',
  TrainingExpired: 'TRAINING_EXPIRED',
  WorkstationNotRegistered: 'WORKSTATION_NOT_REGISTERED',
  WorkstationLocationNotAllowed: 'WORKSTATION_LOCATION_NOT_ALLOWED',
  NetworkNotAllowed: 'NETWORK_NOT_ALLOWED',
  PatientRestriction: 'PATIENT_RESTRICTION',
  PatientRestricted: 'PATIENT_RESTRICTED',
  SensitiveCategory: 'SENSITIVE_CATEGORY',
  NoOrderForDepartment: 'NO_ORDER_FOR_DEPARTMENT',
  NoActiveEncounter: 'NO_ACTIVE_ENCOUNTER',
  ReferenceRequired: 'REFERENCE_REQUIRED',
  ChannelNotAllowed: 'CHANNEL_NOT_ALLOWED',
  NotPermittedForRole: 'NOT_PERMITTED_FOR_ROLE',
  FieldsNotPermitted: 'FIELDS_NOT_PERMITTED',
  BreakGlassExpired: 'BREAK_GLASS_EXPIRED',
} as const;
/** One denial reason code. */
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

const FIELD_SET: ReadonlySet<string> = new Set(ALL_FIELDS);
const SENSITIVE_SET: ReadonlySet<string> = new Set(ALL_SENSITIVE_CATEGORIES);

/** True when `s` is a field of the vocabulary. */
export function isField(s: string): s is Field {
  return FIELD_SET.has(s);
}

/** True when `s` is a sensitive category. */
export function isSensitiveCategory(s: string): s is SensitiveCategory {
  return SENSITIVE_SET.has(s);
}

/**
 * Expand one `@grants`/`@guards` token (`demographics.name`, `demographics.*`, `@clinical`,
 * `psychiatry`) into categories; returns null for a token that names nothing, so that a typo in
 * a policy file is rejected instead of silently granting nothing.
 */
export function expandCategoryToken(token: string): Category[] | null {
  const group = CATEGORY_GROUPS[token];
  if (group) return [...group];
  if (token.endsWith('.*')) {
    const prefix = token.slice(0, -1);
    const hits = ALL_FIELDS.filter((f) => f.startsWith(prefix));
    return hits.length > 0 ? hits : null;
  }
  if (isField(token) || isSensitiveCategory(token)) return [token];
  return null;
}
