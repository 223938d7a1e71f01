/**
 * Property tests: every contract request, sent invalid payloads (wrong types, missing fields,
 * junk keys, huge and negative numbers, strings for numbers, nested garbage), through both doors:
 * the HTTP server and `Lab.dispatch` (what the Electron IPC handler calls). Each must be answered
 * with a bad-request envelope (HTTP 400, never 500), leave every table as it was, start no job
 * and emit no event, and the server must still answer afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Lab } from '../../src/main/lab/lab';
import { startWebServer, type WebServer } from '../../src/main/web/server';
import { defaultRunConfig, ErrorInfo, requestNames, requests, type RequestName } from '../../src/shared/contract';
import { testLab, type RecordedEvent, storesOf } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

/** A valid payload per request (checked below): the mutations break one of its fields at a time. */
const VALID: { [K in RequestName]: Record<string, unknown> } = {
  appInfo: {},
  listDatasets: {},
  getDataset: { id: 1 },
  listImages: { datasetId: 1, split: 'train', label: 0, offset: 0, limit: 10 },
  startImport: { kind: 'folder', path: '/tmp/images', testFraction: 0.2, name: 'images' },
  modelDefaults: {},
  listRuns: {},
  getRun: { id: 1 },
  startRun: { datasetId: 1, model: 'cnn', epochs: 1, batchSize: 4, seed: 7, trainLimit: 8 },
  startStudy: { datasetId: 1, models: ['cnn'], quick: true, seeds: 2 },
  startRuns: { datasetId: 1, model: 'cnn', epochs: 1, batchSize: 4, seed: 7, trainLimit: 8, seeds: 2 },
  repeatRun: { id: 1, seeds: 2 },
  startSampleStudy: {},
  resumeRun: { id: 1 },
  deleteRun: { id: 1 },
  cancelRun: { id: 1 },
  renameRun: { id: 1, name: 'CNN, lr 3e-4' },
  setRunColour: { id: 1, colour: '#0072b2' },
  evaluateRun: { id: 1, samples: 10 },
  getEvaluation: { runId: 1 },
  compareRuns: { runIds: [1, 2], baseline: 1, bootstrap: 200, seed: 3 },
  compareGroups: { groupIds: [1, 2], baseline: 1, bootstrap: 200 },
  explainRun: { id: 1, method: 'gradcam', score: 'logit', samples: 10, targetClass: 0 },
  getExplanation: { runId: 1 },
  listExplanationImages: { runId: 1, order: 'index', offset: 0, limit: 10 },
  mapRun: { id: 1, seed: 3, neighbours: 10, minDist: 0.2 },
  getMap: { runId: 1 },
  computeFeatures: { id: 1 },
  getFeatures: { runId: 1 },
  getNeighbours: { runId: 1, split: 'test', index: 0, k: 8 },
  findSuspects: { runs: [1], share: 0.875, limit: 10 },
  runBackgroundTest: { id: 1, samples: 10 },
  getBackgroundTest: { runId: 1 },
  listBackgroundImages: { runId: 1, order: 'dependence', offset: 0, limit: 10 },
  listExplanations: { runId: 1 },
  showExplanation: { runId: 1, explanationId: 1 },
  getExplanationImage: { runId: 1, index: 0 },
  listJobs: {},
  cancelJob: { jobId: 'job-1' },
  listCases: {
    runs: [1],
    filter: { outcome: 'wrong', tag: 'interesting' },
    sort: 'mi',
    order: 'desc',
    offset: 0,
    limit: 10,
  },
  getCase: { datasetId: 1, split: 'test', index: 0, runs: [1], method: 'gradcam' },
  getCaseSamples: { runId: 1, index: 0 },
  findCases: { runs: [1], limit: 5, thresholds: { confidence: 0.8 } },
  annotate: { datasetId: 1, split: 'test', index: 0, addTags: ['interesting'], note: 'a note', runId: 1 },
  deleteAnnotation: { datasetId: 1, split: 'test', index: 0 },
  undoAnnotation: { datasetId: 1, split: 'test', index: 0 },
  listAnnotations: { datasetId: 1 },
  getClassBoxplots: { runId: 1 },
  describeFigure: {
    kind: 'boxplots',
    runIds: [1],
    image: { split: 'test', index: 0 },
    metric: 'loss',
    caption: 'c',
    alt: 'a',
  },
  exportFigure: { kind: 'curves', runIds: [1], metric: 'accuracy', format: 'png', scale: 2, caption: 'c', alt: 'a' },
  makeReport: { runIds: [1], cases: [{ split: 'test', index: 3 }], format: 'md', reportId: 'r1' },
  agentsStatus: {},
  connectAgents: { url: 'redis://:password@127.0.0.1:6379', insecureLocal: false },
  disconnectAgents: {},
};

const HUGE = [1e308, -1e308, 2 ** 53 + 2, -(2 ** 53), Number.MAX_SAFE_INTEGER * 4, 1.5, -1, 0, -0.000001];

/** A value that does not belong where it is put. */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -(2 ** 31), max: 0 }),
  fc.constantFrom(...HUGE),
  fc.integer().map(String),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
);

const junkKeys = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((key) => key !== '__proto__'),
  garbage,
  { minKeys: 1, maxKeys: 3 },
);

/** Payloads that the request's schema refuses, as they arrive after a JSON round trip. */
function invalidPayloads(name: RequestName): fc.Arbitrary<unknown> {
  const valid = VALID[name];
  const keys = Object.keys(valid);
  const notAnObject = fc.oneof(garbage, fc.array(garbage, { maxLength: 3 }));
  const withJunk = junkKeys.map((junk) => ({ ...junk, ...valid }));
  const mutations: fc.Arbitrary<unknown>[] = [notAnObject, withJunk];
  if (keys.length > 0) {
    const field = fc.constantFrom(...keys);
    mutations.push(
      fc.tuple(field, garbage).map(([key, value]) => ({ ...valid, [key]: value })),
      field.map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
      fc.tuple(field, garbage, junkKeys).map(([key, value, junk]) => ({ ...junk, ...valid, [key]: value })),
    );
  }
  const schema: z.ZodType = requests[name].input;
  return fc
    .oneof(...mutations)
    .map((payload) => JSON.parse(JSON.stringify(payload) ?? 'null') as unknown)
    .filter((payload) => !schema.safeParse(payload ?? {}).success);
}

const Failure = z.object({ ok: z.literal(false), error: ErrorInfo }).strict();

let lab: Lab;
let events: RecordedEvent[];
let server: WebServer;
let base: string;
const headers: Record<string, string> = { 'content-type': 'application/json' };

beforeAll(async () => {
  const made = testLab();
  lab = made.lab;
  events = made.events;
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset());
  const run = storesOf(lab).runs.create({
    datasetId: dataset.id,
    datasetHash: dataset.contentHash,
    config: defaultRunConfig('cnn'),
  });
  storesOf(lab).runs.setStatus(run.id, 'done');
  server = await startWebServer({ lab, rendererDir: made.rendererDir });
  base = new URL(server.url).origin;
  headers.authorization = `Bearer ${server.token}`;
});

afterAll(async () => {
  await server.close();
  lab.close();
});

/** Row counts of every table, the jobs and the events: what an invalid request must not change. */
function snapshot(): { tables: Record<string, number>; jobs: number; events: number } {
  const names = storesOf(lab)
    .db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  const tables = Object.fromEntries(
    names.map(({ name }) => [
      name,
      (storesOf(lab).db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );
  return { tables, jobs: lab.jobs.list().length, events: events.length };
}

describe('invalid payloads, through both doors', () => {
  it('starts from a valid payload for every request', () => {
    for (const name of requestNames) {
      const schema: z.ZodType = requests[name].input;
      expect(schema.safeParse(VALID[name]).success, name).toBe(true);
    }
    const before = snapshot();
    expect(before.tables.datasets).toBe(1);
    expect(before.tables.runs).toBe(1);
  });

  for (const name of requestNames) {
    it(`${name}: 400 and a bad-request envelope, nothing stored, over HTTP and IPC`, async () => {
      const before = snapshot();
      await fc.assert(
        fc.asyncProperty(invalidPayloads(name), async (payload) => {
          const res = await fetch(`${base}/api/${name}`, { method: 'POST', headers, body: JSON.stringify(payload) });
          expect(res.status).toBe(400);
          const body = Failure.parse(await res.json());
          expect(body.error.code).toBe('bad-request');
          expect(body.error.message.startsWith(`${name}: `)).toBe(true);

          const direct = await lab.dispatch(name, payload);
          expect(Failure.parse(direct).error.code).toBe('bad-request');
        }),
        { numRuns: 30 },
      );
      expect(snapshot()).toEqual(before);
      const alive = await fetch(`${base}/api/appInfo`, { method: 'POST', headers, body: '{}' });
      expect(alive.status).toBe(200);
    });
  }
});

/** Requests naming one stored thing, and the payload naming one that does not exist. */
const UNKNOWN: Partial<Record<RequestName, (id: number) => Record<string, unknown>>> = {
  getDataset: (id) => ({ id }),
  startRun: (id) => ({ datasetId: id, model: 'cnn' }),
  getRun: (id) => ({ id }),
  resumeRun: (id) => ({ id }),
  cancelRun: (id) => ({ id }),
  renameRun: (id) => ({ id, name: 'a name' }),
  setRunColour: (id) => ({ id, colour: '#000000' }),
  evaluateRun: (id) => ({ id }),
  getEvaluation: (id) => ({ runId: id }),
  explainRun: (id) => ({ id }),
  getExplanation: (id) => ({ runId: id }),
  listExplanationImages: (id) => ({ runId: id }),
  mapRun: (id) => ({ id }),
  getMap: (id) => ({ runId: id }),
  listExplanations: (id) => ({ runId: id }),
  showExplanation: (id) => ({ runId: id, explanationId: 1 }),
  getExplanationImage: (id) => ({ runId: id, index: 0 }),
  cancelJob: (id) => ({ jobId: String(id) }),
};

describe('well-formed requests for things that do not exist, through both doors', () => {
  for (const [name, payloadFor] of Object.entries(UNKNOWN) as [RequestName, (id: number) => object][]) {
    it(`${name}: 404 and a not-found envelope, nothing stored`, async () => {
      const before = snapshot();
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }), async (id) => {
          const payload = payloadFor(id);
          const res = await fetch(`${base}/api/${name}`, { method: 'POST', headers, body: JSON.stringify(payload) });
          expect(res.status).toBe(404);
          expect(Failure.parse(await res.json()).error.code).toBe('not-found');
          expect(Failure.parse(await lab.dispatch(name, payload)).error.code).toBe('not-found');
        }),
        { numRuns: 10 },
      );
      expect(snapshot()).toEqual(before);
    });
  }
});
