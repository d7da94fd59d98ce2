import { randomBytes } from 'node:crypto';
import { currentTotp, type Role } from '../identity/index.ts';
import type { Runtime } from '../runtime/index.ts';

/**
 * Test helper: creates a staff member with the given roles and signs them in (enrolling TOTP when
 * the role requires it). Returns the bearer header and the staff id.
 */
export async function signInAs(
  rt: Runtime,
  roles: Role[],
  opts: { departmentId?: string; id?: string } = {},
): Promise<{ headers: { authorization: string }; staffId: string; token: string }> {
  const username = `t.${roles[0]}.${randomBytes(4).toString('hex')}`;
  const password = `pw ${randomBytes(9).toString('base64url')} long`;
  const [staffId] = await rt.identity.createStaff(
    rt.config.tenant,
    [
      {
        ...(opts.id ? { id: opts.id } : {}),
        username,
        staffNumber: username,
        name: `Test ${roles[0]}`,
        roles,
        departmentId: opts.departmentId ?? null,
        password,
        trainingCompletedAt: rt.now(),
      },
    ],
    { id: null },
  );
  const first = await rt.identity.login({ tenantId: rt.config.tenant, username, password });
  if (first.enrolment)
    await rt.identity.confirmTotpEnrolment(
      first.token,
      currentTotp(first.enrolment.secret, rt.now()),
    );
  return {
    headers: { authorization: `Bearer ${first.token}` },
    staffId: staffId!,
    token: first.token,
  };
}
