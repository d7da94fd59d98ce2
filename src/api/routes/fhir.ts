import type { FastifyPluginAsync } from 'fastify';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { importFhirBundle } from '../../vault/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

/**
 * FHIR R4 import: POST a transaction or collection Bundle to /fhir/R4. Administrators only; the
 * import is ledgered before it is written; errors come back as an OperationOutcome naming the
 * entry, and a transaction is all-or-nothing.
 */
export const fhirRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (app, { runtime }) => {
  const tenant = runtime.config.tenant;
  app.addContentTypeParser(
    'application/fhir+json',
    { parseAs: 'string', bodyLimit: 32 * 1024 * 1024 },
    (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new CustosError(ErrorCode.BadRequest, 'the body is not valid JSON'), undefined);
      }
    },
  );
  app.post(
    '/fhir/R4',
    {
      preHandler: requireStaff(runtime, ['administrator']),
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['fhir'],
        summary: 'Import a FHIR R4 transaction or collection Bundle into the encrypted vault',
      },
    },
    async (req, reply) => {
      const body = req.body as
        { resourceType?: unknown; type?: unknown; entry?: unknown[] } | undefined;
      await runtime.ledger.appendEntry(tenant, {
        kind: 'admin',
        actor: { type: 'staff', id: staffOf(req).staff.id },
        action: 'fhir.import',
        channel: 'api',
        networkAddress: req.ip,
        details: {
          bundleType: typeof body?.type === 'string' ? body.type : null,
          entries: Array.isArray(body?.entry) ? body.entry.length : 0,
        },
      });
      const report = await importFhirBundle(runtime.vault, tenant, body);
      return reply
        .status(report.httpStatus)
        .type('application/fhir+json')
        .send(report.response ?? report.outcome);
    },
  );
};
