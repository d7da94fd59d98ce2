/**
 * Staff identity: tenants, departments, staff with roles and employment status, sealed HR data,
 * registered workstations, password + TOTP sign-in with lockout, sessions, first-admin setup.
 */
export {
  Role,
  ROLES,
  MFA_MANDATORY_ROLES,
  EmploymentStatus,
  DepartmentKind,
  type Department,
  type Staff,
  type StaffHrData,
  type StaffSession,
  type Workstation,
} from './model.ts';
export type { AuditSink, FieldSealer, IdentityAuditEvent } from './ports.ts';
export {
  IdentityService,
  DEFAULT_IDENTITY_SETTINGS,
  addressInCidr,
  parseCidr,
  type Actor,
  type IdentitySettings,
  type IdentityTables,
  type LoginResult,
  type NewStaff,
} from './service.ts';
export { identityMigrations } from './migrations.ts';
export { checkPasswordStrength, currentTotp, hashBearer } from './secrets.ts';
