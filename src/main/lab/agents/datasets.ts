/**
 * Datasets travel to agents by content hash: the app puts a dataset into Redis once, cut into
 * chunks, before it queues a job on it; an agent that lacks it fetches and checks it, then keeps
 * it in its cache folder, so each agent fetches each dataset once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { KEEP_SECONDS, keys } from './keys';

export const CHUNK_BYTES = 4 * 1024 * 1024;

const Meta = z.strictObject({
  bytes: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative().max(100_000),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Puts the dataset `hash` into Redis unless it is there (then only keeps it longer). */
export async function publishDataset(
  redis: Redis,
  hash: string,
  encode: () => Buffer,
): Promise<'published' | 'present'> {
  const metaKey = keys.datasetMeta(hash);
  const present = await redis.get(metaKey);
  if (present !== null) {
    const meta = Meta.safeParse(safeJson(present));
    const chunkKeys = meta.success
      ? Array.from({ length: meta.data.chunks }, (_, i) => keys.datasetChunk(hash, i))
      : [];
    // every chunk still there (else it is put there again whole)
    if (meta.success && (chunkKeys.length === 0 || (await redis.exists(...chunkKeys)) === chunkKeys.length)) {
      const touch = redis.multi().expire(metaKey, KEEP_SECONDS);
      for (const key of chunkKeys) touch.expire(key, KEEP_SECONDS);
      await touch.exec();
      return 'present';
    }
    await redis.del(metaKey);
  }
  const blob = encode();
  const chunks = Math.ceil(blob.length / CHUNK_BYTES);
  for (let i = 0; i < chunks; i++)
    await redis.set(
      keys.datasetChunk(hash, i),
      blob.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES),
      'EX',
      KEEP_SECONDS,
    );
  const meta = { bytes: blob.length, chunks, sha256: createHash('sha256').update(blob).digest('hex') };
  // the meta last: an agent that sees it finds every chunk
  await redis.set(metaKey, JSON.stringify(meta), 'EX', KEEP_SECONDS);
  return 'published';
}

/** The dataset `hash` as a blob: from the cache folder, else from Redis (checked, then cached). */
export async function fetchDataset(
  redis: Redis,
  hash: string,
  cacheDir: string,
): Promise<{ blob: Buffer; fetched: boolean }> {
  const file = cachedFile(cacheDir, hash);
  if (existsSync(file)) return { blob: readFileSync(file), fetched: false };
  const text = await redis.get(keys.datasetMeta(hash));
  if (text === null)
    throw new Error(`dataset ${hash.slice(0, 12)}… is not in Redis (the app puts it there when it queues a job)`);
  const meta = Meta.parse(JSON.parse(text));
  const parts: Buffer[] = [];
  for (let i = 0; i < meta.chunks; i++) {
    const chunk = await redis.getBuffer(keys.datasetChunk(hash, i));
    if (chunk === null)
      throw new Error(`dataset ${hash.slice(0, 12)}…: chunk ${i + 1} of ${meta.chunks} is missing in Redis`);
    parts.push(chunk);
  }
  const blob = Buffer.concat(parts);
  const sha = createHash('sha256').update(blob).digest('hex');
  if (blob.length !== meta.bytes || sha !== meta.sha256)
    throw new Error(
      `dataset ${hash.slice(0, 12)}… arrived damaged (${blob.length} of ${meta.bytes} bytes, sha256 ${sha.slice(0, 12)}…)`,
    );
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  writeFileSync(partial, blob);
  renameSync(partial, file);
  return { blob, fetched: true };
}

export function cachedFile(cacheDir: string, hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a content hash: ${hash}`);
  return join(cacheDir, `${hash}.dataset`);
}

/** Drops a cached dataset that turned out not to hold what its name says. */
export function forgetDataset(cacheDir: string, hash: string): void {
  rmSync(cachedFile(cacheDir, hash), { force: true });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
