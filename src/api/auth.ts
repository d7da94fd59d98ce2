import type { FastifyReply, FastifyRequest } from 'fastify';
import { CustosError, ErrorCode } from '../errors/index.ts';
import type { Role, Staff, StaffSession } from '../identity/index.ts';
import type { Runtime } from '../runtime/index.ts';

/** The signed-in staff member of a request. */
export interface StaffContext {
  staff: Staff;
  session: StaffSession;
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    staffContext?: StaffContext;
  }
}

/** Name of the session cookie (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'custos_session';

/** The bearer token of a request: Authorization header first, then the session cookie. */
export function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const cookie = req.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * A preHandler that requires a signed-in, active staff member with one of `roles` (any role when
 * empty). Fails closed with 401/403 problem+json.
 */
export function requireStaff(
  runtime: Runtime,
  roles: readonly Role[] = [],
  opts: { allowPendingEnrolment?: boolean } = {},
) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerOf(req);
    if (!token) throw new CustosError(ErrorCode.Unauthenticated, 'sign in first');
    const { staff, session } = await runtime.identity.authenticate(token, opts);
    if (roles.length > 0 && !staff.roles.some((r) => roles.includes(r))) {
      throw new CustosError(
        ErrorCode.Forbidden,
        `this needs one of the roles: ${roles.join(', ')}`,
      );
    }
    req.staffContext = { staff, session, token };
  };
}

/** The staff context set by requireStaff (throws when a route forgot the preHandler). */
export function staffOf(req: FastifyRequest): StaffContext {
  if (!req.staffContext) throw new CustosError(ErrorCode.Unauthenticated, 'sign in first');
  return req.staffContext;
}
