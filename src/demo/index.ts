/**
 * Synthetic demo hospital: a reproducible hospital with staff, patients, a care graph, a month of
 * access activity and planted privacy incidents whose ground truth is kept apart in labels.
 * Pure: nothing here touches a database; only `writeDemoLabels` writes a file, when called.
 */
export {
  DEMO_DEFAULTS,
  DEMO_LIMITS,
  generateDemoHospital,
  normalizeDemoParams,
} from './generate.ts';
export type { DemoHospital } from './generate.ts';
export { serializeDemoLabels, writeDemoLabels } from './labels.ts';
export {
  COMPOUND_SURNAMES,
  MOBILE_PATTERN,
  MOBILE_PREFIXES,
  computeIdCheckDigit,
  parseResidentId,
} from './people.ts';
export { DEMO_INCIDENT_KINDS, DemoIncidentKind, DemoRole } from './types.ts';
export type {
  DemoAccessDay,
  DemoAccessEvent,
  DemoAction,
  DemoAddress,
  DemoApiClient,
  DemoAppointment,
  DemoCareTeam,
  DemoCategory,
  DemoChannel,
  DemoCondition,
  DemoConfidentiality,
  DemoContact,
  DemoContract,
  DemoDepartment,
  DemoEmploymentStatus,
  DemoEncounter,
  DemoEncounterClass,
  DemoField,
  DemoHousehold,
  DemoIdentifier,
  DemoIdentifierSystem,
  DemoImagingStudy,
  DemoIncidentLabel,
  DemoLabels,
  DemoMaternityEpisode,
  DemoMedicationRequest,
  DemoNetwork,
  DemoNote,
  DemoObservation,
  DemoOptions,
  DemoOrganization,
  DemoParams,
  DemoParticipant,
  DemoParticipantType,
  DemoPatient,
  DemoPhiSpan,
  DemoProgress,
  DemoPurpose,
  DemoResearchStudy,
  DemoSensitiveCategory,
  DemoServiceRequest,
  DemoSex,
  DemoShift,
  DemoStaff,
  DemoStaffRelation,
  DemoSummary,
  DemoTenant,
  DemoWard,
  DemoWorkstation,
} from './types.ts';
