import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  ENTRY_KINDS,
  exportTreeHead,
  getConsistencyProof,
  getInclusionProof,
  getTreeHead,
  getRecordedPublicKey,
  importAuditLog,
  parseCsvMapping,
  queryEntries,
  type EntryKind,
  type LedgerEntry,
  type LedgerTables,
  type TreeHead,
} from '../../ledger/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const hex = (b: Buffer) => b.toString('hex');

function entryView(e: LedgerEntry) {
  return {
    seq: e.seq,
    recordedAt: e.recordedAt.toISOString(),
    occurredAt: e.occurredAt.toISOString(),
    kind: e.kind,
    actorType: e.actorType,
    actorId: e.actorId,
    department: e.department,
    patientId: e.patientId,
    fields: [...e.fields],
    categories: [...e.categories],
    purpose: e.purpose,
    decision: e.decision,
    reasons: [...e.reasons],
    action: e.action,
    workstation: e.workstation,
    networkAddress: e.networkAddress,
    channel: e.channel,
    watermarkToken: e.watermarkToken,
    sourceSystem: e.sourceSystem,
    entryHash: hex(e.entryHash),
  };
}

function headView(h: TreeHead) {
  return {
    treeSize: h.treeSize,
    rootHash: hex(h.rootHash),
    signedAt: h.signedAt.toISOString(),
    keyId: h.keyId,
    algorithm: h.algorithm,
    signature: h.signature.toString('base64'),
  };
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const EntryView = Type.Object({
  seq: Type.Integer(),
  recordedAt: Type.String(),
  occurredAt: Type.String(),
  kind: Type.String(),
  actorType: Type.String(),
  actorId: Type.String(),
  department: Nullable(Type.String()),
  patientId: Nullable(Type.String()),
  fields: Type.Array(Type.String()),
  categories: Type.Array(Type.String()),
  purpose: Nullable(Type.String()),
  decision: Nullable(Type.String()),
  reasons: Type.Array(Type.String()),
  action: Nullable(Type.String()),
  workstation: Nullable(Type.String()),
  networkAddress: Nullable(Type.String()),
  channel: Nullable(Type.String()),
  watermarkToken: Nullable(Type.String()),
  sourceSystem: Nullable(Type.String()),
  entryHash: Type.String(),
});
const HeadView = Type.Object({
  treeSize: Type.Integer(),
  rootHash: Type.String(),
  signedAt: Type.String(),
  keyId: Type.String(),
  algorithm: Type.String(),
  signature: Type.String(),
});

/**
 * The access ledger over HTTP: search (privacy officers), signed tree heads and proofs (anyone
 * signed in, and witnesses), import of other systems' audit logs (administrators).
 */
export const ledgerRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const tenant = runtime.config.tenant;
  const db = runtime.store.db as Kysely<LedgerTables>;
  const officer = requireStaff(runtime, ['privacy-officer', 'administrator']);

  app.get(
    '/api/ledger/entries',
    {
      preHandler: officer,
      schema: {
        tags: ['ledger'],
        querystring: Type.Object(
          {
            patientId: Type.Optional(Type.String({ maxLength: 64 })),
            actorId: Type.Optional(Type.String({ maxLength: 128 })),
            department: Type.Optional(Type.String({ maxLength: 64 })),
            kind: Type.Optional(Type.Union(ENTRY_KINDS.map((k) => Type.Literal(k)))),
            watermarkToken: Type.Optional(Type.String({ maxLength: 32 })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(EntryView), nextCursor: Nullable(Type.String()) }),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await queryEntries(db, {
        tenant,
        ...(q.patientId ? { patientId: q.patientId } : {}),
        ...(q.actorId ? { actorId: q.actorId } : {}),
        ...(q.department ? { department: q.department } : {}),
        ...(q.kind ? { kinds: [q.kind as EntryKind] } : {}),
        ...(q.watermarkToken ? { watermarkToken: q.watermarkToken } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        limit: q.limit ?? 100,
      });
      return { items: page.entries.map(entryView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/ledger/head',
    {
      preHandler: requireStaff(runtime),
      schema: {
        tags: ['ledger'],
        querystring: Type.Object(
          { treeSize: Type.Optional(Type.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ head: HeadView, exported: Type.String(), publicKey: Type.String() }),
        },
      },
    },
    async (req) => {
      const head = await getTreeHead(db, tenant, req.query.treeSize);
      if (!head) throw new CustosError(ErrorCode.NotFound, 'no signed tree head yet');
      // The key that signed this head (SM2 for tenants on the SM suite, or a rotated key).
      const publicKey =
        (await getRecordedPublicKey(db, tenant, head.keyId)) ?? runtime.signer.publicKeyPem;
      return {
        head: headView(head),
        exported: exportTreeHead(head, publicKey),
        publicKey: publicKey ?? '',
      };
    },
  );

  app.get(
    '/api/ledger/proof/inclusion',
    {
      preHandler: requireStaff(runtime),
      schema: {
        tags: ['ledger'],
        querystring: Type.Object(
          {
            seq: Type.Integer({ minimum: 1 }),
            treeSize: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            seq: Type.Integer(),
            leafIndex: Type.Integer(),
            treeSize: Type.Integer(),
            entryHash: Type.String(),
            path: Type.Array(Type.String()),
            rootHash: Type.String(),
            head: Nullable(HeadView),
          }),
        },
      },
    },
    async (req) => {
      const p = await getInclusionProof(db, {
        tenant,
        seq: req.query.seq,
        ...(req.query.treeSize ? { treeSize: req.query.treeSize } : {}),
      });
      return {
        seq: p.seq,
        leafIndex: p.leafIndex,
        treeSize: p.treeSize,
        entryHash: hex(p.entryHash),
        path: p.path.map(hex),
        rootHash: hex(p.rootHash),
        head: p.head ? headView(p.head) : null,
      };
    },
  );

  app.get(
    '/api/ledger/proof/consistency',
    {
      preHandler: requireStaff(runtime),
      schema: {
        tags: ['ledger'],
        querystring: Type.Object(
          { first: Type.Integer({ minimum: 0 }), second: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            first: Type.Integer(),
            second: Type.Integer(),
            firstRoot: Type.String(),
            secondRoot: Type.String(),
            path: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (req) => {
      const p = await getConsistencyProof(db, {
        tenant,
        first: req.query.first,
        second: req.query.second,
      });
      return {
        first: p.first,
        second: p.second,
        firstRoot: hex(p.firstRoot),
        secondRoot: hex(p.secondRoot),
        path: p.path.map(hex),
      };
    },
  );

  // Other systems' audit logs: FHIR AuditEvent NDJSON or CSV (mapping in the query as JSON).
  app.addContentTypeParser(
    ['application/fhir+ndjson', 'application/x-ndjson', 'text/csv'],
    { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );
  app.post(
    '/api/ledger/import',
    {
      preHandler: requireStaff(runtime, ['administrator']),
      schema: {
        tags: ['ledger'],
        querystring: Type.Object(
          {
            source: Type.Optional(Type.String({ maxLength: 64 })),
            mapping: Type.Optional(Type.String({ maxLength: 10_000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            lines: Type.Integer(),
            accepted: Type.Integer(),
            duplicates: Type.Integer(),
            rejected: Type.Integer(),
            rejections: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
          }),
        },
      },
    },
    async (req) => {
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim();
      if (typeof req.body !== 'string')
        throw new CustosError(
          ErrorCode.BadRequest,
          'send the log as application/fhir+ndjson or text/csv',
        );
      const format = type === 'text/csv' ? 'csv' : 'fhir';
      if (format === 'csv' && !req.query.mapping)
        throw new CustosError(
          ErrorCode.BadRequest,
          'CSV needs a column mapping (query parameter "mapping", JSON)',
          { field: 'mapping' },
        );
      await runtime.ledger.appendEntry(tenant, {
        kind: 'admin',
        actor: { type: 'staff', id: staffOf(req).staff.id },
        action: 'ledger.import',
        channel: 'api',
        networkAddress: req.ip,
        details: {
          format,
          bytes: req.body.length,
          ...(req.query.source ? { source: req.query.source } : {}),
        },
      });
      const report = await importAuditLog(runtime.ledger, {
        tenant,
        format,
        input: Readable.from([req.body]),
        ...(req.query.mapping ? { mapping: parseCsvMapping(req.query.mapping) } : {}),
        ...(req.query.source ? { sourceSystem: req.query.source } : {}),
      });
      return {
        ...report,
        rejections: report.rejections.map((r) => ({ line: r.line, reason: r.reason })),
      };
    },
  );
};
