/**
 * Shared types of the de-identification module: entity types, findings and recognizers.
 */

/** Kinds of personal data the recognizers find. Stable strings: they appear in reports and tags. */
export const EntityType = {
  Person: 'PERSON',
  IdCard: 'ID_CARD',
  Passport: 'PASSPORT',
  TravelPermit: 'TRAVEL_PERMIT',
  Phone: 'PHONE',
  Email: 'EMAIL',
  Address: 'ADDRESS',
  Location: 'LOCATION',
  Date: 'DATE',
  Age: 'AGE',
  MedicalRecordNumber: 'MEDICAL_RECORD_NUMBER',
  InsuranceNumber: 'INSURANCE_NUMBER',
  BankCard: 'BANK_CARD',
  IpAddress: 'IP_ADDRESS',
  Url: 'URL',
  Organization: 'ORGANIZATION',
  LicensePlate: 'LICENSE_PLATE',
  DeviceSerial: 'DEVICE_SERIAL',
  UsSsn: 'US_SSN',
  ZipCode: 'ZIP_CODE',
  Custom: 'CUSTOM',
} as const;
export type EntityType = (typeof EntityType)[keyof typeof EntityType];

/** Every entity type, in a stable order. */
export const ENTITY_TYPES: readonly EntityType[] = Object.values(EntityType);

/** Languages the recognizers understand. */
export type Lang = 'zh' | 'en';

/**
 * One piece of personal data found in a text. `start`/`end` are UTF-16 code-unit offsets
 * (JavaScript string indices), `end` exclusive. `why` says in words why it was found.
 */
export interface Finding {
  start: number;
  end: number;
  type: EntityType;
  score: number;
  recognizer: string;
  why: string;
}

/** What a recognizer gets to look at. `tokens` is filled lazily by the zh part-of-speech tagger. */
export interface RecognizeInput {
  text: string;
  langs: ReadonlySet<Lang>;
}

/**
 * A recognizer: finds candidates of one or more entity types. `context` words near a finding
 * raise its score in the pipeline's context step.
 */
export interface Recognizer {
  readonly name: string;
  readonly types: readonly EntityType[];
  /** Languages it applies to; empty means every language. */
  readonly langs: readonly Lang[];
  /** Words that make a nearby candidate more likely (case-insensitive for Latin script). */
  readonly context?: readonly string[];
  recognize(input: RecognizeInput): Finding[];
}
