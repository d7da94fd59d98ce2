import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Runtime } from '../../runtime/index.ts';
import { staffView, StaffView } from './views.ts';

/** The one-time creation of the first administrator (only while none exists). */
export const setupRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  app.get(
    '/api/setup/status',
    { schema: { tags: ['setup'], response: { 200: Type.Object({ open: Type.Boolean() }) } } },
    async () => ({ open: await runtime.identity.needsSetup(runtime.config.tenant) }),
  );
  app.post(
    '/api/setup',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['setup'],
        body: Type.Object(
          {
            token: Type.String({ minLength: 20, maxLength: 200 }),
            username: Type.String({ minLength: 2, maxLength: 64 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ staff: StaffView, next: Type.String() }) },
      },
    },
    async (req, reply) => {
      const admin = await runtime.identity.completeSetup(
        runtime.config.tenant,
        req.body.token,
        req.body,
        req.ip,
      );
      return reply
        .status(201)
        .send({ staff: staffView(admin), next: 'sign in and enrol an authenticator app (TOTP)' });
    },
  );
};
