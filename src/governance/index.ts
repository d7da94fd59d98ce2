/**
 * Third-party governance: contracts that bind third parties in code, OAuth2 API clients with
 * short-lived signed tokens (optional mTLS binding, rotation, immediate revocation), per-client
 * rate limits and daily quotas, the client gateway (every call through the disclosure path, fields
 * outside the contract withheld and ledgered), vendor maintenance windows, dual-approval exports
 * (de-identified, fingerprinted, encrypted, expiring), and the security check.
 */
import type { AccessDeps } from '../access/index.ts';
import { createAccessDiscloser } from './discloser.ts';
import { GovernanceService, type GovernanceDeps } from './service.ts';

export { governanceMigrations, type GovernanceTables } from './migrations.ts';
export {
  GovernanceService,
  type GovernanceDeps,
  type GovernanceSettings,
  type ClientContractFacts,
} from './service.ts';
export {
  createAccessDiscloser,
  contractWorkstationId,
  type Discloser,
  type DiscloseRequest,
  type ClientPrincipal,
} from './discloser.ts';
export {
  ClientGateway,
  contractScopes,
  scopeAllows,
  type AuthorizedClient,
  type CallOrigin,
  type ClientRecord,
  type GatewaySettings,
} from './client-gateway.ts';
export { ClientStore, type NewClient, type ClientCredentials } from './clients.ts';
export {
  ContractStore,
  checkContractTerms,
  contractStateAt,
  digestTerms,
  CONTRACT_RESOURCE_TYPES,
  type ContractActor,
} from './contracts.ts';
export { TokenAuthority, certificateThumbprint, type TokenSettings } from './tokens.ts';
export { RateLimiter, DailyQuota, takeDailyQuota, usageOf, dayOf } from './limits.ts';
export { WindowStore, isVendor, VENDOR_ROLE, MAX_WINDOW_HOURS } from './windows.ts';
export {
  ExportService,
  DEFAULT_EXPORT_SETTINGS,
  type ExportSettings,
  type ExportRequestInput,
  type ExportOrigin,
} from './exports.ts';
export {
  openPackage,
  readPackageHeader,
  sealPackage,
  passphraseKey,
  recipientKey,
  EXPORT_SCRYPT,
  type PackageHeader,
  type PackageKdf,
} from './package.ts';
export {
  runSecurityCheck,
  DEFAULT_SECURITY_CHECK,
  DEFAULT_PASSWORDS,
  type SecurityCheckOptions,
  type SecurityReport,
} from './security-check.ts';
export { expandFieldTokens, parseFieldsParam, FIELD_ALIASES } from './fields.ts';
export { GovernanceReason, type OAuthError } from './errors.ts';
export {
  PartyKind,
  PatientScope,
  ContractStatus,
  ClientAuthMethod,
  ExportStatus,
  type ApiClient,
  type Contract,
  type ContractState,
  type ContractTerms,
  type ExportKind,
  type ExportManifest,
  type ExportRecord,
  type MaintenanceWindow,
  type ResponsiblePerson,
  type SecurityFinding,
  type Severity,
  type TokenClaims,
} from './types.ts';

/**
 * The governance service over the access module's disclosure path: pass the same dependencies
 * the runtime gives its AccessService (governance builds its own instances on them, with a ledger
 * wrapper that adds contract, client and export context to every entry).
 */
export function createGovernanceService(
  deps: Omit<GovernanceDeps, 'discloser'> & { access: AccessDeps },
  tenantForIssuer?: string,
): GovernanceService {
  const { access, ...rest } = deps;
  return new GovernanceService(
    { ...rest, discloser: createAccessDiscloser(access) },
    tenantForIssuer,
  );
}
