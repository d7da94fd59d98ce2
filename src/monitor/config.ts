import { CustosError, ErrorCode } from '../errors/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Monitor thresholds. Every number here is a configuration setting with a sensible default. */
export interface MonitorConfig {
  /** Local time offset in minutes from UTC, used for days and working hours (China: 480). */
  utcOffsetMinutes: number;
  /** A relationship explains accesses from this long before it starts… */
  relationshipLeadMs: number;
  /**
   * …until this long after it ends: a clinician's former patients stay theirs for follow-up
   * reading, results and letters.
   */
  relationshipTailMs: number;
  /** How long the staff on an order, appointment or referral stay related to the patient. */
  pointFactTailMs: number;
  /** How long an order or referral to a department explains that department's accesses. */
  departmentOrderTailMs: number;
  /** Third parties bound to discharged patients may read them this long after discharge. */
  dischargeTailMs: number;
  /**
   * A patient is "in the user's department" from this long before an admission, encounter or
   * appointment there… (kept short: a department is a wide circle).
   */
  departmentLeadMs: number;
  /** …until this long after it ends. */
  departmentTailMs: number;
  /** Purposes that explain an access for a role when the patient had any encounter recently. */
  approvedPurposes: Readonly<Record<string, readonly string[]>>;
  /** Findings with a score at or above this become alerts; below it they only support alerts. */
  alertThreshold: number;
  /** Working hours (local) used when no shift roster is known for a staff member. */
  workingHours: { start: number; end: number };
  /** Grace around a rostered shift before an access counts as off-hours. */
  shiftGraceMs: number;
  /** Unexplained distinct patients per user per day that make a no-relationship alert. */
  unexplainedPatientsPerDay: number;
  /** Volume spike: today's distinct patients vs own baseline (median) and the peer group. */
  spike: {
    minPatients: number;
    ownFactor: number;
    peerSigma: number;
    baselineDays: number;
    /** Smallest peer group (users active that day) that is compared with. */
    minPeers: number;
  };
  /** Harvesting: distinct patients whose contact fields were read without relationship. */
  harvesting: {
    windowMs: number;
    contactPatients: number;
    maternityPatients: number;
    sequentialRun: number;
    sequentialGap: number;
  };
  /** Bulk export / mass image download thresholds per user per rolling window. */
  bulk: { windowMs: number; exportPatients: number; images: number };
  /** Account unused this long before an access counts as dormant use. */
  dormantMs: number;
  /** Break-the-glass uses per user per window that count as repeated. */
  breakGlass: { windowMs: number; count: number };
  /** Internal networks (CIDR); addresses outside them are unknown networks. */
  internalNetworks: readonly string[];
  /** A GeoIP table: address blocks and their ISO country; other countries than `homeCountry` are foreign. */
  geoNetworks: readonly { cidr: string; country: string }[];
  /** ISO 3166 alpha-2 code of the hospital's country. */
  homeCountry: string;
  /** Workstations and addresses remembered per user (bounded memory). */
  seenPerUser: number;
  /** Patient ids kept per finding / alert (evidence lists are capped). */
  maxIdsPerFinding: number;
  /** Alerts about the same actor closer than this in time are one case. */
  caseGapMs: number;
  /** How late an event may arrive (clock skew) before its day is closed. */
  latenessMs: number;
}

/** Defaults tuned on the demo hospital; hospitals override them in configuration. */
export const defaultMonitorConfig: MonitorConfig = {
  utcOffsetMinutes: 480,
  relationshipLeadMs: 2 * DAY,
  relationshipTailMs: 5 * 365 * DAY,
  pointFactTailMs: 5 * 365 * DAY,
  departmentOrderTailMs: 30 * DAY,
  dischargeTailMs: 30 * DAY,
  departmentLeadMs: 12 * HOUR,
  departmentTailMs: DAY,
  approvedPurposes: {
    'billing-clerk': ['payment', 'billing'],
    'registration-clerk': ['registration', 'operations'],
    'privacy-officer': ['audit', 'investigation'],
    pharmacist: ['treatment', 'dispensing'],
  },
  alertThreshold: 0.5,
  workingHours: { start: 7, end: 20 },
  shiftGraceMs: 2 * HOUR,
  unexplainedPatientsPerDay: 8,
  spike: { minPatients: 25, ownFactor: 3, peerSigma: 4, baselineDays: 14, minPeers: 3 },
  harvesting: {
    windowMs: 7 * DAY,
    contactPatients: 15,
    maternityPatients: 8,
    sequentialRun: 6,
    sequentialGap: 3,
  },
  bulk: { windowMs: DAY, exportPatients: 100, images: 500 },
  dormantMs: 60 * DAY,
  breakGlass: { windowMs: 7 * DAY, count: 3 },
  internalNetworks: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8'],
  geoNetworks: [],
  homeCountry: 'CN',
  seenPerUser: 16,
  maxIdsPerFinding: 200,
  caseGapMs: 3 * DAY,
  latenessMs: HOUR,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/** Merges overrides onto the defaults and checks every number; bad values are CUSTOS_CONFIG_INVALID. */
export function resolveMonitorConfig(overrides: DeepPartial<MonitorConfig> = {}): MonitorConfig {
  const d = defaultMonitorConfig;
  const o = overrides;
  const c: MonitorConfig = {
    ...d,
    ...(o as Partial<MonitorConfig>),
    workingHours: { ...d.workingHours, ...o.workingHours },
    spike: { ...d.spike, ...o.spike },
    harvesting: { ...d.harvesting, ...o.harvesting },
    bulk: { ...d.bulk, ...o.bulk },
    breakGlass: { ...d.breakGlass, ...o.breakGlass },
    approvedPurposes:
      (o.approvedPurposes as MonitorConfig['approvedPurposes']) ?? d.approvedPurposes,
    internalNetworks: (o.internalNetworks as readonly string[]) ?? d.internalNetworks,
    geoNetworks: (o.geoNetworks as MonitorConfig['geoNetworks']) ?? d.geoNetworks,
  };
  const check = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      throw new CustosError(ErrorCode.ConfigInvalid, `monitor setting ${name} is out of range`, {
        setting: name,
      });
  };
  check('utcOffsetMinutes', c.utcOffsetMinutes, -720, 840);
  check('alertThreshold', c.alertThreshold, 0, 1);
  check('workingHours.start', c.workingHours.start, 0, 24);
  check('workingHours.end', c.workingHours.end, 0, 24);
  check('unexplainedPatientsPerDay', c.unexplainedPatientsPerDay, 1);
  check('spike.minPatients', c.spike.minPatients, 1);
  check('spike.ownFactor', c.spike.ownFactor, 1);
  check('spike.peerSigma', c.spike.peerSigma, 0);
  check('spike.baselineDays', c.spike.baselineDays, 1, 366);
  check('spike.minPeers', c.spike.minPeers, 2);
  check('harvesting.contactPatients', c.harvesting.contactPatients, 1);
  check('harvesting.maternityPatients', c.harvesting.maternityPatients, 1);
  check('harvesting.sequentialRun', c.harvesting.sequentialRun, 2);
  check('harvesting.windowMs', c.harvesting.windowMs, 1);
  check('bulk.exportPatients', c.bulk.exportPatients, 1);
  check('bulk.images', c.bulk.images, 1);
  check('bulk.windowMs', c.bulk.windowMs, 1);
  check('breakGlass.count', c.breakGlass.count, 1);
  check('seenPerUser', c.seenPerUser, 1, 10_000);
  check('maxIdsPerFinding', c.maxIdsPerFinding, 1, 100_000);
  check('caseGapMs', c.caseGapMs, 0);
  check('latenessMs', c.latenessMs, 0);
  check('dormantMs', c.dormantMs, 1);
  return c;
}

/** Local calendar day number (days since epoch in the configured offset). */
export function localDay(time: number, config: MonitorConfig): number {
  return Math.floor((time + config.utcOffsetMinutes * 60_000) / DAY);
}

/** Local hour of day 0..23. */
export function localHour(time: number, config: MonitorConfig): number {
  return Math.floor(((time + config.utcOffsetMinutes * 60_000) % DAY) / HOUR);
}

export { HOUR, DAY };
