import type { FastifyPluginAsync } from 'fastify';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import type { LedgerEntry } from '../../ledger/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { traceLeak } from '../../watermark/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const MAX_UPLOAD = 64 * 1024 * 1024;

/**
 * Leak tracing for privacy officers: upload a leaked photo, screenshot, image, DICOM file or text
 * and get back the disclosures whose watermark or fingerprint it carries, each with its ledger
 * entry (who, when, which patient, which workstation). Every trace is itself ledgered.
 */
export const traceRoutes: FastifyPluginAsync<{ runtime: Runtime }> = async (app, { runtime }) => {
  const tenant = runtime.config.tenant;
  app.addContentTypeParser(
    [
      'application/octet-stream',
      'application/dicom',
      'image/png',
      'image/jpeg',
      'image/webp',
      'image/tiff',
    ],
    { parseAs: 'buffer', bodyLimit: MAX_UPLOAD },
    (_req, body, done) => done(null, body),
  );
  app.post(
    '/api/trace',
    {
      preHandler: requireStaff(runtime, ['privacy-officer', 'administrator']),
      bodyLimit: MAX_UPLOAD,
      schema: {
        tags: ['trace'],
        summary: 'Name the source of a leaked file (raw body: image, DICOM, text)',
      },
    },
    async (req) => {
      const body = req.body;
      const input = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : null;
      if (input === null || input.length === 0)
        throw new CustosError(ErrorCode.BadRequest, 'send the leaked file as the request body');
      const result = await traceLeak<LedgerEntry>(input, {
        key: runtime.watermarkKey,
        resolveToken: (token) => runtime.access.resolveWatermarkToken(tenant, token.text),
      });
      await runtime.ledger.appendEntry(tenant, {
        kind: 'admin',
        actor: { type: 'staff', id: staffOf(req).staff.id },
        action: 'trace',
        channel: 'console',
        networkAddress: req.ip,
        details: {
          kind: result.kind,
          tried: result.tried,
          tokens: result.findings.map((f) => f.token.text),
        },
      });
      return {
        kind: result.kind,
        tried: result.tried,
        findings: result.findings.map((f) => ({
          token: f.token.text,
          channel: f.channel,
          confidence: f.confidence,
          entry: f.entry
            ? {
                seq: f.entry.seq,
                occurredAt: f.entry.occurredAt.toISOString(),
                kind: f.entry.kind,
                actorId: f.entry.actorId,
                patientId: f.entry.patientId,
                workstation: f.entry.workstation,
                networkAddress: f.entry.networkAddress,
                channel: f.entry.channel,
                purpose: f.entry.purpose,
              }
            : null,
        })),
      };
    },
  );
};
