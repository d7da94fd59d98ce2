import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../runtime/index.ts';
import { handleError, handleNotFound } from './problem.ts';
import { accessRoutes } from './routes/access.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { consoleRoutes } from './routes/console.ts';
import { governanceRoutes } from './routes/governance.ts';
import { portalRoutes } from './routes/portal.ts';
import { deidRoutes } from './routes/deid.ts';
import { fhirRoutes } from './routes/fhir.ts';
import { fhirReadRoutes } from './routes/fhir-read.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { traceRoutes } from './routes/trace.ts';
import { monitorRoutes } from './routes/monitor.ts';
import { incidentRoutes } from './routes/incident.ts';
import { setupRoutes } from './routes/setup.ts';
import { systemRoutes } from './routes/system.ts';

/** Options of the HTTP app. */
export interface AppOptions {
  /** Extra route plugins composed by the caller (modules that landed later). */
  plugins?: ((app: FastifyInstance, runtime: Runtime) => Promise<void>)[];
}

/**
 * Builds the HTTP service: security headers, rate limits, OpenAPI at /docs, problem+json errors
 * with stable codes, request ids, and logs that carry no personal data (no bodies, no query
 * strings, no client addresses).
 */
export async function buildApp(runtime: Runtime, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: runtime.log,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
  });
  await app.register(rateLimit, { max: 1200, timeWindow: '1 minute' });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Custos API',
        version: '0.1.0',
        description: 'Every disclosure of patient data goes through one audited path.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(governanceRoutes, { runtime }); // first: its vendor-window check covers later routes
  await app.register(systemRoutes, { runtime });
  await app.register(setupRoutes, { runtime });
  await app.register(authRoutes, { runtime });
  await app.register(adminRoutes, { runtime });
  await app.register(portalRoutes, { runtime });
  await app.register(accessRoutes, { runtime });
  await app.register(ledgerRoutes, { runtime });
  await app.register(fhirRoutes, { runtime });
  await app.register(traceRoutes, { runtime });
  await app.register(deidRoutes, { runtime });
  await app.register(fhirReadRoutes, { runtime });
  await app.register(incidentRoutes, { runtime });
  await app.register(monitorRoutes, { runtime });
  const plain = app as unknown as FastifyInstance;
  for (const plugin of opts.plugins ?? []) await plugin(plain, runtime);
  await app.register(consoleRoutes, { runtime });
  return plain;
}
