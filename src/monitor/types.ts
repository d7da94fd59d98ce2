/**
 * Plain input and output types of the privacy monitor. They are deliberately independent of the
 * ledger, vault and identity modules: adapters (Custos ledger, demo hospital, FHIR import) map
 * their own shapes onto these, so the detector core stays pure and testable.
 *
 * Times are epoch milliseconds (UTC). Identifiers are opaque strings. Personal data never appears
 * here in clear: surnames are compared only for equality and addresses, phones, contacts and
 * national IDs arrive as normalised keys or blind indexes.
 */

/** What was done to a record. */
export const AccessAction = {
  Read: 'read',
  Search: 'search',
  Update: 'update',
  Print: 'print',
  Export: 'export',
  ImageView: 'image-view',
  ImageDownload: 'image-download',
} as const;
export type AccessAction = (typeof AccessAction)[keyof typeof AccessAction];

/** Who acted: a staff member (human) or a third-party API client. */
export const ActorKind = { Staff: 'staff', Client: 'client' } as const;
export type ActorKind = (typeof ActorKind)[keyof typeof ActorKind];

/**
 * Data categories an access touched. `contact` (name, address, phone, emergency contact) matters
 * most: it is what harvesters sell.
 */
export const DataCategory = {
  Demographics: 'demographics',
  Contact: 'contact',
  Clinical: 'clinical',
  Notes: 'notes',
  Results: 'results',
  Imaging: 'imaging',
  Maternity: 'maternity',
  Billing: 'billing',
  Sensitive: 'sensitive',
} as const;
export type DataCategory = (typeof DataCategory)[keyof typeof DataCategory];

/** One access to one patient's record (or one bulk operation) from any system's log. */
export interface AccessEvent {
  /** Unique id of the event in its source (ledger sequence, AuditEvent id). */
  id: string;
  /** When it happened, epoch ms. */
  time: number;
  actorId: string;
  actorKind: ActorKind;
  /** The patient touched; absent for searches that returned no single patient. */
  patientId?: string;
  /** For bulk exports: every patient in the export (patientId may be absent). */
  patientIds?: readonly string[];
  action: AccessAction;
  categories?: readonly DataCategory[];
  /** Field names shown (source vocabulary), for contracts that list fields. */
  fields?: readonly string[];
  /** Declared purpose of use (treatment, payment, operations, research, …). */
  purpose?: string;
  decision?: 'permit' | 'deny';
  breakGlass?: boolean;
  workstation?: string;
  /** Network address (IPv4 or IPv6 text). */
  ip?: string;
  /** Source system: emr, pacs, his, api, portal, … */
  channel?: string;
  /** Number of images/instances for image downloads and exports. */
  instances?: number;
}

/** A half-open time interval [start, end); `end` undefined means still open. */
export interface Interval {
  start: number;
  end?: number;
}

/** An encounter (outpatient, inpatient, emergency) with its participants. */
export interface EncounterFact extends Interval {
  id: string;
  patientId: string;
  /** Department that provided the service. */
  department?: string;
  participants: readonly string[];
  kind?: string;
}

/** A care team of a patient: members are staff ids. */
export interface CareTeamFact extends Interval {
  patientId: string;
  members: readonly string[];
}

/** An order (lab, imaging, consult) whose performer is a department or a third party. */
export interface OrderFact {
  id: string;
  patientId: string;
  time: number;
  orderedBy?: string;
  /** The staff member who carried it out (technician, reader, pharmacist). */
  performedBy?: string;
  performerDepartment?: string;
  /** A third-party organisation or API client id doing the work (external lab, PACS vendor). */
  performerClient?: string;
}

/** An appointment with a staff member or a department. */
export interface AppointmentFact {
  patientId: string;
  time: number;
  staffId?: string;
  department?: string;
}

/** A referral between staff members or departments. */
export interface ReferralFact {
  patientId: string;
  time: number;
  fromStaff?: string;
  toStaff?: string;
  toDepartment?: string;
}

/** A stay of a patient in a department (admission, transfer). */
export interface AdmissionFact extends Interval {
  patientId: string;
  department: string;
}

/** One shift of a staff member, optionally in another department than their HR department. */
export interface ShiftFact {
  staffId: string;
  start: number;
  end: number;
  department?: string;
}

/** An approved use of named patients' records by a staff member (research study, audit). */
export interface PurposeGrantFact extends Interval {
  staffId: string;
  patientIds: readonly string[];
  purpose?: string;
}

/** The care graph: the relationships that explain accesses. */
export interface CareGraph {
  grants?: readonly PurposeGrantFact[];
  encounters: readonly EncounterFact[];
  careTeams?: readonly CareTeamFact[];
  orders?: readonly OrderFact[];
  appointments?: readonly AppointmentFact[];
  referrals?: readonly ReferralFact[];
  admissions?: readonly AdmissionFact[];
  shifts?: readonly ShiftFact[];
}

/** Employment status of an account. */
export const StaffStatus = {
  Active: 'active',
  Suspended: 'suspended',
  Departed: 'departed',
} as const;
export type StaffStatus = (typeof StaffStatus)[keyof typeof StaffStatus];

/** What the monitor knows about a staff member (HR data only as keys). */
export interface StaffFacts {
  id: string;
  role: string;
  department: string;
  status: StaffStatus;
  /** When the current status began (departure or suspension date). */
  statusSince?: number;
  /** Last day of employment when known. */
  endDate?: number;
  /** Last activity before the monitored range (from the directory), for dormant accounts. */
  lastActive?: number;
  /** Surname, compared only for equality after normalisation. */
  surname?: string;
  addressKey?: string;
  /** Key of the building (address without the room): same building, other room = neighbour. */
  buildingKey?: string;
  /** Building keys of the houses next door (for streets of houses rather than compounds). */
  nearbyKeys?: readonly string[];
  phoneKey?: string;
  emergencyContactKeys?: readonly string[];
  nationalIdKey?: string;
}

/** What the monitor knows about a patient. */
export interface PatientFacts {
  id: string;
  /** Numeric part of the medical record number, for sequential-browsing detection. */
  mrnNumber?: number;
  /** VIP or celebrity (HL7 Confidentiality V). */
  vip?: boolean;
  /** Restricted record (HL7 Confidentiality R). */
  restricted?: boolean;
  surname?: string;
  addressKey?: string;
  /** Key of the building (address without the room). */
  buildingKey?: string;
  phoneKey?: string;
  contactKeys?: readonly string[];
  nationalIdKey?: string;
  maternity?: boolean;
  newborn?: boolean;
  deceased?: boolean;
}

/** A third-party API client and the contract that binds it. */
export interface ClientFacts {
  id: string;
  organisation?: string;
  /** Calls allowed per day (rolling 24 h). */
  dailyLimit?: number;
  /** Data categories the contract allows. */
  allowedCategories?: readonly DataCategory[];
  /** Field names the contract allows (same vocabulary as AccessEvent.fields). */
  allowedFields?: readonly string[];
  /** Only patients with an order performed by this client. */
  onlyOrderedPatients?: boolean;
  /** Only patients with an appointment within a day of the call. */
  onlyAppointmentPatients?: boolean;
  /** Only patients discharged from an inpatient stay recently. */
  onlyDischargedPatients?: boolean;
  /** Contract end, epoch ms. */
  expires?: number;
}

/** A registered workstation. */
export interface WorkstationFacts {
  id: string;
  department?: string;
}

/** Every fact the monitor uses, as plain arrays. */
export interface MonitorFacts {
  staff: readonly StaffFacts[];
  patients: readonly PatientFacts[];
  clients?: readonly ClientFacts[];
  workstations?: readonly WorkstationFacts[];
  care: CareGraph;
}

/** Kinds of incident the monitor reports; they match the demo generator's label kinds. */
export const IncidentKind = {
  VipSnooping: 'vip-snooping',
  CoworkerLookup: 'coworker-lookup',
  FamilyLookup: 'family-lookup',
  SelfLookup: 'self-lookup',
  NoRelationship: 'no-relationship',
  VolumeSpike: 'volume-spike',
  Harvesting: 'harvesting',
  BulkExport: 'bulk-export',
  OffHours: 'off-hours',
  UnusualNetwork: 'unusual-network',
  AccountMisuse: 'account-misuse',
  ThirdPartyAbuse: 'third-party-abuse',
  BreakGlassRepeat: 'break-glass-repeat',
  DeceasedRecord: 'deceased-record',
} as const;
export type IncidentKind = (typeof IncidentKind)[keyof typeof IncidentKind];

/** Why an access is considered legitimate. */
export const ExplanationReason = {
  Encounter: 'encounter',
  CareTeam: 'care-team',
  Order: 'order',
  Appointment: 'appointment',
  Referral: 'referral',
  DepartmentPatient: 'department-patient',
  ShiftHandover: 'shift-handover',
  OrderToDepartment: 'order-to-department',
  ApprovedPurpose: 'approved-purpose',
  ContractOrder: 'contract-order',
  Self: 'self',
} as const;
export type ExplanationReason = (typeof ExplanationReason)[keyof typeof ExplanationReason];

/** The explanation of one access: a reason, or none (unexplained). */
export interface Explanation {
  explained: boolean;
  reason?: ExplanationReason;
  /**
   * `direct`: the user personally cares for the patient; `department`: the patient is in the
   * user's department (or its order queue); `purpose`: an approved purpose of the user's role.
   */
  strength?: 'direct' | 'department' | 'purpose';
}

/** A sentence of evidence, in English and Chinese. Carries ids and counts, never names. */
export interface Evidence {
  code: string;
  en: string;
  zh: string;
}

/** One detector result: who, which patients, when, how strongly, and why in words. */
export interface Finding {
  detector: string;
  kind: IncidentKind;
  actorId: string;
  patientIds: readonly string[];
  start: number;
  end: number;
  /** 0..1; findings under the alert threshold only support other alerts. */
  score: number;
  evidence: readonly Evidence[];
  /** Up to a configured number of event ids backing the finding. */
  eventIds: readonly string[];
}

/** A ranked alert: findings about the same actor, patient set and window merged into one. */
export interface Alert {
  /** Stable id derived from actor, kinds, patients and window. */
  id: string;
  actorId: string;
  actorKind: ActorKind;
  /** The main kind (highest-scoring finding); `kinds` lists every kind merged in. */
  kind: IncidentKind;
  kinds: readonly IncidentKind[];
  patientIds: readonly string[];
  start: number;
  end: number;
  score: number;
  evidence: readonly Evidence[];
  eventIds: readonly string[];
  detectors: readonly string[];
}

/** A group of alerts about one actor and one incident: what becomes a case. */
export interface CaseCandidate {
  actorId: string;
  alerts: readonly Alert[];
  score: number;
  start: number;
  end: number;
  kinds: readonly IncidentKind[];
  patientIds: readonly string[];
}
