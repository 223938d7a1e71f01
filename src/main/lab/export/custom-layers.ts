/**
 * What an exported model's folder says about Casebook's custom layers: a standalone ES module
 * that registers them with any TensorFlow.js (`casebook-layers.mjs`), and the README's text.
 * The module is plain JavaScript with no imports; the caller passes its own `tf`.
 */
export const LAYERS_FILE = 'casebook-layers.mjs';

export const LAYERS_MODULE = `// Casebook's custom layers, for loading its exported models with stock TensorFlow.js.
//   import * as tf from '@tensorflow/tfjs';
//   import { registerCasebookLayers } from './casebook-layers.mjs';
//   registerCasebookLayers(tf);                 // or (tf, { mean: true }): deterministic, see below
//   const model = await tf.loadLayersModel('…/model.json');
// Sampling (VNN): inputs [z_mean, z_log_var], both [batch, latent]; output z = z_mean +
//   exp(z_log_var / 2) · ε with ε ~ N(0, I) of shape [batch, latent], at every call.
// McDropout (MC dropout): dropout with rate \`rate\` that stays on at prediction (kept units
//   scaled by 1 / (1 − rate)).
// With { mean: true } both layers sit at their mean: Sampling returns z_mean, McDropout passes
// its input through unchanged. Casebook's own predictions average many random draws instead (see README.md).
export function registerCasebookLayers(tf, options = {}) {
  const mean = options.mean === true;

  class Sampling extends tf.layers.Layer {
    static get className() {
      return 'Sampling';
    }
    constructor(config = {}) {
      super(config);
      this.seed = config.seed;
    }
    computeOutputShape(inputShape) {
      return inputShape[0];
    }
    call(inputs) {
      return tf.tidy(() => {
        const [zMean, zLogVar] = inputs;
        if (mean) return tf.clone(zMean);
        const eps = tf.randomNormal(zMean.shape, 0, 1, 'float32', this.seed);
        return tf.add(zMean, tf.mul(tf.exp(tf.mul(zLogVar, 0.5)), eps));
      });
    }
    getConfig() {
      const config = super.getConfig();
      if (this.seed !== undefined) config.seed = this.seed;
      return config;
    }
  }

  class McDropout extends tf.layers.Layer {
    static get className() {
      return 'McDropout';
    }
    constructor(config) {
      super(config);
      this.rate = config.rate;
      this.seed = config.seed;
    }
    call(inputs) {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.tidy(() => (mean || this.rate === 0 ? tf.clone(x) : tf.dropout(x, this.rate, undefined, this.seed)));
    }
    getConfig() {
      const config = { ...super.getConfig(), rate: this.rate };
      if (this.seed !== undefined) config.seed = this.seed;
      return config;
    }
  }

  tf.serialization.registerClass(Sampling);
  tf.serialization.registerClass(McDropout);
  return { Sampling, McDropout };
}
`;

/** The README of an exported model folder. */
export function modelReadme(info: {
  runId: number;
  model: string;
  classes: readonly string[];
  inputShape: readonly number[];
  epoch: number;
  members: number;
  customLayers: readonly string[];
}): string {
  const load = info.members > 0 ? 'member-1/model.json' : 'model.json';
  const lines = [
    `# Casebook run ${info.runId} (${info.model}), exported model`,
    '',
    `TensorFlow.js layers format (\`model.json\` + \`group1-shard1of1.bin\`), the run's best checkpoint` +
      ` (epoch ${info.epoch}). Input: float32 images of shape [batch, ${info.inputShape.join(', ')}],` +
      ` pixels scaled to [0, 1] (uint8 / 255), height × width × channels. Output: softmax probabilities of the` +
      ` classes, in this order: ${info.classes.join(', ')}.`,
    '',
  ];
  if (info.customLayers.length === 0)
    lines.push(
      'The model uses only built-in layers:',
      '',
      '```js',
      `const model = await tf.loadLayersModel('…/${load}');`,
      '```',
      '',
    );
  else
    lines.push(
      `## Custom layers: ${info.customLayers.join(', ')}`,
      '',
      'The model uses Casebook layers that TensorFlow.js does not know; register them before loading.',
      `\`${LAYERS_FILE}\` (beside this file, no dependencies) does it:`,
      '',
      '- `Sampling` (the VNN): inputs `[z_mean, z_log_var]`, both `[batch, latent]`; output',
      '  `z = z_mean + exp(z_log_var / 2) · ε`, ε ~ N(0, I) of shape `[batch, latent]`, drawn at every call,',
      '  prediction included. Config: `seed` (optional).',
      '- `McDropout` (MC dropout): dropout with `rate` that stays on at prediction (kept units scaled by',
      '  1 / (1 − rate)). Config: `rate`, `seed` (optional).',
      '',
      '```js',
      "import * as tf from '@tensorflow/tfjs';",
      `import { registerCasebookLayers } from './${LAYERS_FILE}';`,
      '',
      'registerCasebookLayers(tf);',
      `const model = await tf.loadLayersModel('…/${load}');`,
      '// Casebook predicts with the mean of T random passes (T = 1000 by default):',
      'const T = 100;',
      'const p = tf.tidy(() => tf.addN(Array.from({ length: T }, () => model.predict(x))).div(T));',
      '```',
      '',
      '`registerCasebookLayers(tf, { mean: true })` makes both layers deterministic at their mean',
      '(Sampling returns `z_mean`, McDropout passes its input through unchanged): one pass, no sampling.',
      '',
    );
  if (info.members > 0)
    lines.push(
      `## Deep ensemble of ${info.members} CNNs`,
      '',
      'One folder per member (`member-1` … `member-' +
        info.members +
        '`), each a complete model. The ensemble predicts the mean of its members’ probabilities:',
      '',
      '```js',
      `const members = await Promise.all([${Array.from({ length: info.members }, (_, m) => `'member-${m + 1}'`).join(', ')}]`,
      '  .map((m) => tf.loadLayersModel(`…/${m}/model.json`)));',
      'const p = tf.tidy(() => tf.addN(members.map((m) => m.predict(x))).div(members.length));',
      '```',
      '',
    );
  return lines.join('\n');
}
