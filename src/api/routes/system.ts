import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Runtime } from '../../runtime/index.ts';

const VERSION = '0.1.0';

/** Liveness (/health) and readiness (/ready: database answers and the ledger can write). */
export const systemRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: VERSION }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['system'],
        response: {
          200: Type.Object({
            status: Type.String(),
            database: Type.Boolean(),
            ledger: Type.Boolean(),
            backend: Type.String(),
          }),
          503: Type.Object({
            status: Type.String(),
            database: Type.Boolean(),
            ledger: Type.Boolean(),
            backend: Type.String(),
          }),
        },
      },
    },
    async (_req, reply) => {
      const r = await runtime.readiness();
      const ok = r.database && r.ledger;
      return reply
        .status(ok ? 200 : 503)
        .send({ status: ok ? 'ready' : 'not-ready', ...r, backend: runtime.store.backend });
    },
  );
};
