// A report's case lists each run's nearest training images (issue 20): the runs with features,
// their sentence and neighbours with distances; runs without features are left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureStudy, type FigureStudy } from '../../bench/figure-study';
import { NeighbourService } from '../../src/main/lab/features/service';
import { buildReport } from '../../src/main/lab/figures/report';
import { EvaluationStore } from '../../src/main/lab/store/evaluations';
import { FeatureStore } from '../../src/main/lab/store/features';
import { RunStore } from '../../src/main/lab/store/runs';
import { STRIP_LAYOUT, stripHeight } from '../../src/shared/figures';
import { TrainLabelCheckStore } from '../../src/main/lab/store/train-label-checks';
import { tempDir } from '../helpers/lab';

let study: FigureStudy;
beforeAll(() => {
  study = figureStudy(tempDir('casebook-report-neighbours-'), { images: 30, annotated: 1, samples: 5, epochs: 2 });
}, 60_000);
afterAll(() => study.db.close());

describe('the report of a case', () => {
  it("lists each run's nearest training images when the run has features", async () => {
    const [first, second] = study.ids as [number, number];
    const features = new FeatureStore(study.db);
    const trainCount = study.datasets.loadSplit(study.datasetId, 'train').labels.length;
    // every test image points like training image 1 (2-D rows: train 0 → x, 1 → y, 2 → −x)
    const train = Float32Array.from([1, 0, 0, 1, -1, 0].slice(0, trainCount * 2));
    features.putAll(first, [
      { split: 'train', dim: 2, values: train, layer: 'dense_2' },
      {
        split: 'test',
        dim: 2,
        values: new Float32Array(30 * 2).map((_, i) => (i % 2 === 1 ? 1 : 0.1)),
        layer: 'dense_2',
      },
    ]);
    const runs = new RunStore(study.db);
    const neighbours = new NeighbourService({
      runs,
      datasets: study.datasets,
      evaluations: new EvaluationStore(study.db),
      features,
      labelChecks: new TrainLabelCheckStore(study.db),
    });
    const sources = { figures: study.figures, cases: study.cases, datasets: study.datasets, neighbours };
    const built = await buildReport(sources, { runIds: [first, second], cases: 'annotated', format: 'md' });
    const md = built.files.get('report.md')?.toString() ?? '';
    expect(md).toContain("**Nearest training images** (cosine distance of each run's features):");
    const lines = md.split('\n').filter((l) => l.startsWith(`- ${runs.get(first).name}: `));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Nearest: train\/1 \w+ 0(\.\d+)?, /);
    // the run without features has no line
    expect(md.split('\n').some((l) => l.startsWith(`- ${runs.get(second).name}: `))).toBe(false);

    // and as thumbnails: one figure per case, drawn from its definition as the other figures are
    const [index] = study.annotated as [number];
    const name = `neighbours-test-${index}`;
    expect(md).toContain(`![`);
    expect(md).toContain(`](figures/${name}.png)`);
    for (const format of ['png', 'svg', 'pdf'])
      expect(built.files.get(`figures/${name}.${format}`), format).toBeInstanceOf(Buffer);
    const png = built.files.get(`figures/${name}.png`) as Buffer;
    // one row (the run with features) at scale 2: 2000 px wide
    expect(png.readUInt32BE(16)).toBe(2 * STRIP_LAYOUT.width);
    expect(png.readUInt32BE(20)).toBe(2 * stripHeight(1));
    const svg = (built.files.get(`figures/${name}.svg`) as Buffer).toString('utf8');
    // the case image and its training images (the study has 3), each a raster; the nearest first
    expect(svg.match(/<image /g)).toHaveLength(1 + trainCount);
    expect(svg).toContain(`train/1 · 0`);
    expect(svg.indexOf('train/1 ·')).toBeLessThan(svg.indexOf('train/0 ·'));
    expect(svg).toContain(`test/${index}`);
    expect(built.figures).toBe(
      (
        await buildReport(
          { ...sources, neighbours: undefined },
          { runIds: [first, second], cases: 'annotated', format: 'md' },
        )
      ).figures + 1,
    );

    const html = (await buildReport(sources, { runIds: [first], cases: 'annotated', format: 'html' })).files
      .get('report.html')
      ?.toString();
    expect(html).toMatch(/<ul data-neighbours><li>[^<]+Nearest: train\/1 /);
    expect(html).toMatch(new RegExp(`<figure id="${name}"><img src="data:image/svg\\+xml;base64,[^"]+" width="1000"`));
    expect(html).toContain('nearest training images in each run');
  });
});
