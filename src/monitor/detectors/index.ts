/** The built-in detectors; the registry that names them is in ../registry.ts. */
export { createAccountStatusDetector } from './account-status.ts';
export { createBreakGlassDetector } from './break-glass.ts';
export { createBulkExportDetector } from './bulk-export.ts';
export { createCoworkerDetector } from './coworker.ts';
export { createDeceasedDetector } from './deceased.ts';
export { createFamilyDetector } from './family.ts';
export { createHarvestingDetector } from './harvesting.ts';
export { createNoRelationshipDetector } from './no-relationship.ts';
export { createOffHoursDetector } from './off-hours.ts';
export { createSelfLookupDetector } from './self-lookup.ts';
export { createThirdPartyDetector } from './third-party.ts';
export { createUnusualNetworkDetector } from './unusual-network.ts';
export { createVipDetector } from './vip.ts';
export { createVolumeSpikeDetector } from './volume-spike.ts';
export type { Detector, DetectorFactory, DetectorInput, Emit } from './detector.ts';
export { DayOnce, DayState, CappedSet, clampScore } from './detector.ts';
export { sharedTies, normaliseSurname } from './family.ts';
