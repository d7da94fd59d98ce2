import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustosError } from '../errors/index.ts';
import { createHttpSender, GATEWAY_SIGNATURE_HEADER, signGatewayRequest } from './sender.ts';

const SECRET = 'gateway secret of at least thirty-two chars';

/** A stand-in for the hospital's SMS gateway: records requests, answers with `status`. */
describe('HTTP gateway sender', () => {
  let server: Server;
  let url: string;
  let status = 202;
  let delayMs = 0;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        setTimeout(() => res.writeHead(status).end('{}'), delayMs);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const message = {
    channel: 'sms' as const,
    to: '13800138000',
    purpose: 'login-code',
    text: '您的登录验证码 482913，5 分钟内有效。',
    code: '482913',
  };

  it('posts the message as JSON with a timestamped HMAC signature the gateway can check', async () => {
    status = 202;
    const at = new Date('2026-11-23T08:00:00Z');
    await createHttpSender({ url, secret: SECRET, now: () => at }).send(message);
    const req = received.at(-1)!;
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toEqual({
      channel: 'sms',
      to: '13800138000',
      purpose: 'login-code',
      text: message.text,
    });
    const sig = String(req.headers[GATEWAY_SIGNATURE_HEADER]);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(at.getTime() / 1000);
    expect(m![2]).toBe(signGatewayRequest(SECRET, Number(m![1]), req.body));
    // A changed body or another secret does not verify.
    expect(m![2]).not.toBe(
      signGatewayRequest(SECRET, Number(m![1]), req.body.replace('482913', '000000')),
    );
    expect(m![2]).not.toBe(signGatewayRequest('another secret', Number(m![1]), req.body));
  });

  it('fails with a stable code, without the phone or the text, on refusal, timeout or no gateway', async () => {
    const failure = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e;
      }
      throw new Error('expected a failure');
    };
    status = 500;
    const refused = await failure(createHttpSender({ url, secret: SECRET }).send(message));
    expect(isCustosError(refused) && refused.code).toBe('CUSTOS_MESSAGE_GATEWAY_UNAVAILABLE');
    expect((refused as Error).message).toContain('HTTP 500');

    status = 200;
    delayMs = 500;
    const slow = await failure(
      createHttpSender({ url, secret: SECRET, timeoutMs: 50 }).send(message),
    );
    expect((slow as Error).message).toContain('timed out');
    delayMs = 0;

    const closed = await failure(
      createHttpSender({ url: 'http://127.0.0.1:1/sms', secret: SECRET }).send(message),
    );
    expect(isCustosError(closed) && closed.status).toBe(503);
    for (const e of [refused, slow, closed]) {
      expect((e as Error).message).not.toContain('13800138000');
      expect((e as Error).message).not.toContain('482913');
    }
  });
});
