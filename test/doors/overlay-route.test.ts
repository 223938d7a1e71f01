import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/contract';
import { routeStatic, type StaticSite } from '../../src/main/doors/static-route';
import type { Lab } from '../../src/main/lab/lab';
import { EXPLANATION } from '../cases/fixture';
import { testLab, storesOf } from '../helpers/lab';
import { syntheticDataset } from '../helpers/synthetic';

let lab: Lab | null = null;

afterEach(() => {
  lab?.close();
  lab = null;
});

/** A lab with one dataset and two runs: #explained has a 2 × 2 map per test image, hot in the top-left only. */
function site(): StaticSite & { datasetId: number; explained: number; bare: number; stochastic: number } {
  const made = testLab();
  lab = made.lab;
  const { dataset } = storesOf(made.lab).datasets.add(syntheticDataset());
  const create = (): number =>
    storesOf(made.lab).runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: defaultRunConfig('cnn'),
    }).id;
  const [explained, bare, stochastic] = [create(), create(), create()] as [number, number, number];
  const images = (std: boolean) =>
    [0, 1, 2].map((index) => ({
      index,
      label: 0,
      predicted: 1,
      probability: 0.9,
      background: 0.5,
      map: new Float32Array([1, 0, 0, 0]),
      std: std ? new Float32Array([0, 0, 0, 0.5]) : null,
      // the true class's map is hot in the bottom-right
      trueMap: new Float32Array([0, 0, 0, 1]),
      trueStd: null,
    }));
  storesOf(made.lab).explanations.add(explained, { ...EXPLANATION, mapShape: [2, 2], images: 3 }, images(false));
  storesOf(made.lab).explanations.add(
    stochastic,
    { ...EXPLANATION, mapShape: [2, 2], images: 3, samples: 4, maxStd: 0.5, meanStd: 0.1 },
    images(true),
  );
  return { lab: made.lab, rendererDir: made.rendererDir, datasetId: dataset.id, explained, bare, stochastic };
}

async function rgb(body: Buffer | string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(body)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The raw test image enlarged the way the overlay enlarges it (nearest). */
async function rawEnlarged(s: StaticSite & { datasetId: number }, index: number, size: number): Promise<Buffer> {
  const raw = await routeStatic(s, 'GET', `/image/${s.datasetId}/test/${index}.png`);
  return sharp(Buffer.from(raw.body)).resize(size, size, { kernel: 'nearest' }).removeAlpha().raw().toBuffer();
}

const pixel = (data: Buffer, width: number, x: number, y: number): number[] =>
  Array.from(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));

describe('the overlay route', () => {
  it('serves the image with the map blended where it is hot, at 128 px by default', async () => {
    const s = site();
    const res = await routeStatic(s, 'GET', `/overlay/${s.explained}/test/1.png`, '?colormap=inferno&opacity=0.8');
    expect(res.status, String(res.body)).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toMatch(/max-age/);
    const { data, width, height } = await rgb(res.body as Buffer);
    expect([width, height]).toEqual([128, 128]);
    const raw = await rawEnlarged(s, 1, 128);
    // top-left: the map is 1 there, the colour is blended in; bottom-right: 0, the raw pixel
    expect(pixel(data, width, 2, 2)).not.toEqual(pixel(raw, width, 2, 2));
    expect(pixel(data, width, 125, 125)).toEqual(pixel(raw, width, 125, 125));
  });

  it('shows the true class map, the spread, and other sizes on request', async () => {
    const s = site();
    const trueMap = await routeStatic(s, 'GET', `/overlay/${s.explained}/test/0.png`, '?map=true&size=64&opacity=1');
    const { data, width } = await rgb(trueMap.body as Buffer);
    expect(width).toBe(64);
    const raw = await rawEnlarged(s, 0, 64);
    expect(pixel(data, width, 1, 1)).toEqual(pixel(raw, width, 1, 1));
    expect(pixel(data, width, 62, 62)).not.toEqual(pixel(raw, width, 62, 62));
    const spread = await routeStatic(s, 'GET', `/overlay/${s.stochastic}/test/0.png`, '?map=spread&opacity=1');
    expect(spread.status).toBe(200);
    const blended = await rgb(spread.body as Buffer);
    const raw128 = await rawEnlarged(s, 0, 128);
    expect(pixel(blended.data, 128, 126, 126)).not.toEqual(pixel(raw128, 128, 126, 126));
    expect(pixel(blended.data, 128, 1, 1)).toEqual(pixel(raw128, 128, 1, 1));
  });

  it('answers 404 with a reason for a run without an explanation, a missing run or image, or no spread', async () => {
    const s = site();
    const bare = await routeStatic(s, 'GET', `/overlay/${s.bare}/test/0.png`);
    expect(bare.status).toBe(404);
    expect(bare.body).toMatch(new RegExp(`run ${s.bare} has no explanation yet`));
    expect((await routeStatic(s, 'GET', '/overlay/99/test/0.png')).body).toMatch(/no run with id 99/);
    const image = await routeStatic(s, 'GET', `/overlay/${s.explained}/test/7.png`);
    expect(image.status).toBe(404);
    expect(image.body).toMatch(/no test image 7/);
    const spread = await routeStatic(s, 'GET', `/overlay/${s.explained}/test/0.png`, '?map=spread');
    expect(spread.status).toBe(404);
    expect(spread.body).toMatch(/no spread/);
    expect((await routeStatic(s, 'GET', `/overlay/${s.explained}/train/0.png`)).status).toBe(404);
  });

  it('answers 400 for a bad parameter, naming it', async () => {
    const s = site();
    const cases: [string, RegExp][] = [
      ['?map=both', /^map:/],
      ['?colormap=jet', /^colormap:/],
      ['?opacity=1.5', /^opacity:/],
      ['?opacity=', /^opacity:/],
      ['?opacity=abc', /^opacity:/],
      ['?size=100', /^size:/],
    ];
    for (const [search, message] of cases) {
      const res = await routeStatic(s, 'GET', `/overlay/${s.explained}/test/0.png`, search);
      expect(res.status, search).toBe(400);
      expect(res.body, search).toMatch(message);
    }
    // a parameter the route does not know (the gallery's cache buster) is left alone
    expect((await routeStatic(s, 'GET', `/overlay/${s.explained}/test/0.png`, '?v=3')).status).toBe(200);
  });
});
