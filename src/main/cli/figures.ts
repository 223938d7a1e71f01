import { extname } from 'node:path';
import { CaseService } from '../lab/cases/cases';
import { FigureService } from '../lab/figures/service';
import type { ReportSources } from '../lab/figures/report-model';
import { openDatabase } from '../lab/store/database';
import { openStores } from '../lab/store/index';
import { NeighbourService } from '../lab/features/service';
import { FIGURE_FORMATS, type FigureFormat } from '../lab/figures/render';
import { UsageError } from './args';

/** The figure service over a study database (read only: no jobs), for `figure` and `report`. */
export function openFigures(file: string): ReportSources & { close: () => void } {
  const db = openDatabase(file);
  const stores = openStores(db);
  const cases = new CaseService(stores);
  const figures = new FigureService({ ...stores, cases });
  const neighbours = new NeighbourService(stores);
  return { figures, cases, datasets: stores.datasets, neighbours, close: () => db.close() };
}

/** `--image test/17` (or `17`, the test split). */
export function imageOption(value: string | undefined): { split: 'train' | 'test'; index: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(?:(train|test)\/)?(\d+)$/.exec(value.trim());
  if (!match) throw new UsageError(`--image: "${value}" is not an image; use test/17 (split/index)`);
  return { split: match[1] === 'train' ? 'train' : 'test', index: Number(match[2]) };
}

/** The format an output file's extension names. */
export function formatOf(out: string): FigureFormat {
  const ext = extname(out).slice(1).toLowerCase();
  if (!(FIGURE_FORMATS as readonly string[]).includes(ext))
    throw new UsageError(`--out: "${out}" must end in .png, .svg or .pdf`);
  return ext as FigureFormat;
}
