import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Runtime } from '../../runtime/index.ts';
import { bearerOf, requireStaff, SESSION_COOKIE, staffOf } from '../auth.ts';
import { staffView, StaffView } from './views.ts';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
    workstationId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const SessionView = Type.Object({
  token: Type.String(),
  expiresAt: Type.String(),
  mfaVerified: Type.Boolean(),
  enrolmentPending: Type.Boolean(),
  enrolment: Type.Optional(Type.Object({ secret: Type.String(), uri: Type.String() })),
  staff: StaffView,
});

function cookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/** Staff sign-in with password + TOTP, enrolment of the authenticator, sign-out, who am I. */
export const authRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const secure = runtime.config.publicUrl.startsWith('https://');
  app.post(
    '/api/auth/login',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { tags: ['auth'], body: LoginBody, response: { 200: SessionView } },
    },
    async (req, reply) => {
      const r = await runtime.identity.login({
        tenantId: runtime.config.tenant,
        username: req.body.username,
        password: req.body.password,
        ...(req.body.totp ? { totp: req.body.totp } : {}),
        address: req.ip,
        workstationId: req.body.workstationId ?? null,
      });
      const maxAge = Math.floor((r.session.expiresAt.getTime() - Date.now()) / 1000);
      void reply.header('set-cookie', cookie(r.token, maxAge, secure));
      return {
        token: r.token,
        expiresAt: r.session.expiresAt.toISOString(),
        mfaVerified: r.session.mfaVerified,
        enrolmentPending: r.session.enrolmentPending,
        ...(r.enrolment ? { enrolment: r.enrolment } : {}),
        staff: staffView(r.staff),
      };
    },
  );

  app.post(
    '/api/auth/enrol',
    {
      preHandler: requireStaff(runtime, [], { allowPendingEnrolment: true }),
      schema: {
        tags: ['auth'],
        body: Type.Object(
          { code: Type.String({ pattern: '^[0-9]{6}$' }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ mfaVerified: Type.Boolean() }) },
      },
    },
    async (req) => {
      const s = await runtime.identity.confirmTotpEnrolment(staffOf(req).token, req.body.code);
      return { mfaVerified: s.mfaVerified };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], response: { 204: Type.Null() } } },
    async (req, reply) => {
      const token = bearerOf(req);
      if (token) await runtime.identity.logout(token);
      return reply
        .header('set-cookie', cookie('', 0, secure))
        .status(204)
        .send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      preHandler: requireStaff(runtime, [], { allowPendingEnrolment: true }),
      schema: {
        tags: ['auth'],
        response: { 200: Type.Object({ staff: StaffView, enrolmentPending: Type.Boolean() }) },
      },
    },
    async (req) => {
      const { staff, session } = staffOf(req);
      return { staff: staffView(staff), enrolmentPending: session.enrolmentPending };
    },
  );
};
