/**
 * Checks an access input before it reaches Cedar: bad input gets a CustosError with a stable
 * code, never a crash. Messages never echo personal data.
 */
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { AccessInput, BreakGlassGrant, PolicySettings } from './types.ts';
import {
  ALL_ACTIONS,
  ALL_CHANNELS,
  ALL_PURPOSES,
  ALL_RELATIONSHIP_KINDS,
  DEFAULT_DIRECT_RELATIONSHIP_KINDS,
  isField,
  isSensitiveCategory,
} from './vocabulary.ts';

/** Default tenant settings of the policy engine. */
export const DEFAULT_POLICY_SETTINGS: Readonly<PolicySettings> = Object.freeze({
  relationshipWindowHours: 72,
  directRelationshipKinds: [...DEFAULT_DIRECT_RELATIONSHIP_KINDS],
  breakGlassHours: 4,
  breakGlassRoles: ['physician', 'nurse'],
  blocksHonouredInBreakGlass: true,
  encounterWindowHours: 24 * 90,
});

const ID = /^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$/;

function bad(what: string): CustosError {
  return new CustosError(ErrorCode.BadRequest, `invalid access request: ${what}`, {
    field: what.split(' ')[0],
  });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkId(v: unknown, what: string): void {
  if (typeof v !== 'string' || !ID.test(v)) throw bad(`${what} must be an id`);
}

function checkIds(v: unknown, what: string): void {
  if (!Array.isArray(v) || v.length > 1000) throw bad(`${what} must be a list of ids`);
  for (const x of v) checkId(x, what);
}

function checkOneOf(v: unknown, allowed: readonly string[], what: string): void {
  if (typeof v !== 'string' || !allowed.includes(v))
    throw bad(`${what} must be one of ${allowed.join(', ')}`);
}

/** Parse an ISO 8601 timestamp to epoch milliseconds, or throw BadRequest. */
export function parseTime(v: unknown, what: string): number {
  if (typeof v !== 'string' || v.length > 40) throw bad(`${what} must be an ISO 8601 time`);
  const t = Date.parse(v);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(v))
    throw bad(`${what} must be an ISO 8601 time`);
  return t;
}

function checkCategories(v: unknown, what: string): void {
  if (!Array.isArray(v) || v.length > 200) throw bad(`${what} must be a list of categories`);
  for (const c of v) {
    if (typeof c !== 'string' || !(isField(c) || isSensitiveCategory(c)))
      throw bad(`${what} has an unknown category`);
  }
}

/** Check a break-the-glass grant's shape. */
export function checkGrant(g: unknown): asserts g is BreakGlassGrant {
  if (!isObj(g)) throw bad('breakGlass must be an object');
  checkId(g['grantId'], 'breakGlass.grantId');
  checkId(g['staffId'], 'breakGlass.staffId');
  checkId(g['patientId'], 'breakGlass.patientId');
  parseTime(g['grantedAt'], 'breakGlass.grantedAt');
  parseTime(g['expiresAt'], 'breakGlass.expiresAt');
}

/** Throw a CustosError (CUSTOS_BAD_REQUEST) unless `input` is a well-formed AccessInput. */
export function checkAccessInput(input: unknown): asserts input is AccessInput {
  if (!isObj(input)) throw bad('input must be an object');
  const p = input['principal'];
  if (!isObj(p)) throw bad('principal must be an object');
  checkId(p['staffId'], 'principal.staffId');
  checkIds(p['roles'], 'principal.roles');
  checkIds(p['departmentIds'], 'principal.departmentIds');
  checkOneOf(p['status'], ['active', 'suspended', 'departed'], 'principal.status');
  checkOneOf(p['training'], ['current', 'expired', 'none'], 'principal.training');

  const pt = input['patient'];
  if (!isObj(pt)) throw bad('patient must be an object');
  checkId(pt['patientId'], 'patient.patientId');
  checkOneOf(pt['confidentiality'], ['N', 'R', 'V'], 'patient.confidentiality');
  checkIds(pt['admittedDepartmentIds'], 'patient.admittedDepartmentIds');
  checkCategories(pt['sensitiveCategories'], 'patient.sensitiveCategories');
  if (pt['lastEncounterAt'] !== undefined)
    parseTime(pt['lastEncounterAt'], 'patient.lastEncounterAt');
  const r = pt['restrictions'];
  if (!isObj(r)) throw bad('patient.restrictions must be an object');
  checkCategories(r['hiddenSections'], 'patient.restrictions.hiddenSections');
  checkIds(r['blockedStaffIds'], 'patient.restrictions.blockedStaffIds');
  if (typeof r['researchOptOut'] !== 'boolean')
    throw bad('patient.restrictions.researchOptOut must be a boolean');

  const rels = input['relationships'];
  if (!Array.isArray(rels) || rels.length > 10_000) throw bad('relationships must be a list');
  for (const rel of rels) {
    if (!isObj(rel)) throw bad('relationships must hold objects');
    checkOneOf(rel['kind'], ALL_RELATIONSHIP_KINDS, 'relationships.kind');
    checkId(rel['sourceId'], 'relationships.sourceId');
    parseTime(rel['at'], 'relationships.at');
    if (rel['endedAt'] !== undefined) parseTime(rel['endedAt'], 'relationships.endedAt');
  }
  checkOneOf(input['purpose'], ALL_PURPOSES, 'purpose');
  checkOneOf(input['action'], ALL_ACTIONS, 'action');
  checkOneOf(input['channel'], ALL_CHANNELS, 'channel');
  const w = input['workstation'];
  if (!isObj(w)) throw bad('workstation must be an object');
  if (typeof w['registered'] !== 'boolean') throw bad('workstation.registered must be a boolean');
  checkOneOf(
    w['location'],
    ['ward', 'clinic', 'office', 'public-area', 'remote'],
    'workstation.location',
  );
  checkOneOf(w['network'], ['internal', 'vpn', 'external'], 'workstation.network');
  if (w['departmentId'] !== undefined) checkId(w['departmentId'], 'workstation.departmentId');
  if (w['id'] !== undefined) checkId(w['id'], 'workstation.id');
  parseTime(input['now'], 'now');
  if (input['breakGlass'] !== undefined) checkGrant(input['breakGlass']);
  if (
    input['reference'] !== undefined &&
    (typeof input['reference'] !== 'string' || input['reference'].length > 200)
  ) {
    throw bad('reference must be a short string');
  }
  if (input['requested'] !== undefined) checkCategories(input['requested'], 'requested');
}

/** Merge partial tenant settings over the defaults, rejecting nonsense values. */
export function resolveSettings(partial: Partial<PolicySettings> = {}): PolicySettings {
  const s: PolicySettings = { ...DEFAULT_POLICY_SETTINGS, ...partial };
  const hours = (n: number, what: string, max: number): void => {
    if (!Number.isFinite(n) || n <= 0 || n > max) {
      throw new CustosError(
        ErrorCode.ConfigInvalid,
        `policy setting ${what} must be between 0 and ${max} hours`,
      );
    }
  };
  hours(s.relationshipWindowHours, 'relationshipWindowHours', 24 * 366);
  hours(s.breakGlassHours, 'breakGlassHours', 72);
  hours(s.encounterWindowHours, 'encounterWindowHours', 24 * 366 * 10);
  for (const k of s.directRelationshipKinds)
    checkOneOf(k, ALL_RELATIONSHIP_KINDS, 'directRelationshipKinds');
  return s;
}
