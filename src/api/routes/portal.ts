import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CustosError, ErrorCode } from '../../errors/index.ts';
import {
  ACCESS_CHANNELS,
  readPortalAssets,
  type AccessChannel,
  type HistoryFilter,
  type PatientSession,
  type PortalLocale,
} from '../../portal/index.ts';
import type { Runtime } from '../../runtime/index.ts';

/** Name of the patient's session cookie (HttpOnly, SameSite=Strict, path /). */
export const PORTAL_COOKIE = 'custos_portal';

declare module 'fastify' {
  interface FastifyRequest {
    patientSession?: PatientSession;
  }
}

function portalToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === PORTAL_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

const Lang = Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]));

const HistoryQuery = Type.Object(
  {
    lang: Lang,
    from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    channel: Type.Optional(Type.Union(ACCESS_CHANNELS.map((c) => Type.Literal(c)))),
    breakGlass: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const AccessLineView = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  kind: Type.String(),
  actorType: Type.String(),
  actorRef: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
  organisation: Type.String(),
  departmentId: Type.Union([Type.String(), Type.Null()]),
  department: Type.Union([Type.String(), Type.Null()]),
  purpose: Type.Union([Type.String(), Type.Null()]),
  reasons: Type.Array(Type.String()),
  reasonText: Type.String(),
  channel: Type.String(),
  decision: Type.Union([Type.String(), Type.Null()]),
  breakGlass: Type.Boolean(),
  fields: Type.Array(Type.String()),
  categories: Type.Array(Type.String()),
  reportId: Type.Union([Type.String(), Type.Null()]),
});

const RestrictionsView = Type.Object({
  hiddenSections: Type.Array(Type.String()),
  blockedStaff: Type.Array(
    Type.Object({ ref: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }),
  ),
  researchOptOut: Type.Boolean(),
});

const PreferenceView = Type.Object({
  channel: Type.Union([Type.Literal('sms'), Type.Literal('email'), Type.Literal('portal')]),
  locale: Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]),
});

function filterOf(q: {
  lang?: PortalLocale;
  from?: string;
  to?: string;
  channel?: string;
  breakGlass?: boolean;
  limit?: number;
  cursor?: string;
}): HistoryFilter {
  const f: HistoryFilter = { locale: q.lang ?? 'zh-CN' };
  if (q.from) f.from = new Date(q.from);
  if (q.to) f.to = new Date(q.to);
  if (q.channel) f.channel = q.channel as AccessChannel;
  if (q.breakGlass) f.breakGlassOnly = true;
  if (q.limit) f.limit = q.limit;
  if (q.cursor) f.cursor = q.cursor;
  return f;
}

/**
 * The patient portal over HTTP: the phone-sized page at /portal, sign-in by one-time code and ID
 * number (rate-limited per address on top of the portal's own per-phone throttles), the access
 * history and its downloads, restrictions, notification preferences and notices, and reports.
 * Patient sessions are separate from staff sessions (own cookie, own table).
 */
export const portalRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  app,
  { runtime },
) => {
  const tenant = runtime.config.tenant;
  const secure = runtime.config.publicUrl.startsWith('https://');
  const portal = runtime.portal;
  const cookie = (token: string, maxAge: number) =>
    `${PORTAL_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  const patient = async (req: FastifyRequest): Promise<void> => {
    req.patientSession = await portal.authenticate(tenant, portalToken(req));
  };
  const sessionOf = (req: FastifyRequest): PatientSession => {
    if (!req.patientSession) throw new CustosError(ErrorCode.Unauthenticated, 'sign in first');
    return req.patientSession;
  };
  const noStore = async (_req: FastifyRequest, reply: FastifyReply) => {
    void reply.header('cache-control', 'no-store');
  };

  app.addHook('onReady', async () => {
    portal.start([tenant]);
  });
  app.addHook('onClose', async () => {
    await portal.stop();
  });

  // ---- the page -----------------------------------------------------------------------------
  const assets = readPortalAssets();
  const page = assets.get('index.html')!;
  const sendPage = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').type(page.contentType).send(page.body);
  app.get('/portal', { schema: { hide: true } }, sendPage);
  app.get('/portal/', { schema: { hide: true } }, sendPage);
  for (const name of ['portal.js', 'portal.css']) {
    const a = assets.get(name)!;
    app.get(`/portal/${name}`, { schema: { hide: true } }, async (_req, reply) =>
      reply.header('cache-control', 'no-cache').type(a.contentType).send(a.body),
    );
  }

  // ---- sign-in ------------------------------------------------------------------------------
  app.post(
    '/api/portal/login/code',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['portal'],
        security: [],
        body: Type.Object(
          { phone: Type.String({ minLength: 1, maxLength: 40 }), locale: Lang },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ challengeId: Type.String(), expiresAt: Type.String() }),
        },
      },
    },
    async (req, reply) => {
      const ch = await portal.requestCode(tenant, {
        phone: req.body.phone,
        address: req.ip,
        locale: req.body.locale ?? 'zh-CN',
      });
      return reply
        .status(202)
        .send({ challengeId: ch.challengeId, expiresAt: ch.expiresAt.toISOString() });
    },
  );

  app.post(
    '/api/portal/login/verify',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['portal'],
        security: [],
        body: Type.Object(
          {
            challengeId: Type.String({ maxLength: 64 }),
            code: Type.String({ maxLength: 6 }),
            idNumber: Type.String({ maxLength: 40 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String() }) },
      },
    },
    async (req, reply) => {
      const r = await portal.verifyCode(tenant, { ...req.body, address: req.ip });
      const maxAge = Math.max(
        0,
        Math.floor((r.session.expiresAt.getTime() - runtime.now().getTime()) / 1000),
      );
      void reply.header('set-cookie', cookie(r.token, maxAge)).header('cache-control', 'no-store');
      return { token: r.token, expiresAt: r.session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/portal/logout',
    { schema: { tags: ['portal'], response: { 204: Type.Null() } } },
    async (req, reply) => {
      await portal.logout(tenant, portalToken(req));
      return reply.header('set-cookie', cookie('', 0)).status(204).send(null);
    },
  );

  app.get(
    '/api/portal/me',
    {
      preHandler: [patient, noStore],
      schema: {
        tags: ['portal'],
        response: { 200: Type.Object({ expiresAt: Type.String(), preference: PreferenceView }) },
      },
    },
    async (req) => {
      const s = sessionOf(req);
      return { expiresAt: s.expiresAt.toISOString(), preference: await portal.getPreference(s) };
    },
  );

  // ---- history ------------------------------------------------------------------------------
  app.get(
    '/api/portal/history',
    {
      preHandler: [patient, noStore],
      schema: {
        tags: ['portal'],
        querystring: HistoryQuery,
        response: {
          200: Type.Object({
            accesses: Type.Array(AccessLineView),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => portal.getHistory(sessionOf(req), filterOf(req.query)),
  );

  app.get(
    '/api/portal/history/download',
    {
      preHandler: [patient, noStore],
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['portal'],
        querystring: Type.Object(
          {
            ...HistoryQuery.properties,
            format: Type.Union([Type.Literal('csv'), Type.Literal('pdf'), Type.Literal('json')]),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const { format, ...q } = req.query;
      const file = await portal.exportHistory(sessionOf(req), format, {
        ...filterOf(q),
        limit: undefined,
        cursor: undefined,
      } as HistoryFilter);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .header('x-custos-entries', String(file.entries))
        .send(file.body);
    },
  );

  // ---- restrictions -------------------------------------------------------------------------
  app.get(
    '/api/portal/restrictions',
    {
      preHandler: [patient, noStore],
      schema: { tags: ['portal'], response: { 200: RestrictionsView } },
    },
    async (req) => portal.getRestrictions(sessionOf(req)),
  );

  app.put(
    '/api/portal/restrictions',
    {
      preHandler: [patient, noStore],
      schema: {
        tags: ['portal'],
        body: Type.Object(
          {
            hiddenSections: Type.Optional(
              Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 }),
            ),
            blockEntrySeq: Type.Optional(Type.Integer({ minimum: 1 })),
            unblock: Type.Optional(Type.String({ maxLength: 128 })),
            researchOptOut: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: RestrictionsView },
      },
    },
    async (req) => portal.updateRestrictions(sessionOf(req), req.body),
  );

  // ---- notifications ------------------------------------------------------------------------
  app.get(
    '/api/portal/preferences',
    {
      preHandler: [patient, noStore],
      schema: { tags: ['portal'], response: { 200: PreferenceView } },
    },
    async (req) => portal.getPreference(sessionOf(req)),
  );

  app.put(
    '/api/portal/preferences',
    {
      preHandler: [patient, noStore],
      schema: { tags: ['portal'], body: PreferenceView, response: { 200: PreferenceView } },
    },
    async (req) => portal.setPreference(sessionOf(req), req.body),
  );

  app.get(
    '/api/portal/notifications',
    {
      preHandler: [patient, noStore],
      schema: {
        tags: ['portal'],
        querystring: Type.Object({ lang: Lang }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            notifications: Type.Array(
              Type.Object({
                id: Type.String(),
                kind: Type.String(),
                seq: Type.Integer(),
                at: Type.String(),
                text: Type.String(),
                status: Type.String(),
                channel: Type.Union([Type.String(), Type.Null()]),
                read: Type.Boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => ({
      notifications: await portal.listNotifications(sessionOf(req), req.query.lang ?? 'zh-CN'),
    }),
  );

  // ---- reports ------------------------------------------------------------------------------
  app.post(
    '/api/portal/reports',
    {
      preHandler: [patient, noStore],
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['portal'],
        body: Type.Object(
          { seq: Type.Integer({ minimum: 1 }), text: Type.String({ maxLength: 8000 }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ reportId: Type.String(), caseId: Type.String() }) },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await portal.fileReport(sessionOf(req), req.body.seq, req.body.text)),
  );

  app.get(
    '/api/portal/reports',
    {
      preHandler: [patient, noStore],
      schema: {
        tags: ['portal'],
        querystring: Type.Object({ lang: Lang }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            reports: Type.Array(
              Type.Object({
                id: Type.String(),
                seq: Type.Integer(),
                createdAt: Type.String(),
                caseId: Type.String(),
                status: Type.String(),
                statusText: Type.String(),
                outcome: Type.String(),
                outcomeText: Type.String(),
                resolvedAt: Type.Union([Type.String(), Type.Null()]),
                text: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => ({
      reports: await portal.listReports(sessionOf(req), req.query.lang ?? 'zh-CN'),
    }),
  );
};
