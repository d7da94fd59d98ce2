import { Type } from 'typebox';
import type { Staff } from '../../identity/index.ts';

/** A staff member as the API shows it (no secrets, no HR data). */
export const StaffView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  staffNumber: Type.String(),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  departmentId: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  mfaEnrolled: Type.Boolean(),
  mfaRequired: Type.Boolean(),
  trainingCompletedAt: Type.Union([Type.String(), Type.Null()]),
});

/** Shapes a staff member for the API. */
export function staffView(s: Staff) {
  return {
    id: s.id,
    username: s.username,
    staffNumber: s.staffNumber,
    name: s.name,
    roles: s.roles,
    departmentId: s.departmentId,
    status: s.status,
    mfaEnrolled: s.mfaEnrolled,
    mfaRequired: s.mfaRequired,
    trainingCompletedAt: s.trainingCompletedAt?.toISOString() ?? null,
  };
}
