import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CustosError, ErrorCode } from '../errors/index.ts';

/** An RFC 9457 problem body as Custos sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [k: string]: unknown;
}

const TYPE_BASE = 'https://custos.dev/problems/';

/** Builds the problem body of an error; 5xx bodies never echo internals. */
export function toProblem(err: unknown, requestId: string): Problem {
  if (err instanceof CustosError) {
    const internal = err.status >= 500 && err.code === ErrorCode.Internal;
    return {
      type: TYPE_BASE + err.code.toLowerCase().replace(/_/g, '-'),
      title: err.code,
      status: err.status,
      detail: internal ? 'internal error' : err.message,
      code: err.code,
      instance: requestId,
      ...err.extra,
    };
  }
  const fe = err as FastifyError;
  if (fe?.validation) {
    const first = fe.validation[0];
    const field =
      (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') ||
      String((first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? '') ||
      fe.validationContext ||
      'body';
    return {
      type: TYPE_BASE + 'custos-bad-request',
      title: ErrorCode.BadRequest,
      status: 400,
      detail: `${fe.validationContext ?? 'request'} ${field}: ${first?.message ?? 'invalid'}`,
      code: ErrorCode.BadRequest,
      field,
      instance: requestId,
    };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.statusCode === 404
        ? ErrorCode.NotFound
        : fe.statusCode === 429
          ? ErrorCode.RateLimited
          : ErrorCode.BadRequest;
    return {
      type: TYPE_BASE + code.toLowerCase().replace(/_/g, '-'),
      title: code,
      status: fe.statusCode,
      detail:
        fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code?.startsWith('FST_ERR_CTP')
          ? 'request body could not be read: ' + fe.message
          : fe.message,
      code,
      instance: requestId,
    };
  }
  return {
    type: TYPE_BASE + 'custos-internal',
    title: ErrorCode.Internal,
    status: 500,
    detail: 'internal error',
    code: ErrorCode.Internal,
    instance: requestId,
  };
}

/** Fastify error handler: every error becomes application/problem+json. */
export function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(err, req.id);
  if (problem.status >= 500) {
    req.log.error({ code: problem.code, err: scrubError(err) }, 'request failed');
  } else {
    req.log.info({ code: problem.code, status: problem.status }, 'request refused');
  }
  void reply.status(problem.status).type('application/problem+json').send(problem);
}

/**
 * The loggable part of an unexpected error: its type and a message with anything that could be
 * personal data (digits runs, CJK text, quoted or bracketed values, e-mail addresses) removed.
 */
export function scrubError(err: unknown): { type: string; message: string; stack?: string } {
  const e = err as Error;
  const scrub = (s: string) =>
    s
      .replace(/[\u3400-\u9fff\uf900-\ufaff]+/g, '…')
      .replace(/\d{4,}/g, '#')
      .replace(/[\w.+-]+@[\w-]+\.[\w.]+/g, '<email>')
      .replace(/\(([^)]*)\)=\(([^)]*)\)/g, '($1)=(…)')
      .replace(/"[^"]*"|'[^']*'/g, '"…"');
  return {
    type: e?.name ?? typeof err,
    message: scrub(String(e?.message ?? err)),
    ...(e?.stack ? { stack: scrub(e.stack) } : {}),
  };
}

/** 404 for unknown routes as problem+json. */
export function handleNotFound(req: FastifyRequest, reply: FastifyReply): void {
  handleError(
    new CustosError(ErrorCode.NotFound, `no route ${req.method} ${req.url.split('?')[0]}`),
    req,
    reply,
  );
}
