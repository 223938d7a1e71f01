import type { MadeReport, MakeReportRequest, ReportFormat, ReportProgress } from '../../../shared/contract';
import { MAX_REPORT_CASES } from '../../../shared/contract';
import type { CasebookClient } from '../lib/client';

/** Which cases the report shows: every annotated image (default), none, or the images listed. */
export type ReportCasesMode = 'annotated' | 'none' | 'list';

type CaseList = Extract<NonNullable<MakeReportRequest['cases']>, readonly unknown[]>;

/**
 * "12, 40, test/7" → the images; a string saying what is wrong otherwise. Test images by default,
 * as `casebook report --cases`.
 */
export function parseCaseList(text: string): CaseList | string {
  const parts = text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) return 'List the images, e.g. 12, 40, 7 (test images) or train/3.';
  const images: { split: 'train' | 'test'; index: number }[] = [];
  for (const part of parts) {
    const match = /^(?:(train|test)\/)?(0|[1-9]\d{0,8})$/.exec(part);
    if (!match) return `"${part}" is not an image: write an index such as 17, or test/17.`;
    const image = { split: match[1] === 'train' ? ('train' as const) : ('test' as const), index: Number(match[2]) };
    if (!images.some((i) => i.split === image.split && i.index === image.index)) images.push(image);
  }
  if (images.length > MAX_REPORT_CASES) return `At most ${MAX_REPORT_CASES} cases in a report.`;
  return images;
}

/** The progress line: "Gathering…", "Drawing figure 12 of 31", "Packing the zip". */
export function progressText(progress: Pick<ReportProgress, 'stage' | 'done' | 'total'> | null): string {
  if (progress === null || progress.stage === 'gathering') return 'Gathering runs, metrics and cases…';
  if (progress.stage === 'packing') return 'Packing the folder into a zip…';
  return progress.done >= progress.total
    ? `Drew ${progress.total} figures`
    : `Drawing figure ${progress.done + 1} of ${progress.total}…`;
}

let reports = 0;

/**
 * The Report… dialog: runs, cases and format chosen, the report made by the main side (the CLI's
 * report) with its progress shown, and the file handed to `deliver` (downloaded, or saved under
 * Electron). One report at a time; a newer answer never mixes with an older one's progress.
 */
export class ReportState {
  open = $state(false);
  runIds = $state.raw<number[]>([]);
  casesMode = $state<ReportCasesMode>('annotated');
  casesText = $state('');
  format = $state<ReportFormat>('html');
  status = $state<'idle' | 'making' | 'done' | 'error'>('idle');
  progress = $state.raw<ReportProgress | null>(null);
  error = $state<string | null>(null);
  /** What the last report held (its bytes went to `deliver`). */
  made = $state.raw<Omit<MadeReport, 'base64'> | null>(null);

  readonly #client: CasebookClient;
  readonly #deliver: (made: MadeReport) => void;
  #reportId: string | null = null;

  constructor(client: CasebookClient, deliver: (made: MadeReport) => void) {
    this.#client = client;
    this.#deliver = deliver;
  }

  /** Opens the dialog on these runs (the ones last looked at), keeping the other choices. */
  show(runIds: readonly number[]): void {
    if (this.status !== 'making') {
      this.runIds = [...runIds];
      this.status = 'idle';
      this.error = null;
      this.made = null;
    }
    this.open = true;
  }

  toggle(runId: number, on: boolean): void {
    this.runIds = on ? [...this.runIds.filter((id) => id !== runId), runId] : this.runIds.filter((id) => id !== runId);
  }

  /** The cases as the request takes them, or why they cannot be. */
  get cases(): { ok: true; value: NonNullable<MakeReportRequest['cases']> } | { ok: false; error: string } {
    if (this.casesMode !== 'list') return { ok: true, value: this.casesMode };
    const list = parseCaseList(this.casesText);
    return typeof list === 'string' ? { ok: false, error: list } : { ok: true, value: list };
  }

  /** Why the report cannot be made as chosen (null: it can). */
  get problem(): string | null {
    if (this.runIds.length === 0) return 'Choose at least one run.';
    if (this.runIds.length > 8) return 'At most 8 runs in a report.';
    const cases = this.cases;
    return cases.ok ? null : cases.error;
  }

  /** Makes the report and delivers the file; progress is shown while its figures are drawn. */
  async make(): Promise<void> {
    if (this.status === 'making') return;
    const problem = this.problem;
    const cases = this.cases;
    if (problem !== null || !cases.ok) {
      this.status = 'error';
      this.error = problem;
      return;
    }
    const reportId = `report-${Date.now().toString(36)}-${++reports}`;
    this.#reportId = reportId;
    this.status = 'making';
    this.error = null;
    this.made = null;
    this.progress = null;
    const stop = this.#client.on('reportProgress', (progress) => {
      if (progress.reportId === this.#reportId) this.progress = progress;
    });
    try {
      const result = await this.#client.request('makeReport', {
        runIds: [...this.runIds],
        cases: cases.value,
        format: this.format,
        reportId,
      });
      if (!result.ok) {
        this.status = 'error';
        this.error = `The report was not made: ${result.error.message}`;
        return;
      }
      const { base64: _bytes, ...made } = result.value;
      this.#deliver(result.value);
      this.made = made;
      this.status = 'done';
    } catch (error) {
      this.status = 'error';
      this.error = `The report was not made: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      stop();
      this.#reportId = null;
    }
  }
}
