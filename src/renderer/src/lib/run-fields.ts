import type { ModelFamily, RunConfig } from '../../../shared/contract';

/** Every hyperparameter the form edits: all of `RunConfig` but the model family. */
export type ConfigKey = Exclude<keyof RunConfig, 'model'>;
/** The hyperparameters edited as numbers (all but the validation split). */
export type NumberKey = Exclude<ConfigKey, 'validationSplit'>;

export interface NumberField {
  key: NumberKey;
  label: string;
  /** The input's `step`: "1" for integers, "any" for reals. */
  step: '1' | 'any';
  min?: number;
  max?: number;
  /** Empty means "none" (stored as null) instead of being an error. */
  optional?: boolean;
  hint?: string;
  /** The families that use it; all when absent. */
  families?: readonly ModelFamily[];
}

/** The numeric fields in the order the form shows them (the validation split sits after `validationFraction`). */
export const NUMBER_FIELDS: readonly NumberField[] = [
  { key: 'epochs', label: 'Epochs (at most)', step: '1', min: 1 },
  { key: 'batchSize', label: 'Batch size', step: '1', min: 1 },
  { key: 'learningRate', label: 'Learning rate', step: 'any', min: 0 },
  { key: 'patience', label: 'Patience', step: '1', min: 0, hint: 'epochs without a better val_loss; 0 turns it off' },
  { key: 'minDelta', label: 'Min delta', step: 'any', min: 0, hint: 'the least val_loss improvement that counts' },
  { key: 'validationFraction', label: 'Validation fraction', step: 'any', min: 0.01, max: 0.9 },
  { key: 'seed', label: 'Seed', step: '1', min: 0 },
  { key: 'dropout', label: 'Dropout rate', step: 'any', min: 0, max: 0.95, families: ['cnn', 'mcdropout', 'ensemble'] },
  { key: 'latent', label: 'Latent dimensions', step: '1', min: 1, families: ['vnn'] },
  { key: 'tau', label: 'τ (L2 weights keep_prob / (τ·N))', step: 'any', min: 0, families: ['mcdropout'] },
  {
    key: 'members',
    label: 'Members',
    step: '1',
    min: 2,
    max: 50,
    hint: 'CNNs with seeds seed, seed + 1, …',
    families: ['ensemble'],
  },
  {
    key: 'trainLimit',
    label: 'Train limit',
    step: '1',
    min: 1,
    optional: true,
    hint: 'first n training images; empty: all',
  },
  { key: 'testLimit', label: 'Test limit', step: '1', min: 1, optional: true, hint: 'first n test images; empty: all' },
];

export const usesField = (field: NumberField, model: ModelFamily): boolean =>
  field.families === undefined || field.families.includes(model);

/** Labels for a run's whole configuration (the detail panel), in the form's order. */
export const CONFIG_LABELS: Record<ConfigKey, string> = {
  epochs: 'Epochs (at most)',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  patience: 'Patience',
  minDelta: 'Min delta',
  validationFraction: 'Validation fraction',
  validationSplit: 'Validation split',
  seed: 'Seed',
  dropout: 'Dropout rate',
  latent: 'Latent dimensions',
  tau: 'τ',
  members: 'Members',
  trainLimit: 'Train limit',
  testLimit: 'Test limit',
};

/** The configuration entries that matter for a family, in display order. */
export function configEntries(config: RunConfig): { key: ConfigKey; label: string; value: string }[] {
  const keys = (Object.keys(CONFIG_LABELS) as ConfigKey[]).filter((key) => {
    const field = NUMBER_FIELDS.find((f) => f.key === key);
    return field === undefined || usesField(field, config.model);
  });
  return keys.map((key) => {
    const value = config[key];
    return { key, label: CONFIG_LABELS[key], value: value === null ? 'all' : String(value) };
  });
}
