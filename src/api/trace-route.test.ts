import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type Runtime } from '../runtime/index.ts';
import {
  fingerprintText,
  issueToken,
  markImage,
  renderSyntheticRadiograph,
} from '../watermark/index.ts';
import { buildApp } from './index.ts';
import { signInAs } from './testing.ts';

describe('POST /api/trace', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let officer: { authorization: string };

  beforeAll(async () => {
    rt = await createTestRuntime();
    app = await buildApp(rt);
    officer = (await signInAs(rt, ['privacy-officer'])).headers;
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  async function disclose(ref: number) {
    const token = issueToken(rt.watermarkKey, ref);
    await rt.ledger.appendEntry(rt.config.tenant, {
      kind: 'disclosure.export',
      actor: { type: 'staff', id: 'stf-leaker' },
      patientId: 'pat-celebrity',
      fields: ['note'],
      purpose: 'treatment',
      decision: 'permit',
      workstation: 'ws-emd-003',
      channel: 'export',
      watermarkToken: token.text,
    });
    return token;
  }

  it('names the viewer of a leaked fingerprinted text and of a leaked marked image, and ledgers the trace', async () => {
    const textToken = await disclose(4242);
    const leakedText = fingerprintText(
      textToken,
      '主诉：胸痛两小时。既往史：无。查体：血压 130/80 mmHg，心率 88 次/分。\n诊断：急性冠脉综合征待排。',
    );
    const t = await app.inject({
      method: 'POST',
      url: '/api/trace',
      headers: { ...officer, 'content-type': 'text/plain' },
      payload: leakedText,
    });
    expect(t.statusCode).toBe(200);
    expect(t.json().findings[0].entry).toMatchObject({
      actorId: 'stf-leaker',
      patientId: 'pat-celebrity',
      workstation: 'ws-emd-003',
    });

    const imageToken = await disclose(4343);
    const marked = await markImage(
      rt.watermarkKey,
      imageToken,
      await renderSyntheticRadiograph(640, 640),
    );
    const i = await app.inject({
      method: 'POST',
      url: '/api/trace',
      headers: { ...officer, 'content-type': 'image/png' },
      payload: marked.output,
    });
    expect(i.statusCode).toBe(200);
    expect(i.json().findings.map((f: { token: string }) => f.token)).toContain(imageToken.text);

    const traces = await rt.store.db
      .selectFrom('ledger_entry')
      .select('action')
      .where('action', '=', 'trace')
      .execute();
    expect(traces.length).toBe(2);
  });

  it('finds nothing in an unmarked file, refuses empty bodies and non-officers', async () => {
    const clean = await app.inject({
      method: 'POST',
      url: '/api/trace',
      headers: { ...officer, 'content-type': 'text/plain' },
      payload: 'nothing hidden here.',
    });
    expect(clean.json().findings).toEqual([]);
    const empty = await app.inject({
      method: 'POST',
      url: '/api/trace',
      headers: { ...officer, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(0),
    });
    expect(empty.statusCode).toBe(400);
    const nurse = (await signInAs(rt, ['nurse'])).headers;
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/trace',
          headers: { ...nurse, 'content-type': 'text/plain' },
          payload: 'x',
        })
      ).statusCode,
    ).toBe(403);
  });
});
