/**
 * The identify step: who asks (roles mapped to policy roles, employment and training status),
 * from where (registered workstation, its location and department, the network zone of the
 * address) and why (a validated purpose of use). Pure functions over facts already loaded.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import { addressInCidr } from '../identity/index.ts';
import type { Staff, Workstation } from '../identity/index.ts';
import { ALL_PURPOSES } from '../policy/index.ts';
import type {
  NetworkZone,
  Purpose,
  TrainingStatus,
  WorkstationFacts,
  WorkstationLocation,
} from '../policy/index.ts';
import type { AccessSettings } from './types.ts';

/**
 * Identity roles → policy roles. Roles not listed here pass through unchanged (a hospital may
 * add its own roles and policies for them); `administrator` maps to nothing: administrators
 * manage the system and see no patient data through it.
 */
export const POLICY_ROLE_OF: Readonly<Record<string, string | null>> = {
  physician: 'physician',
  nurse: 'nurse',
  'head-nurse': 'nurse',
  'radiology-technician': 'radiology-technician',
  'lab-technician': 'lab-technician',
  pharmacist: 'pharmacist',
  'registration-clerk': 'registration',
  'billing-clerk': 'billing',
  'privacy-officer': 'privacy-officer',
  administrator: null,
  'vendor-engineer': 'vendor-engineer',
  researcher: 'researcher',
};

/** The policy roles of a staff member (deduplicated, in a stable order). */
export function policyRolesOf(roles: readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of roles) {
    const mapped = r in POLICY_ROLE_OF ? POLICY_ROLE_OF[r] : r;
    if (mapped) out.add(mapped);
  }
  return [...out].sort();
}

/** Training is current when completed within `validityDays` before `now` (and not in the future). */
export function trainingStatusOf(
  completedAt: Date | null,
  now: Date,
  validityDays: number,
): TrainingStatus {
  if (!completedAt || Number.isNaN(completedAt.getTime())) return 'none';
  const age = now.getTime() - completedAt.getTime();
  return age >= -60_000 && age <= validityDays * 86_400_000 ? 'current' : 'expired';
}

/** The network zone of an address: VPN ranges first, then internal ranges, else external. */
export function networkZoneOf(
  address: string | null | undefined,
  settings: Pick<AccessSettings, 'internalNetworks' | 'vpnNetworks'>,
): NetworkZone {
  if (!address) return 'external';
  const inAny = (list: readonly string[]): boolean => list.some((c) => addressInCidr(address, c));
  if (inAny(settings.vpnNetworks)) return 'vpn';
  if (inAny(settings.internalNetworks)) return 'internal';
  return 'external';
}

const LOCATIONS: readonly WorkstationLocation[] = [
  'ward',
  'clinic',
  'office',
  'public-area',
  'remote',
];

/**
 * The location class of a registered workstation from its registered location: one of the
 * policy's classes verbatim, else recognised from words (病区/护士站 → ward, 门诊/诊室 → clinic,
 * 候诊/大厅/自助 → public area); anything else is an office.
 */
export function locationClassOf(location: string): WorkstationLocation {
  const l = location.trim().toLowerCase();
  if ((LOCATIONS as readonly string[]).includes(l)) return l as WorkstationLocation;
  if (/候诊|大厅|自助|waiting|lobby|kiosk|public/.test(l)) return 'public-area';
  if (/病区|护士站|病房|留观|ward|nurse/.test(l)) return 'ward';
  if (/门诊|诊室|clinic|consult/.test(l)) return 'clinic';
  if (/remote|远程|home/.test(l)) return 'remote';
  return 'office';
}

/** Workstation facts for the policy: registered (and where) or not, and the network zone. */
export function workstationFactsOf(
  ws: Workstation | null,
  address: string | null | undefined,
  settings: Pick<AccessSettings, 'internalNetworks' | 'vpnNetworks'>,
): WorkstationFacts {
  const network = networkZoneOf(address, settings);
  if (!ws)
    return { registered: false, location: network === 'internal' ? 'office' : 'remote', network };
  const facts: WorkstationFacts = {
    id: ws.id,
    registered: true,
    location: locationClassOf(ws.location),
    network,
  };
  if (ws.departmentId) facts.departmentId = ws.departmentId;
  return facts;
}

/** Validates a declared purpose of use: missing or unknown → CUSTOS_BAD_REQUEST (400). */
export function checkPurpose(purpose: unknown): Purpose {
  if (purpose === undefined || purpose === null || purpose === '') {
    throw new CustosError(ErrorCode.BadRequest, 'declare a purpose of use', {
      field: 'purpose',
      allowed: ALL_PURPOSES,
    });
  }
  if (typeof purpose !== 'string' || !(ALL_PURPOSES as readonly string[]).includes(purpose)) {
    throw new CustosError(ErrorCode.BadRequest, 'unknown purpose of use', {
      field: 'purpose',
      allowed: ALL_PURPOSES,
    });
  }
  return purpose as Purpose;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** True when `id` is shaped like a resource id (used to answer malformed ids with 404). */
export function isWellFormedId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** The employment status of a staff member as the policy knows it. */
export function employmentOf(staff: Staff): 'active' | 'suspended' | 'departed' {
  return staff.status;
}
