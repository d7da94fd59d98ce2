/**
 * Shapes of third-party governance: contracts (数据处理协议) and their terms, API clients, token
 * claims, maintenance windows, exports, and the findings of the security check.
 */
import type { Category, Purpose } from '../policy/index.ts';

/** Kinds of third party a contract binds. */
export const PartyKind = {
  Lab: 'lab',
  ImagingVendor: 'imaging-vendor',
  App: 'app',
  Insurer: 'insurer',
  RegionalPlatform: 'regional-platform',
  Researcher: 'researcher',
  Other: 'other',
} as const;
/** One kind of third party. */
export type PartyKind = (typeof PartyKind)[keyof typeof PartyKind];

/** Which patients a contract covers. */
export const PatientScope = {
  /** Every patient (flagged as over-broad by the security check). */
  All: 'all',
  /** Only patients with a current order (ServiceRequest) performed by the party's organisation. */
  Ordered: 'ordered',
  /** Only patients who consented to sharing with this contract (recorded per patient). */
  Consented: 'consented',
} as const;
/** One patient scope. */
export type PatientScope = (typeof PatientScope)[keyof typeof PatientScope];

/** A named person responsible for the contract, on the hospital's or the party's side. */
export interface ResponsiblePerson {
  name: string;
  role: string;
  contact?: string;
}

/** What a contract says. Validated by `checkContractTerms`. */
export interface ContractTerms {
  party: { name: string; kind: PartyKind; organizationId: string };
  /** Purpose of use the party's requests are decided under. */
  purpose: Purpose;
  /** Legal basis (PIPL Art. 13), e.g. `consent`, `contract`, `public-health`. */
  legalBasis: string;
  /** Approval or agreement number (ethics approval, agreement no.); required by some purposes. */
  reference?: string;
  /** Policy role the party's requests are decided as (`lab-technician`, `registration` …). */
  actsAs: string;
  /** FHIR resource types the party may read (`Patient`, `Observation` …). */
  resourceTypes: string[];
  /** Fields and sensitive categories the party may receive; nothing else is ever returned. */
  fields: Category[];
  patientScope: PatientScope;
  /** Calls per day (UTC day). */
  dailyLimit: number;
  /** Calls per minute (per node). */
  ratePerMinute: number;
  /** ISO 8601 start of validity. */
  validFrom: string;
  /** ISO 8601 end of validity; null means no expiry (the security check flags it as critical). */
  validUntil: string | null;
  /** Networks (IPv4 CIDR) the party may call from. */
  networks: string[];
  /** Data must be de-identified before it leaves (research, statistics). */
  deidentify: boolean;
  /** Exports carry a per-recipient fingerprint (always on for exports; recorded for the record). */
  watermark: boolean;
  responsible: { hospital: ResponsiblePerson[]; party: ResponsiblePerson[] };
}

/** Stored state of a contract. */
export const ContractStatus = { Active: 'active', Terminated: 'terminated' } as const;
/** One contract status. */
export type ContractStatus = (typeof ContractStatus)[keyof typeof ContractStatus];

/** A contract as stored: terms plus version and status. */
export interface Contract extends ContractTerms {
  tenant: string;
  id: string;
  /** Increments with every change. */
  version: number;
  status: ContractStatus;
  createdAt: string;
  updatedAt: string;
  terminatedAt: string | null;
}

/** Whether a contract is in force at a moment. */
export type ContractState = 'pending' | 'in-force' | 'expired' | 'terminated';

/** How a client proves who it is at the token endpoint. */
export const ClientAuthMethod = {
  /** client_id and client_secret (Basic or form), the secret stored as an argon2id hash. */
  Secret: 'client_secret_basic',
  /** A signed JWT assertion (RFC 7523) with a registered public key; jti single use. */
  PrivateKeyJwt: 'private_key_jwt',
} as const;
/** One client authentication method. */
export type ClientAuthMethod = (typeof ClientAuthMethod)[keyof typeof ClientAuthMethod];

/** An API client as the rest of the system sees it (no secrets). */
export interface ApiClient {
  tenant: string;
  id: string;
  contractId: string;
  name: string;
  authMethod: ClientAuthMethod;
  /** mTLS: the x5t#S256 of the certificate the client must present, if bound. */
  certificateThumbprint: string | null;
  status: 'active' | 'revoked';
  createdAt: string;
  secretRotatedAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** What a verified access token says. */
export interface TokenClaims {
  jti: string;
  clientId: string;
  contractId: string;
  contractVersion: number;
  scopes: string[];
  issuedAt: Date;
  expiresAt: Date;
  /** mTLS binding (RFC 8705 §3): SHA-256 thumbprint of the client certificate. */
  certificateThumbprint?: string;
}

/** A maintenance window for a vendor engineer, approved by a privacy officer. */
export interface MaintenanceWindow {
  tenant: string;
  id: string;
  staffId: string;
  systems: string[];
  startsAt: string;
  endsAt: string;
  reason: string;
  requestedBy: string;
  status: 'requested' | 'approved' | 'rejected' | 'cancelled';
  approvedBy: string | null;
  approvedAt: string | null;
}

/** Export states. */
export const ExportStatus = {
  PendingApproval: 'pending-approval',
  Ready: 'ready',
  Refused: 'refused',
  Rejected: 'rejected',
} as const;
/** One export state. */
export type ExportStatus = (typeof ExportStatus)[keyof typeof ExportStatus];

/** What an export contains. */
export type ExportKind = 'records' | 'images';

/** An export request as stored (no key material). */
export interface ExportRecord {
  tenant: string;
  id: string;
  requestedBy: string;
  purpose: Purpose;
  reference?: string;
  recipient: { name: string; organization?: string };
  kind: ExportKind;
  patientCount: number;
  itemCount: number;
  deidentify: boolean;
  encryption: 'passphrase' | 'public-key';
  status: ExportStatus;
  approvedBy: string | null;
  approvalReason: string | null;
  approvedAt: string | null;
  expiresAt: string;
  downloads: number;
  createdAt: string;
  /** Once made: records included and refused, the package digest. */
  manifest: ExportManifest | null;
}

/** What went into a package (counts and digests, no personal data). */
export interface ExportManifest {
  included: number;
  refused: number;
  refusedReasons: Record<string, number>;
  fields: string[];
  sha256: string;
  bytes: number;
  /** Watermark tokens carried by the package (one per record). */
  tokens: string[];
}

/** Severity of a security-check finding; `critical` makes `custos security check` exit 1. */
export type Severity = 'critical' | 'warning' | 'info';

/** One finding of the security check (ids and codes, never personal data). */
export interface SecurityFinding {
  severity: Severity;
  code: string;
  /** What it is about: `staff:<id>`, `client:<id>`, `contract:<id>`, `key:<id>`. */
  subject: string;
  message: string;
}
