/**
 * Break-the-glass (紧急访问): a denied clinician declares an emergency with a reason code and
 * text and receives a time-limited grant for one patient, marked for mandatory review and for
 * the patient's notification. The caller stores the grant and records it in the ledger.
 */
import { randomUUID } from 'node:crypto';
import { CustosError, ErrorCode } from '../errors/index.ts';
import { parseTime } from './input.ts';
import type { BreakGlassGrant, BreakGlassReasonCode } from './types.ts';

/** Reason codes a clinician may choose from. */
export const BREAK_GLASS_REASON_CODES: readonly BreakGlassReasonCode[] = [
  'EMERGENCY_UNCONSCIOUS',
  'EMERGENCY_LIFE_THREATENING',
  'URGENT_CARE_NO_RELATIONSHIP',
  'CONSULTATION',
  'OTHER',
];

/** What the clinician declares. */
export interface BreakGlassRequest {
  staffId: string;
  patientId: string;
  reasonCode: BreakGlassReasonCode;
  /** Free-text justification, 10–1000 characters; shown to the reviewer. */
  reasonText: string;
  /** Now, ISO 8601 (injected clock). */
  now: string;
  /** Grant length in hours (tenant setting, default 4). */
  durationHours: number;
  /** Id to use; a random UUID when absent. */
  grantId?: string;
}

/**
 * Build a time-limited break-the-glass grant. Pure apart from the random id; checks the reason
 * and the duration. It does not decide eligibility: use `PolicyEngine.grantBreakGlass`, which
 * only grants when the denial said break-the-glass is available.
 */
export function grantBreakGlass(req: BreakGlassRequest): BreakGlassGrant {
  if (!BREAK_GLASS_REASON_CODES.includes(req.reasonCode)) {
    throw new CustosError(ErrorCode.BadRequest, 'break-the-glass needs a known reason code', {
      allowed: BREAK_GLASS_REASON_CODES,
    });
  }
  const text = typeof req.reasonText === 'string' ? req.reasonText.trim() : '';
  if (text.length < 10 || text.length > 1000) {
    throw new CustosError(
      ErrorCode.BadRequest,
      'break-the-glass needs a reason of 10 to 1000 characters',
    );
  }
  if (!Number.isFinite(req.durationHours) || req.durationHours <= 0 || req.durationHours > 72) {
    throw new CustosError(
      ErrorCode.BadRequest,
      'break-the-glass duration must be between 0 and 72 hours',
    );
  }
  const at = parseTime(req.now, 'now');
  return {
    grantId: req.grantId ?? randomUUID(),
    staffId: req.staffId,
    patientId: req.patientId,
    reasonCode: req.reasonCode,
    reasonText: text,
    grantedAt: new Date(at).toISOString(),
    expiresAt: new Date(at + req.durationHours * 3_600_000).toISOString(),
    reviewRequired: true,
    notifyPatient: true,
  };
}
