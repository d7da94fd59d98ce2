/**
 * Types of the synthetic demo hospital. Records are FHIR-R4-flavoured plain objects with stable
 * string ids (unique within the tenant) that reference each other by id, so the vault can import
 * them and the policy and monitor modules can build their care graph from them. Times are ISO 8601
 * strings in the hospital's local time (`+08:00`); dates are `YYYY-MM-DD`.
 */

/** Staff roles of the demo hospital (the identity module's role codes). */
export const DemoRole = {
  Physician: 'physician',
  Nurse: 'nurse',
  HeadNurse: 'head-nurse',
  RadiologyTechnician: 'radiology-technician',
  LabTechnician: 'lab-technician',
  Pharmacist: 'pharmacist',
  RegistrationClerk: 'registration-clerk',
  BillingClerk: 'billing-clerk',
  PrivacyOfficer: 'privacy-officer',
  Administrator: 'administrator',
  VendorEngineer: 'vendor-engineer',
  Researcher: 'researcher',
} as const;
/** A staff role code. */
export type DemoRole = (typeof DemoRole)[keyof typeof DemoRole];

/** Kinds of planted incidents; one detector family of the monitor answers each. */
export const DemoIncidentKind = {
  MaternityHarvesting: 'maternity-harvesting',
  VipSnooping: 'vip-snooping',
  PhotographedRecord: 'photographed-record',
  CoworkerLookup: 'coworker-lookup',
  FamilyLookup: 'family-lookup',
  NeighbourLookup: 'neighbour-lookup',
  SelfLookup: 'self-lookup',
  NoRelationshipBrowsing: 'no-relationship-browsing',
  RadiologyBrowsing: 'radiology-browsing',
  VendorBulkExport: 'vendor-bulk-export',
  ThirdPartyOverCollection: 'third-party-over-collection',
  ThirdPartyRateAbuse: 'third-party-rate-abuse',
  DepartedAccountUse: 'departed-account-use',
  DormantAccountUse: 'dormant-account-use',
  OffHoursForeignIp: 'off-hours-foreign-ip',
  VolumeSpike: 'volume-spike',
  RepeatedBreakGlass: 'repeated-break-glass',
  DeceasedRecordAccess: 'deceased-record-access',
} as const;
/** A planted incident kind. */
export type DemoIncidentKind = (typeof DemoIncidentKind)[keyof typeof DemoIncidentKind];

/** Every incident kind, in a stable order. */
export const DEMO_INCIDENT_KINDS: readonly DemoIncidentKind[] = Object.values(DemoIncidentKind);

export type DemoSex = 'male' | 'female';

/** A postal address down to street, number and room, with its GB/T 2260 county code. */
export interface DemoAddress {
  province: string;
  city: string;
  district: string;
  street: string;
  /** House number on the street, e.g. `128号`. */
  number: string;
  /** Residential compound (小区), when there is one. */
  community?: string;
  building?: string;
  unit?: string;
  room?: string;
  /** The whole address as one line, the way it is written on forms. */
  text: string;
  /** GB/T 2260 six-digit code of the district. */
  regionCode: string;
}

/** An emergency contact (FHIR Patient.contact / HR emergency contact). */
export interface DemoContact {
  name: string;
  relationship: 'spouse' | 'parent' | 'child' | 'sibling' | 'friend';
  phone: string;
}

/** HL7 v3 Confidentiality: N normal, R restricted (sensitive), V very restricted (VIPs). */
export type DemoConfidentiality = 'N' | 'R' | 'V';

/** Sensitive data categories that policies and masking treat specially. */
export type DemoSensitiveCategory = 'mental-health' | 'substance' | 'hiv' | 'reproductive';

/** Identifier systems used on patients and staff. */
export type DemoIdentifierSystem =
  | 'resident-id' // 居民身份证 (GB 11643), also HK/Macau/Taiwan residence permits (81/82/83…)
  | 'foreign-permanent-resident-id' // 外国人永久居留身份证 (2023 format, 18 digits, starts with 9)
  | 'mrn'
  | 'prc-passport'
  | 'foreign-passport'
  | 'hk-macau-permit' // 港澳居民来往内地通行证 (回乡证)
  | 'taiwan-permit' // 台湾居民来往大陆通行证 (台胞证)
  | 'staff-number';

export interface DemoIdentifier {
  system: DemoIdentifierSystem;
  value: string;
}

/** The hospital (tenant) with its networks. */
export interface DemoTenant {
  id: string;
  name: string;
  nameEn: string;
  address: DemoAddress;
  timezone: 'Asia/Shanghai';
  /** Registered networks of the hospital and its partners. */
  networks: DemoNetwork[];
  /** A small GeoIP table for addresses outside the hospital (used to say "foreign network"). */
  ipGeo: { cidr: string; country: string }[];
}

export interface DemoNetwork {
  cidr: string;
  zone: 'clinical' | 'administrative' | 'staff-vpn' | 'vendor-vpn' | 'partner' | 'server';
  description: string;
  /** The department whose workstations live here, for department subnets. */
  departmentId?: string;
  /** The third-party organisation this network belongs to, for partner networks. */
  organizationId?: string;
}

/** A department of the hospital (FHIR Organization partOf the hospital). */
export interface DemoDepartment {
  id: string;
  tenantId: string;
  code: string;
  name: string;
  nameEn: string;
  kind: 'clinical' | 'diagnostic' | 'administrative' | 'support';
  partOf: string;
}

export interface DemoWard {
  id: string;
  tenantId: string;
  departmentId: string;
  name: string;
  nameEn: string;
  beds: number;
}

/** A registered workstation (终端) with its fixed address. */
export interface DemoWorkstation {
  id: string;
  tenantId: string;
  name: string;
  kind: 'doctor-office' | 'nurse-station' | 'counter' | 'reading-room' | 'lab-bench' | 'office';
  departmentId: string;
  wardId?: string;
  location: string;
  ip: string;
  cidr: string;
}

/** A third-party organisation: external lab, equipment vendor, app maker, platform. */
export interface DemoOrganization {
  id: string;
  tenantId: string;
  name: string;
  nameEn: string;
  kind: 'laboratory' | 'vendor' | 'app' | 'platform';
}

/** The data contract a third-party API client is bound to. */
export interface DemoContract {
  purpose: DemoPurpose;
  /** The only fields the client may receive. */
  fields: DemoField[];
  /** Which patients the client may see. */
  patientScope: 'appointment-today' | 'order-to-organization' | 'discharged-inpatients';
  maxCallsPerDay: number;
  validFrom: string;
  validTo: string;
  /** Networks the client may call from. */
  networks: string[];
}

/** A third-party API client (OAuth2 client credentials) bound to a contract. */
export interface DemoApiClient {
  id: string;
  tenantId: string;
  organizationId: string;
  name: string;
  contract: DemoContract;
  /** The address the client calls from. */
  ip: string;
}

export type DemoEmploymentStatus = 'active' | 'suspended' | 'departed';

/** A staff member (FHIR Practitioner + PractitionerRole) with HR data. */
export interface DemoStaff {
  id: string;
  tenantId: string;
  staffNumber: string;
  username: string;
  name: string;
  family: string;
  given: string;
  sex: DemoSex;
  birthDate: string;
  nationalId: string;
  role: DemoRole;
  /** 职称, e.g. 主治医师, 主管护师. */
  title: string;
  departmentId: string;
  wardId?: string;
  /** For vendor engineers: the vendor organisation employing them. */
  organizationId?: string;
  employment: {
    status: DemoEmploymentStatus;
    hiredOn: string;
    suspendedOn?: string;
    departedOn?: string;
  };
  /** Long leave (e.g. maternity leave, study leave): no shifts during it. */
  leave?: { from: string; to: string; kind: 'maternity' | 'study' | 'sick' };
  /** HR data, used to recognise family and neighbour look-ups. */
  hr: { homeAddress: DemoAddress; phone: string; emergencyContacts: DemoContact[] };
  /** The login account; `lastLoginAt` is the last login before the activity window. */
  account: { createdAt: string; lastLoginAt: string; disabled: boolean };
}

/** One shift of one staff member (排班). */
export interface DemoShift {
  staffId: string;
  date: string;
  kind: 'day' | 'evening' | 'night' | 'office' | 'on-call';
  start: string;
  end: string;
  departmentId: string;
  wardId?: string;
}

export interface DemoPatient {
  id: string;
  tenantId: string;
  mrn: string;
  name: string;
  family: string;
  given: string;
  script: 'zh' | 'en';
  sex: DemoSex;
  birthDate: string;
  /** Resident ID (or residence permit / foreign permanent resident ID) when the patient has one. */
  nationalId?: string;
  identifiers: DemoIdentifier[];
  /** ISO 3166 alpha-2 nationality or region (CN, HK, MO, TW, US, …). */
  nationality: string;
  phone?: string;
  address: DemoAddress;
  contacts: DemoContact[];
  confidentiality: DemoConfidentiality;
  /** Why the patient is a VIP (confidentiality V). */
  vip?: { kind: 'celebrity' | 'official' | 'athlete' };
  sensitiveCategories: DemoSensitiveCategory[];
  insurance: 'urban-employee' | 'urban-rural-resident' | 'commercial' | 'self-pay';
  registeredAt: string;
  deceasedAt?: string;
  /** For a newborn: the mother's patient id (FHIR Patient.link / RelatedPerson). */
  motherId?: string;
}

export type DemoEncounterClass = 'AMB' | 'IMP' | 'EMER';

/**
 * Participant types (HL7 v3 ParticipationType): ATND attending, CON consultant, PART nurse
 * (participant), ADM admitter (registration at check-in / admission), DIS discharger; BILL is a
 * local code for the billing clerk who settles the encounter.
 */
export type DemoParticipantType = 'ATND' | 'CON' | 'PART' | 'ADM' | 'DIS' | 'BILL';

export interface DemoParticipant {
  staffId: string;
  type: DemoParticipantType;
  start: string;
  end?: string;
}

export interface DemoEncounter {
  id: string;
  tenantId: string;
  patientId: string;
  class: DemoEncounterClass;
  status: 'planned' | 'in-progress' | 'finished';
  departmentId: string;
  wardId?: string;
  start: string;
  end?: string;
  participants: DemoParticipant[];
  /** ICD-10 code of the main reason. */
  reasonCode: string;
  appointmentId?: string;
  careTeamId?: string;
  /** The emergency encounter this admission came from. */
  partOf?: string;
  /** The maternity episode this encounter belongs to. */
  episodeId?: string;
}

export interface DemoCareTeam {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  departmentId: string;
  start: string;
  end?: string;
  members: { staffId: string; role: 'attending' | 'resident' | 'primary-nurse' | 'consultant' }[];
}

export interface DemoAppointment {
  id: string;
  tenantId: string;
  patientId: string;
  departmentId: string;
  practitionerId: string;
  start: string;
  end: string;
  status: 'booked' | 'fulfilled' | 'noshow' | 'cancelled';
  bookedVia: 'app' | 'phone' | 'counter' | 'portal';
  encounterId?: string;
}

/** An order (FHIR ServiceRequest): imaging, laboratory, or a referral to another department. */
export interface DemoServiceRequest {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  category: 'imaging' | 'laboratory' | 'referral';
  code: string;
  display: string;
  displayEn: string;
  requesterId: string;
  authoredOn: string;
  status: 'active' | 'completed';
  /** The department or third-party organisation that performs it. */
  performer: { type: 'department' | 'organization'; id: string };
  /** The staff member who carried it out (technician, lab technician, receiving physician). */
  fulfilledBy?: string;
  fulfilledAt?: string;
}

/** A diagnosis (FHIR Condition) coded in ICD-10. */
export interface DemoCondition {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  code: string;
  display: string;
  displayEn: string;
  sensitiveCategory?: DemoSensitiveCategory;
  recordedDate: string;
  recorderId: string;
}

/** A laboratory result (FHIR Observation). */
export interface DemoObservation {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  basedOn: string;
  code: string;
  display: string;
  displayEn: string;
  value: number;
  unit: string;
  referenceRange: string;
  interpretation: 'N' | 'H' | 'L';
  effective: string;
  performerId?: string;
}

export interface DemoMedicationRequest {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  code: string;
  display: string;
  displayEn: string;
  dosage: string;
  requesterId: string;
  authoredOn: string;
  dispensedBy?: string;
  dispensedAt?: string;
}

export interface DemoImagingStudy {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  basedOn: string;
  uid: string;
  modality: 'CR' | 'DX' | 'CT' | 'MR' | 'US' | 'MG';
  description: string;
  descriptionEn: string;
  started: string;
  series: number;
  instances: number;
  /** The technician who performed the study. */
  performerId?: string;
  /** The radiologist who reported it, and when. */
  interpreterId?: string;
  reportedAt?: string;
}

/** A span of personal data inside a note's text (UTF-16 offsets, end exclusive). */
export interface DemoPhiSpan {
  start: number;
  end: number;
  type: 'name' | 'staff-name' | 'id-number' | 'phone' | 'address' | 'date' | 'mrn' | 'age';
}

/** A clinical note with the patient's details embedded, and where they are. */
export interface DemoNote {
  id: string;
  tenantId: string;
  patientId: string;
  encounterId: string;
  authorId: string;
  type:
    'outpatient' | 'emergency' | 'admission' | 'progress' | 'discharge' | 'prenatal' | 'delivery';
  date: string;
  language: 'zh' | 'en';
  text: string;
  /** Ground truth of the personal data in `text`, to measure de-identification. */
  phi: DemoPhiSpan[];
}

/** A pregnancy followed by the hospital: prenatal visits, delivery, newborn. */
export interface DemoMaternityEpisode {
  id: string;
  tenantId: string;
  motherId: string;
  lastMenstrualPeriod: string;
  dueDate: string;
  /** Gestational weeks at the latest prenatal visit. */
  gestationalWeeks: number;
  prenatalVisits: { encounterId: string; date: string; gestationalWeeks: number }[];
  delivery?: {
    encounterId: string;
    date: string;
    method: 'vaginal' | 'cesarean' | 'assisted';
    newbornId: string;
    birthWeightGrams: number;
  };
  status: 'prenatal' | 'delivered';
}

/** An approved research study: its researchers may read its cohort for research. */
export interface DemoResearchStudy {
  id: string;
  tenantId: string;
  title: string;
  researcherIds: string[];
  patientIds: string[];
  approvedFrom: string;
  approvedTo: string;
}

/** HL7 v3 PurposeOfUse codes used in the demo's access events. */
export type DemoPurpose =
  'TREAT' | 'ETREAT' | 'HPAYMT' | 'HOPERAT' | 'HRESCH' | 'HSYSADMIN' | 'PUBHLTH';

/** The fields an access touched (the vault's field names). */
export type DemoField =
  | 'name'
  | 'sex'
  | 'birthDate'
  | 'mrn'
  | 'nationalId'
  | 'phone'
  | 'address'
  | 'contacts'
  | 'insurance'
  | 'encounters'
  | 'diagnoses'
  | 'notes'
  | 'labs'
  | 'medications'
  | 'orders'
  | 'imaging'
  | 'appointments'
  | 'gestationalWeeks'
  | 'dueDate'
  | 'deliveryDate'
  | 'deliveryMethod'
  | 'billing';

/** Data categories an access touched. */
export type DemoCategory =
  | 'demographic'
  | 'identifier'
  | 'contact'
  | 'clinical'
  | 'maternity'
  | 'imaging'
  | 'financial'
  | DemoSensitiveCategory;

export type DemoAction = 'read' | 'search' | 'print' | 'export' | 'image-download';

/** The system the access went through. */
export type DemoChannel = 'emr' | 'his' | 'pacs' | 'lis' | 'pharmacy' | 'api';

/**
 * One access to patient data, as a hospital system's audit trail would record it. Nothing in an
 * event says whether it is part of a planted incident: that truth is only in {@link DemoLabels}.
 */
export interface DemoAccessEvent {
  id: string;
  tenantId: string;
  /** Epoch milliseconds. */
  at: number;
  /** The same instant as ISO 8601 in hospital time. */
  time: string;
  actorType: 'staff' | 'client';
  staffId?: string;
  clientId?: string;
  /** Absent when the access did not come from a registered workstation (VPN, API, unknown). */
  workstationId?: string;
  ip: string;
  /** Absent for a search whose results were not opened. */
  patientId?: string;
  action: DemoAction;
  resourceType:
    | 'Patient'
    | 'Encounter'
    | 'Observation'
    | 'MedicationRequest'
    | 'ServiceRequest'
    | 'ImagingStudy'
    | 'DocumentReference'
    | 'Appointment';
  resourceId: string;
  fields: DemoField[];
  categories: DemoCategory[];
  purpose: DemoPurpose;
  channel: DemoChannel;
  /** For searches: what was searched by, and which patients were returned. */
  searchBy?: 'name' | 'mrn' | 'phone' | 'nationalId';
  resultPatientIds?: string[];
  /** For image downloads and exports: number of DICOM instances. */
  instances?: number;
  /** Set when the access was made through break-the-glass. */
  breakGlassReason?: string;
}

/** One day of access events, in time order. */
export interface DemoAccessDay {
  /** Local date `YYYY-MM-DD`. */
  date: string;
  /** Index of the day in the activity window, from 0. */
  index: number;
  events: DemoAccessEvent[];
}

/** The ground truth of one planted incident. */
export interface DemoIncidentLabel {
  id: string;
  kind: DemoIncidentKind;
  staffId?: string;
  clientId?: string;
  patientIds: string[];
  eventIds: string[];
  from: string;
  to: string;
  description: string;
}

/** A true relationship between a staff member and a patient (for evaluating detectors). */
export interface DemoStaffRelation {
  staffId: string;
  patientId: string;
  relation: 'self' | 'family' | 'neighbour';
}

/** A household of patients (and staff) sharing an address. */
export interface DemoHousehold {
  id: string;
  surname: string;
  address: string;
  patientIds: string[];
  staffIds: string[];
}

/** The ground truth, to be written to a separate file and never into the database. */
export interface DemoLabels {
  tenantId: string;
  seed: string;
  now: string;
  window: { from: string; to: string };
  incidents: DemoIncidentLabel[];
  staffRelations: DemoStaffRelation[];
  households: DemoHousehold[];
}

/** Counts, for progress lines and printing. */
export interface DemoSummary {
  tenantId: string;
  seed: string;
  window: { from: string; to: string; days: number };
  departments: number;
  wards: number;
  workstations: number;
  staff: number;
  staffByRole: Record<DemoRole, number>;
  shifts: number;
  patients: number;
  vipPatients: number;
  restrictedPatients: number;
  staffWhoArePatients: number;
  households: number;
  encounters: number;
  encountersInWindow: number;
  careTeams: number;
  appointments: number;
  serviceRequests: number;
  conditions: number;
  observations: number;
  medicationRequests: number;
  imagingStudies: number;
  notes: number;
  maternityEpisodes: number;
  deliveries: number;
  apiClients: number;
  incidents: number;
  incidentEvents: number;
}

/** Parameters of a demo hospital. The same parameters give byte-identical output. */
export interface DemoParams {
  patients: number;
  staff: number;
  days: number;
  seed: string;
  tenant: string;
  /** The end of the activity window: activity covers the `days` whole local days before it. */
  now: string | number | Date;
}

/** Progress of a long generation. */
export interface DemoProgress {
  phase: 'hospital' | 'patients' | 'care' | 'incidents' | 'access';
  done: number;
  total: number;
}

export interface DemoOptions {
  onProgress?: (p: DemoProgress) => void;
}
