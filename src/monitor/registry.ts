import { CustosError, ErrorCode } from '../errors/index.ts';
import type { MonitorConfig } from './config.ts';
import {
  createAccountStatusDetector,
  createBreakGlassDetector,
  createBulkExportDetector,
  createCoworkerDetector,
  createDeceasedDetector,
  createFamilyDetector,
  createHarvestingDetector,
  createNoRelationshipDetector,
  createOffHoursDetector,
  createSelfLookupDetector,
  createThirdPartyDetector,
  createUnusualNetworkDetector,
  createVipDetector,
  createVolumeSpikeDetector,
  type Detector,
  type DetectorFactory,
} from './detectors/index.ts';

/** Every built-in detector by name. A tenant may run a subset. */
export const detectorRegistry: Readonly<Record<string, DetectorFactory>> = {
  vip: createVipDetector,
  coworker: createCoworkerDetector,
  family: createFamilyDetector,
  'self-lookup': createSelfLookupDetector,
  'no-relationship': createNoRelationshipDetector,
  'volume-spike': createVolumeSpikeDetector,
  harvesting: createHarvestingDetector,
  'bulk-export': createBulkExportDetector,
  'off-hours': createOffHoursDetector,
  'unusual-network': createUnusualNetworkDetector,
  'account-status': createAccountStatusDetector,
  'third-party': createThirdPartyDetector,
  'break-glass': createBreakGlassDetector,
  deceased: createDeceasedDetector,
};

/** Creates the named detectors (all when `names` is omitted). */
export function createDetectors(config: MonitorConfig, names?: readonly string[]): Detector[] {
  return (names ?? Object.keys(detectorRegistry)).map((n) => {
    const f = detectorRegistry[n];
    if (!f)
      throw new CustosError(ErrorCode.ConfigInvalid, `unknown monitor detector ${n}`, {
        setting: 'detectors',
      });
    return f(config);
  });
}
