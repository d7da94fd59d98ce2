import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomBytes } from 'node:crypto';
import {
  anonymizeDataset,
  deidentifyDicom,
  deidentifyText,
  readCsv,
  writeCsv,
} from '../../deid/index.ts';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const DEID_SECRET = 'deid-project-key';
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * De-identification over HTTP: free text (zh/en), DICOM files and research datasets. The caller
 * sends the data; nothing is read from the vault here. Pseudonyms and date shifts use a keyed
 * project secret from the keyring, so the same input gives the same surrogate. Every call is
 * ledgered (sizes and counts only).
 */
export const deidRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const tenant = runtime.config.tenant;
  const allowed = requireStaff(runtime, [
    'researcher',
    'privacy-officer',
    'administrator',
    'physician',
  ]);
  let key = runtime.keyring.getSecret(DEID_SECRET);
  if (!key) {
    await runtime.keyring.putSecret(DEID_SECRET, randomBytes(32));
    key = runtime.keyring.getSecret(DEID_SECRET)!;
  }
  const projectKey = key;
  const record = (
    staffId: string,
    address: string,
    what: string,
    details: Record<string, number | string>,
  ) =>
    runtime.ledger.appendEntry(tenant, {
      kind: 'admin',
      actor: { type: 'staff', id: staffId },
      action: `deid.${what}`,
      channel: 'api',
      networkAddress: address,
      details,
    });

  app.addContentTypeParser(
    ['application/dicom'],
    { parseAs: 'buffer', bodyLimit: MAX_BYTES },
    (_r, body, done) => done(null, body),
  );
  app.addContentTypeParser(
    ['text/csv'],
    { parseAs: 'string', bodyLimit: MAX_BYTES },
    (_r, body, done) => done(null, body),
  );

  app.post(
    '/api/deid/text',
    {
      preHandler: allowed,
      schema: {
        tags: ['deid'],
        body: Type.Object(
          {
            text: Type.String({ maxLength: 1_000_000 }),
            lang: Type.Optional(
              Type.Union([Type.Literal('zh'), Type.Literal('en'), Type.Literal('auto')]),
            ),
            patientId: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const r = deidentifyText(req.body.text, {
        key: projectKey,
        lang: req.body.lang ?? 'auto',
        ...(req.body.patientId ? { patientId: req.body.patientId } : {}),
      });
      await record(staffOf(req).staff.id, req.ip, 'text', {
        chars: req.body.text.length,
        findings: r.findings.length,
        residual: r.residual.length,
      });
      return {
        text: r.text,
        findings: r.findings.map((f) => ({
          start: f.start,
          end: f.end,
          type: f.type,
          score: f.score,
          why: f.why,
        })),
        residual: r.residual.map((f) => ({
          start: f.start,
          end: f.end,
          type: f.type,
          score: f.score,
        })),
      };
    },
  );

  app.post(
    '/api/deid/dicom',
    {
      preHandler: allowed,
      bodyLimit: MAX_BYTES,
      schema: {
        tags: ['deid'],
        querystring: Type.Object(
          {
            profile: Type.Optional(
              Type.Union([
                Type.Literal('basic'),
                Type.Literal('research'),
                Type.Literal('teaching'),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body))
        throw new CustosError(ErrorCode.BadRequest, 'send the DICOM file as application/dicom');
      const { output, report } = deidentifyDicom(req.body, {
        key: projectKey,
        ...(req.query.profile ? { profile: req.query.profile } : {}),
      });
      await record(staffOf(req).staff.id, req.ip, 'dicom', {
        bytes: req.body.length,
        removed: report.actions.removed,
        uidsRemapped: report.actions.uidsRemapped,
      });
      return reply.type('application/dicom').send(Buffer.from(output));
    },
  );

  app.post(
    '/api/deid/dataset',
    {
      preHandler: allowed,
      bodyLimit: MAX_BYTES,
      schema: {
        tags: ['deid'],
        querystring: Type.Object(
          {
            k: Type.Integer({ minimum: 2, maximum: 1000 }),
            quasi: Type.String({ minLength: 1, maxLength: 2000 }),
            sensitive: Type.Optional(Type.String({ maxLength: 2000 })),
            l: Type.Optional(Type.Integer({ minimum: 2, maximum: 100 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      if (typeof req.body !== 'string')
        throw new CustosError(ErrorCode.BadRequest, 'send the dataset as text/csv');
      const { header, rows } = readCsv(req.body, 'body');
      const split = (s?: string) =>
        s
          ? s
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : [];
      const out = anonymizeDataset(header, rows, {
        k: req.query.k,
        quasi: split(req.query.quasi),
        ...(req.query.sensitive ? { sensitive: split(req.query.sensitive) } : {}),
        ...(req.query.l ? { l: req.query.l } : {}),
      });
      await record(staffOf(req).staff.id, req.ip, 'dataset', { rows: rows.length, k: req.query.k });
      return reply.send({ csv: writeCsv(out.header, out.rows), report: out.report });
    },
  );
};
