import type { TLSSocket } from 'node:tls';
import { Type } from 'typebox';
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { CustosError, ErrorCode, isCustosError } from '../../errors/index.ts';
import {
  certificateThumbprint,
  isVendor,
  parseFieldsParam,
  type AuthorizedClient,
  type CallOrigin,
  type ClientCredentials,
} from '../../governance/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { requireStaff, staffOf } from '../auth.ts';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Obj = Type.Object({}, { additionalProperties: true });
const Reason = Type.String({ minLength: 1, maxLength: 1000 });
const OFFICERS = ['privacy-officer', 'administrator'] as const;

/** The x5t#S256 of the TLS client certificate, when the connection presented one. */
function presentedThumbprint(req: FastifyRequest): string | undefined {
  const sock = req.raw.socket as Partial<TLSSocket>;
  if (typeof sock.getPeerCertificate !== 'function') return undefined;
  const cert = sock.getPeerCertificate(false);
  return cert && cert.raw ? certificateThumbprint(cert.raw) : undefined;
}

function originOf(req: FastifyRequest): CallOrigin {
  const x5t = presentedThumbprint(req);
  return { address: req.ip ?? null, ...(x5t ? { certificateThumbprint: x5t } : {}) };
}

/** The bearer of a client call (Authorization header only: clients have no cookies). */
function clientBearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** RFC 6750 §3: a 401 carries a WWW-Authenticate challenge. */
function challenge(reply: FastifyReply, e: unknown): void {
  if (isCustosError(e) && e.status === 401) {
    const err = typeof e.extra.error === 'string' ? e.extra.error : 'invalid_token';
    void reply.header('www-authenticate', `Bearer realm="custos", error="${err}"`);
  }
}

/** Client credentials from Basic auth or the body (client_secret_post / private_key_jwt). */
function credentialsOf(
  req: FastifyRequest,
  body: Record<string, string | undefined>,
): ClientCredentials {
  const h = req.headers.authorization;
  if (h?.startsWith('Basic ')) {
    const raw = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const i = raw.indexOf(':');
    if (i < 1)
      throw new CustosError(ErrorCode.BadRequest, 'malformed Basic credentials', {
        error: 'invalid_request',
      });
    // RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic.
    return {
      kind: 'secret',
      clientId: decodeURIComponent(raw.slice(0, i)),
      secret: decodeURIComponent(raw.slice(i + 1)),
    };
  }
  if (body.client_assertion !== undefined) {
    if (body.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      throw new CustosError(ErrorCode.BadRequest, 'unsupported client_assertion_type', {
        error: 'invalid_request',
      });
    return {
      kind: 'assertion',
      assertion: body.client_assertion,
      ...(body.client_id ? { clientId: body.client_id } : {}),
    };
  }
  if (body.client_id && body.client_secret)
    return { kind: 'secret', clientId: body.client_id, secret: body.client_secret };
  throw new CustosError(ErrorCode.Unauthenticated, 'client authentication is required', {
    error: 'invalid_client',
    reasonCode: 'CLIENT_INVALID',
  });
}

const TokenBody = Type.Object(
  {
    grant_type: Type.String({ maxLength: 64 }),
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
    client_id: Type.Optional(Type.String({ maxLength: 128 })),
    client_secret: Type.Optional(Type.String({ maxLength: 512 })),
    client_assertion_type: Type.Optional(Type.String({ maxLength: 128 })),
    client_assertion: Type.Optional(Type.String({ maxLength: 8192 })),
  },
  { additionalProperties: false },
);

/**
 * Vendor maintenance windows over the whole API: every route registered after this plugin gets a
 * last preHandler that lets a vendor engineer act only inside an approved window and ledgers
 * each action (sign-in and sign-out, and asking for a window, stay open).
 */
function enforceVendorWindows(app: FastifyInstance, runtime: Runtime): void {
  const tenant = runtime.config.tenant;
  const check = async (req: FastifyRequest): Promise<void> => {
    const sc = req.staffContext;
    if (!sc || !isVendor(sc.staff)) return;
    await runtime.governance.windows.checkVendorAction(tenant, sc.staff, {
      system: 'console',
      operation: `${req.method} ${req.routeOptions.url ?? ''}`,
      address: req.ip ?? null,
      workstationId: sc.session.workstationId,
    });
  };
  app.addHook('onRoute', (route: RouteOptions) => {
    const url = route.url ?? '';
    if (url.startsWith('/api/auth/') || route.config?.vendorWindowOpen) return;
    const existing = route.preHandler;
    const list = existing === undefined ? [] : Array.isArray(existing) ? [...existing] : [existing];
    route.preHandler = [...list, check] as RouteOptions['preHandler'];
  });
}

/**
 * Third parties: the OAuth2 token endpoint, the FHIR-style client API (contract-bound, through the
 * disclosure path), and the officers' routes for contracts, clients, keys, maintenance windows,
 * dual-approval exports and the security check. Registered at the root (not encapsulated) so the
 * vendor-window check covers the routes registered after it.
 */
export const governanceRoutes: FastifyPluginAsyncTypebox<{ runtime: Runtime }> = async (
  root,
  { runtime },
) => {
  enforceVendorWindows(root as unknown as FastifyInstance, runtime);
  await root.register(async (inner) => {
    const app = inner.withTypeProvider<TypeBoxTypeProvider>();
    const tenant = runtime.config.tenant;
    const gov = runtime.governance;
    const officers = requireStaff(runtime, [...OFFICERS]);
    const anyStaff = requireStaff(runtime);
    // RFC 6749 §4.4.2: the token request is form-encoded.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );

    app.post(
      '/oauth/token',
      {
        config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
        schema: {
          tags: ['clients'],
          body: TokenBody,
          response: {
            200: Type.Object({
              access_token: Type.String(),
              token_type: Type.Literal('Bearer'),
              expires_in: Type.Integer(),
              scope: Type.String(),
            }),
          },
        },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        try {
          const body = req.body as Record<string, string | undefined>;
          return await gov.gateway.issueToken(
            tenant,
            {
              grantType: body.grant_type,
              scope: body.scope,
              credentials: credentialsOf(req, body),
            },
            originOf(req),
          );
        } catch (e) {
          challenge(reply, e);
          throw e;
        }
      },
    );

    const clientCall = (perm: 'r' | 's') => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        req.governanceClient = await gov.gateway.authorize(
          tenant,
          clientBearer(req),
          originOf(req),
          {
            type: 'Patient',
            perm,
          },
        );
      } catch (e) {
        challenge(reply, e);
        throw e;
      }
    };
    const clientRateLimit = { rateLimit: { max: 100_000, timeWindow: '1 minute' } };

    app.get(
      '/api/clients/patients/:id',
      {
        preHandler: clientCall('r'),
        config: clientRateLimit,
        schema: {
          tags: ['clients'],
          params: Type.Object({ id: Id }),
          querystring: Type.Object(
            { fields: Type.Optional(Type.String({ maxLength: 2048 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const fields = parseFieldsParam(req.query.fields);
        return gov.gateway.readPatient(req.governanceClient!, req.params.id, fields);
      },
    );

    app.get(
      '/api/clients/patients',
      {
        preHandler: clientCall('s'),
        config: clientRateLimit,
        schema: {
          tags: ['clients'],
          querystring: Type.Object(
            {
              mrn: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
              identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const q = req.query;
        if (!q.mrn && !q.identifier)
          throw new CustosError(ErrorCode.BadRequest, 'search by mrn or identifier', {
            field: 'query',
          });
        return gov.gateway.searchPatients(req.governanceClient!, {
          ...(q.mrn ? { mrn: q.mrn } : {}),
          ...(q.identifier ? { idNumber: q.identifier } : {}),
        });
      },
    );

    // ---- contracts, clients, keys (privacy officers and administrators) --------------------

    app.get(
      '/api/governance/contracts',
      { preHandler: officers, schema: { tags: ['governance'] } },
      async () => ({
        items: await gov.contracts.list(tenant),
      }),
    );

    app.post(
      '/api/governance/contracts',
      { preHandler: officers, schema: { tags: ['governance'], body: Obj } },
      async (req, reply) => {
        void reply.code(201);
        return gov.createContract(tenant, staffOf(req).staff, req.body, req.ip);
      },
    );

    app.put(
      '/api/governance/contracts/:id',
      {
        preHandler: officers,
        schema: { tags: ['governance'], params: Type.Object({ id: Id }), body: Obj },
      },
      async (req) =>
        gov.updateContract(tenant, staffOf(req).staff, req.params.id, req.body, req.ip),
    );

    app.post(
      '/api/governance/contracts/:id/terminate',
      {
        preHandler: officers,
        schema: {
          tags: ['governance'],
          params: Type.Object({ id: Id }),
          body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        },
      },
      async (req) =>
        gov.terminateContract(tenant, staffOf(req).staff, req.params.id, req.body.reason, req.ip),
    );

    app.post(
      '/api/governance/contracts/:id/consents',
      {
        preHandler: requireStaff(runtime, [...OFFICERS, 'registration-clerk']),
        schema: {
          tags: ['governance'],
          params: Type.Object({ id: Id }),
          body: Type.Object(
            {
              patientId: Id,
              evidence: Type.Optional(Type.String({ maxLength: 500 })),
              withdraw: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        await gov.recordConsent(tenant, staffOf(req).staff, req.params.id, req.body.patientId, {
          ...(req.body.evidence ? { evidence: req.body.evidence } : {}),
          withdraw: req.body.withdraw === true,
        });
        void reply.code(204);
      },
    );

    app.get(
      '/api/governance/clients',
      { preHandler: officers, schema: { tags: ['governance'] } },
      async () => ({
        items: await gov.clients.list(tenant),
      }),
    );

    app.post(
      '/api/governance/clients',
      {
        preHandler: officers,
        schema: {
          tags: ['governance'],
          body: Type.Object(
            {
              contractId: Id,
              name: Type.String({ minLength: 1, maxLength: 100 }),
              publicKeyPem: Type.Optional(Type.String({ maxLength: 4096 })),
              certificateThumbprint: Type.Optional(Type.String({ maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        void reply.code(201).header('cache-control', 'no-store');
        return gov.registerClient(tenant, staffOf(req).staff, req.body);
      },
    );

    app.post(
      '/api/governance/clients/:id/rotate-secret',
      { preHandler: officers, schema: { tags: ['governance'], params: Type.Object({ id: Id }) } },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return { secret: await gov.rotateClientSecret(tenant, staffOf(req).staff, req.params.id) };
      },
    );

    app.post(
      '/api/governance/clients/:id/revoke',
      {
        preHandler: officers,
        schema: {
          tags: ['governance'],
          params: Type.Object({ id: Id }),
          body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        },
      },
      async (req) => ({
        tokensRevoked: await gov.revokeClient(
          tenant,
          staffOf(req).staff,
          req.params.id,
          req.body.reason,
        ),
      }),
    );

    app.post(
      '/api/governance/tokens/revoke',
      {
        preHandler: officers,
        schema: {
          tags: ['governance'],
          body: Type.Object({ jti: Id }, { additionalProperties: false }),
        },
      },
      async (req) => ({ revoked: await gov.revokeToken(tenant, staffOf(req).staff, req.body.jti) }),
    );

    app.post(
      '/api/governance/keys/rotate',
      {
        preHandler: officers,
        schema: {
          tags: ['governance'],
          body: Type.Object(
            { retirePrevious: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) =>
        gov.rotateTokenKey(tenant, staffOf(req).staff, {
          retirePrevious: req.body.retirePrevious === true,
        }),
    );

    app.get(
      '/api/governance/security-check',
      { preHandler: officers, schema: { tags: ['governance'] } },
      async () => gov.securityCheck(tenant, { passwordProbe: 'quick' }),
    );

    // ---- vendor maintenance windows --------------------------------------------------------

    app.get(
      '/api/governance/windows',
      { preHandler: anyStaff, schema: { tags: ['governance'] } },
      async (req) => {
        const staff = staffOf(req).staff;
        const all = staff.roles.includes('privacy-officer');
        return { items: await gov.windows.list(tenant, all ? {} : { staffId: staff.id }) };
      },
    );

    app.post(
      '/api/governance/windows',
      {
        preHandler: anyStaff,
        config: { vendorWindowOpen: true },
        schema: {
          tags: ['governance'],
          body: Type.Object(
            {
              staffId: Id,
              startsAt: Type.String({ maxLength: 40 }),
              endsAt: Type.String({ maxLength: 40 }),
              systems: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 16 }),
              reason: Reason,
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        void reply.code(201);
        return gov.windows.request(tenant, staffOf(req).staff, req.body);
      },
    );

    app.post(
      '/api/governance/windows/:id/decision',
      {
        preHandler: requireStaff(runtime, ['privacy-officer']),
        schema: {
          tags: ['governance'],
          params: Type.Object({ id: Id }),
          body: Type.Object(
            { outcome: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) =>
        gov.windows.decide(tenant, staffOf(req).staff, req.params.id, req.body.outcome),
    );

    // ---- exports (dual control) ------------------------------------------------------------

    const exportOrigin = (req: FastifyRequest) => ({
      address: req.ip ?? null,
      workstationId:
        (typeof req.headers['x-custos-workstation'] === 'string'
          ? req.headers['x-custos-workstation']
          : null) ?? staffOf(req).session.workstationId,
    });

    app.post(
      '/api/governance/exports',
      {
        preHandler: anyStaff,
        schema: {
          tags: ['governance'],
          body: Type.Object(
            {
              purpose: Type.String({ maxLength: 32 }),
              reference: Type.Optional(Type.String({ maxLength: 200 })),
              recipient: Type.Object(
                {
                  name: Type.String({ minLength: 1, maxLength: 200 }),
                  organization: Type.Optional(Type.String({ maxLength: 200 })),
                  publicKeyPem: Type.Optional(Type.String({ maxLength: 4096 })),
                },
                { additionalProperties: false },
              ),
              patientIds: Type.Array(Id, { minItems: 1, maxItems: 5000 }),
              kind: Type.Union([Type.Literal('records'), Type.Literal('images')]),
              fields: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 })),
              passphrase: Type.Optional(Type.String({ minLength: 16, maxLength: 1024 })),
              deidentify: Type.Optional(Type.Boolean()),
              contractId: Type.Optional(Id),
              expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        void reply.code(201);
        const body = req.body as Parameters<typeof gov.exports.request>[2];
        return gov.exports.request(tenant, staffOf(req).staff, body, exportOrigin(req));
      },
    );

    app.get(
      '/api/governance/exports/pending',
      { preHandler: officers, schema: { tags: ['governance'] } },
      async () => ({ items: await gov.exports.listPending(tenant) }),
    );

    app.get(
      '/api/governance/exports/:id',
      { preHandler: anyStaff, schema: { tags: ['governance'], params: Type.Object({ id: Id }) } },
      async (req) => {
        const staff = staffOf(req).staff;
        const e = await gov.exports.get(tenant, req.params.id);
        if (
          !e ||
          (e.requestedBy !== staff.id &&
            !staff.roles.some((r) => (OFFICERS as readonly string[]).includes(r)))
        )
          throw new CustosError(ErrorCode.NotFound, 'export not found');
        return e;
      },
    );

    for (const [path, decide] of [
      [
        'approve',
        (s: Parameters<typeof gov.exports.approve>[1], id: string, r: string) =>
          gov.exports.approve(tenant, s, id, r),
      ],
      [
        'reject',
        (s: Parameters<typeof gov.exports.reject>[1], id: string, r: string) =>
          gov.exports.reject(tenant, s, id, r),
      ],
    ] as const)
      app.post(
        `/api/governance/exports/:id/${path}`,
        {
          preHandler: anyStaff,
          schema: {
            tags: ['governance'],
            params: Type.Object({ id: Id }),
            body: Type.Object({ reason: Reason }, { additionalProperties: false }),
          },
        },
        async (req) => decide(staffOf(req).staff, req.params.id, req.body.reason),
      );

    app.get(
      '/api/governance/exports/:id/package',
      { preHandler: anyStaff, schema: { tags: ['governance'], params: Type.Object({ id: Id }) } },
      async (req, reply) => {
        const p = await gov.exports.download(
          tenant,
          staffOf(req).staff,
          req.params.id,
          exportOrigin(req),
        );
        void reply
          .header('content-type', 'application/octet-stream')
          .header('content-disposition', `attachment; filename="${p.filename}"`)
          .header('x-content-sha256', p.sha256)
          .header('cache-control', 'no-store');
        return reply.send(p.package);
      },
    );
  });
};

// Not encapsulated: the vendor-window hook must see routes registered by sibling plugins.
(governanceRoutes as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Vendor engineers may call this route outside a maintenance window (to ask for one). */
    vendorWindowOpen?: boolean;
  }
  interface FastifyRequest {
    governanceClient?: AuthorizedClient;
  }
}
