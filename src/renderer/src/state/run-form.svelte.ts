import type { ZodError } from 'zod';
import { MAX_SEEDS, ModelFamily, StartRunRequest, type RunConfig, type RunSummary } from '../../../shared/contract';
import { messageOf } from '../lib/client';
import { NUMBER_FIELDS, usesField, type ConfigKey, type NumberKey } from '../lib/run-fields';
import type { RunsState } from './runs.svelte';

/** A field of the form that can carry an error: a hyperparameter or the dataset. */
export type FormKey = ConfigKey | 'datasetId' | 'seeds';

type NumberValues = Record<NumberKey, number | null>;

/**
 * The "New run" form: which dataset, which family, every hyperparameter (prefilled with the
 * family's defaults from `modelDefaults`, refilled when the family changes), the errors by field
 * after a check against the contract's schema, and the request that starts the run.
 */
export class RunFormState {
  open = $state(false);
  datasetId = $state<number | null>(null);
  model = $state<ModelFamily>('cnn');
  /** Null until the family's defaults have arrived. */
  values = $state<NumberValues | null>(null);
  validationSplit = $state<RunConfig['validationSplit']>('tail');
  /** How many runs differing only by seed (seed, seed + 1, …): more than 1 makes a seed group. */
  seeds = $state<number | null>(1);
  errors = $state.raw<Partial<Record<FormKey, string>>>({});
  /** A problem that belongs to no field (the request failed, the defaults did not load). */
  formError = $state<string | null>(null);
  starting = $state(false);

  readonly #runs: RunsState;

  constructor(runs: RunsState) {
    this.#runs = runs;
  }

  /** Opens the form, choosing this dataset when given; the rest keeps what was typed before. */
  async show(datasetId: number | null): Promise<void> {
    if (datasetId !== null) this.datasetId = datasetId;
    this.errors = {};
    this.formError = null;
    this.open = true;
    if (this.values === null) await this.#fill(this.model);
  }

  /** Switches the family and refills every field with its defaults. */
  async setModel(model: string): Promise<void> {
    const parsed = ModelFamily.safeParse(model);
    if (!parsed.success) return;
    this.model = parsed.data;
    this.errors = {};
    await this.#fill(parsed.data);
  }

  /** Puts the current family's defaults back. */
  reset(): Promise<void> {
    this.errors = {};
    return this.#fill(this.model);
  }

  async #fill(model: ModelFamily): Promise<void> {
    const defaults = await this.#runs.loadDefaults();
    if (defaults === null) {
      this.formError = 'The default hyperparameters could not be loaded (see the error above).';
      return;
    }
    // The family may have changed again while the defaults were loading.
    if (model !== this.model) return;
    const config = defaults[model];
    const values = {} as NumberValues;
    for (const field of NUMBER_FIELDS) values[field.key] = config[field.key];
    this.values = values;
    this.validationSplit = config.validationSplit;
    if (this.formError?.startsWith('The default')) this.formError = null;
  }

  /**
   * Builds the request from the shown fields and checks it with the contract's schema. Returns it,
   * or null with `errors` naming each bad field.
   */
  validate(): StartRunRequest | null {
    const errors: Partial<Record<FormKey, string>> = {};
    const values = this.values;
    if (values === null) {
      this.formError = 'The default hyperparameters have not loaded yet.';
      return null;
    }
    if (this.datasetId === null) errors.datasetId = 'Choose a dataset.';
    const request: Record<string, unknown> = { datasetId: this.datasetId ?? 0, model: this.model };
    for (const field of NUMBER_FIELDS) {
      if (!usesField(field, this.model)) continue;
      const value = values[field.key];
      if (value === null || Number.isNaN(value)) {
        if (field.optional) request[field.key] = null;
        else errors[field.key] = 'Enter a number.';
      } else request[field.key] = value;
    }
    request.validationSplit = this.validationSplit;
    const seeds = this.seeds;
    if (seeds === null || !Number.isInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS)
      errors.seeds = `A whole number from 1 to ${MAX_SEEDS}.`;
    const checked = StartRunRequest.safeParse(request);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        const key = issue.path[0];
        const formKey = typeof key === 'string' && (key === 'datasetId' || key in values || key === 'validationSplit');
        if (formKey) errors[key as FormKey] ??= fieldMessage(issue);
        else this.formError = `${issue.path.join('.') || '(request)'}: ${issue.message}`;
      }
    }
    this.errors = errors;
    if (Object.keys(errors).length > 0 || !checked.success) return null;
    return request as StartRunRequest;
  }

  /** Validates and sends `startRun`; resolves to the new run, or null (errors shown) when it did not start. */
  async submit(): Promise<RunSummary | null> {
    if (this.starting) return null;
    this.formError = null;
    const request = this.validate();
    if (request === null) return null;
    this.starting = true;
    try {
      const seeds = this.seeds ?? 1;
      const outcome = seeds > 1 ? await this.#runs.startSeeds(request, seeds) : await this.#runs.start(request);
      if (typeof outcome === 'string') {
        this.formError = outcome;
        return null;
      }
      this.open = false;
      return outcome;
    } catch (error) {
      this.formError = messageOf(error);
      return null;
    } finally {
      this.starting = false;
    }
  }
}

/** A schema issue said for a form field ("At least 1" rather than "Too small: expected number to be >=1"). */
export function fieldMessage(issue: ZodError['issues'][number]): string {
  switch (issue.code) {
    case 'too_small':
      return `${issue.inclusive === false ? 'More than' : 'At least'} ${String(issue.minimum)}.`;
    case 'too_big':
      return `${issue.inclusive === false ? 'Less than' : 'At most'} ${String(issue.maximum)}.`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'A whole number.' : issue.message;
    default:
      return issue.message;
  }
}
