// Figures and reports benchmark: a study of 3 evaluated, explained runs with epochs and 20
// annotated cases (bench/figure-study.ts), then the time of one figure of every kind in every
// format (target ≤ 1 s each: `{"figure": true, kind, format, ms}`) and of the whole report of the
// 3 runs and 20 cases, HTML and Markdown (target ≤ 30 s: `{"report": true, runs, cases, seconds}`).
// `node scripts/bench.mjs --only figures [--images N]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIGURE_KINDS } from '../src/shared/figures';
import { renderFigure, FIGURE_FORMATS } from '../src/main/lab/figures/render';
import { writeReport } from '../src/main/lab/figures/report';
import { figureStudy } from './figure-study';

export type FiguresBenchLine =
  | { figure: true; kind: string; format: string; scale: number; ms: number }
  | { report: true; format: 'html' | 'md'; runs: number; cases: number; figures: number; seconds: number };

export async function benchFigures(options: {
  images?: number;
  report: (line: FiguresBenchLine) => void;
}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'casebook-bench-figures-'));
  const study = figureStudy(dir, { images: options.images ?? 1000, annotated: 20, samples: 100, epochs: 30 });
  try {
    const image = { split: 'test' as const, index: study.annotated[0] ?? 0 };
    for (const kind of FIGURE_KINDS) {
      const runIds = kind === 'convergence' ? study.ids.slice(1) : study.ids;
      for (const format of FIGURE_FORMATS) {
        const scale = format === 'png' ? 2 : 1;
        const once = async () => {
          const figure = study.figures.build({ kind, runIds, image, metric: 'loss' });
          await renderFigure(figure, format, scale);
        };
        await once();
        const times: number[] = [];
        for (let r = 0; r < 3; r++) {
          const start = performance.now();
          await once();
          times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        options.report({ figure: true, kind, format, scale, ms: Math.round(times[1] ?? 0) });
      }
    }
    for (const format of ['html', 'md'] as const) {
      const start = performance.now();
      const result = await writeReport(
        { figures: study.figures, cases: study.cases, datasets: study.datasets },
        { runIds: study.ids, cases: 'annotated', dir: join(dir, `report-${format}`), format },
      );
      options.report({
        report: true,
        format,
        runs: study.ids.length,
        cases: result.cases,
        figures: result.figures,
        seconds: Math.round((performance.now() - start) / 10) / 100,
      });
    }
  } finally {
    study.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
