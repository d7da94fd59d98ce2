/** Staff roles. Policies and masking profiles key on these values; never rename one. */
export const Role = {
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
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES: readonly Role[] = Object.values(Role);

/** Roles for which TOTP is mandatory (they can see or change everything about access). */
export const MFA_MANDATORY_ROLES: readonly Role[] = [Role.PrivacyOfficer, Role.Administrator];

/** Employment status: suspended and departed staff get nothing. */
export const EmploymentStatus = {
  Active: 'active',
  Suspended: 'suspended',
  Departed: 'departed',
} as const;
export type EmploymentStatus = (typeof EmploymentStatus)[keyof typeof EmploymentStatus];

/** Department kinds of a hospital; a tenant may add its own departments of any kind. */
export const DepartmentKind = {
  Obstetrics: 'obstetrics',
  Neonatology: 'neonatology',
  Psychiatry: 'psychiatry',
  Emergency: 'emergency',
  Radiology: 'radiology',
  Oncology: 'oncology',
  InternalMedicine: 'internal-medicine',
  Surgery: 'surgery',
  Paediatrics: 'paediatrics',
  Laboratory: 'laboratory',
  Pharmacy: 'pharmacy',
  Registration: 'registration',
  Billing: 'billing',
  It: 'it',
  PrivacyOffice: 'privacy-office',
  Administration: 'administration',
  Research: 'research',
  Vendor: 'vendor',
  Other: 'other',
} as const;
export type DepartmentKind = (typeof DepartmentKind)[keyof typeof DepartmentKind];

/** HR data of a staff member; held encrypted, used by the monitor for family/neighbour checks. */
export interface StaffHrData {
  homeAddress?: string;
  phone?: string;
  emergencyContacts?: { name: string; relation?: string; phone?: string }[];
  nationalId?: string;
}

/** A staff member as the rest of the system sees it (decrypted name, no secrets). */
export interface Staff {
  tenantId: string;
  id: string;
  username: string;
  staffNumber: string;
  name: string;
  roles: Role[];
  departmentId: string | null;
  status: EmploymentStatus;
  statusChangedAt: Date;
  mfaEnrolled: boolean;
  mfaRequired: boolean;
  trainingCompletedAt: Date | null;
  createdAt: Date;
}

/** A registered workstation (终端): records open only on registered ones of allowed locations. */
export interface Workstation {
  tenantId: string;
  id: string;
  label: string;
  location: string;
  departmentId: string | null;
  /** CIDR the workstation's address must fall in, e.g. 10.1.2.0/24. */
  network: string;
  active: boolean;
}

/** A hospital department or ward. */
export interface Department {
  tenantId: string;
  id: string;
  kind: DepartmentKind;
  nameZh: string;
  nameEn: string;
}

/** An authenticated staff session. */
export interface StaffSession {
  tenantId: string;
  id: string;
  staffId: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  /** False until the second factor was given (or enrolment is pending for mandatory-MFA roles). */
  mfaVerified: boolean;
  /** Pending TOTP enrolment: the session can only finish enrolment. */
  enrolmentPending: boolean;
  workstationId: string | null;
  address: string | null;
}
