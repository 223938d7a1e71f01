import { describe, expect, it } from 'vitest';
import { checkQueueUrl } from '../../src/main/lab/agents/url';
import { decodeDataset, encodeDataset, fromWire, toWire } from '../../src/main/lab/agents/wire';
import { contentHash } from '../../src/main/lab/datasets/hash';
import { syntheticDataset } from '../helpers/synthetic';

describe('the queue URL', () => {
  it('takes a password or TLS, and hides the password when shown', () => {
    expect(checkQueueUrl('redis://:s3cret@gpu-box:6380')).toEqual({
      ok: true,
      value: {
        url: 'redis://:s3cret@gpu-box:6380',
        host: 'gpu-box',
        port: 6380,
        tls: false,
        display: 'redis://:***@gpu-box:6380',
      },
    });
    expect(checkQueueUrl('rediss://queue.lab.example')).toMatchObject({ ok: true, value: { tls: true, port: 6379 } });
  });

  it('refuses a Redis without password or TLS, unless --insecure-local on loopback', () => {
    expect(checkQueueUrl('redis://gpu-box:6379')).toEqual({
      ok: false,
      error: expect.stringMatching(/^--queue: redis:\/\/gpu-box:6379 has no password and no TLS; .*--insecure-local/),
    });
    expect(checkQueueUrl('redis://gpu-box:6379', { insecureLocal: true })).toEqual({
      ok: false,
      error:
        "--queue: --insecure-local is only for a Redis on this machine's loopback, not gpu-box; give it a password or TLS",
    });
    expect(checkQueueUrl('redis://127.0.0.1:6379', { insecureLocal: true }).ok).toBe(true);
    expect(checkQueueUrl('redis://localhost', { insecureLocal: true }).ok).toBe(true);
    expect(checkQueueUrl('http://:pw@host')).toEqual({
      ok: false,
      error: '--queue: http:// is not a Redis URL; give redis:// or rediss://',
    });
    expect(checkQueueUrl('not a url')).toMatchObject({ ok: false, error: expect.stringMatching(/is not a URL/) });
  });
});

describe('what travels through Redis', () => {
  it('a dataset comes back with the same content hash, and a damaged one is refused', () => {
    const dataset = syntheticDataset({ train: 5, test: 2 });
    const blob = encodeDataset(dataset);
    const back = decodeDataset(blob);
    expect(contentHash(back.content)).toBe(contentHash(dataset.content));
    expect(back).toMatchObject({ name: dataset.name, kind: dataset.kind, source: dataset.source });
    expect(() => decodeDataset(blob.subarray(0, blob.length - 10))).toThrow(
      /the dataset received is damaged: its test images are cut off/,
    );
  });

  it('a checkpoint keeps its weights byte for byte', () => {
    const weights = new Uint8Array([0, 1, 2, 250, 255]);
    const checkpoint = {
      epoch: 3,
      topology: { a: 1 },
      weightSpecs: [],
      weights,
      trainingConfig: null,
      state: { epoch: 3 },
    };
    const back = fromWire(toWire(checkpoint));
    expect(Array.from(back.weights)).toEqual([0, 1, 2, 250, 255]);
    expect(back).toMatchObject({ epoch: 3, topology: { a: 1 }, state: { epoch: 3 } });
  });
});
