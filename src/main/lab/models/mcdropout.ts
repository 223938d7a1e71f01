// The seed's MC-dropout CNN (DESIGN.md §1): 167,363 parameters for 32×32×3 inputs and 3 classes.
// Its dropout stays on at prediction, so repeated predictions sample the approximate posterior;
// the three dense layers carry the L2 terms of the MC-dropout prior: kernel weight
// keep_prob/(τ·N), bias weight 1/(τ·N), with N the training-set size.
import { tf } from '../engine/backend';
import { SEED_CLASSES, SEED_INPUT_SHAPE, single, type ImageShape } from './common';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface McDropoutArgs extends LayerArgs {
  rate: number;
  /** Seeds the masks (every call then draws the same mask); default: fresh masks. */
  seed?: number;
}

/**
 * Draws the keep mask for an input of the given shape: 1 where a unit is kept, 0 where it is
 * dropped (the layer scales the kept units by 1 / (1 − rate)). Replaceable, e.g. with fixed masks
 * in tests or with a faster generator (lab/inference/noise.ts).
 */
export type KeepMaskSource = (shape: number[]) => tf.Tensor;

/** Dropout that ignores the training flag: on in training and at prediction. */
export class McDropout extends tf.layers.Layer {
  static readonly className = 'McDropout';
  readonly rate: number;
  readonly seed: number | undefined;
  /**
   * Where the keep masks come from. Default undefined: `tf.dropout`'s own masks (seeded if `seed`
   * is set). Not serialised.
   */
  keepMask: KeepMaskSource | undefined;

  constructor(args: McDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`McDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.keepMask = undefined;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs, 'McDropout');
    return tf.tidy(() => {
      if (this.rate === 0) return tf.clone(x);
      if (this.keepMask === undefined) return tf.dropout(x, this.rate, undefined, this.seed);
      const mask = this.keepMask(x.shape);
      if (!tf.util.arraysEqual(mask.shape, x.shape)) {
        throw new Error(`McDropout: mask has shape [${mask.shape}], expected [${x.shape}]`);
      }
      return tf.mul(x, tf.div(mask, 1 - this.rate));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(McDropout);

export interface McDropoutOptions {
  /** N, the number of training examples: sets the L2 weights. Required. */
  trainingSize: number;
  /** Default [32, 32, 3]. */
  inputShape?: ImageShape;
  /** Default 3. */
  classes?: number;
  /** Probability of keeping a unit; default 0.5 (dropout rate 1 − keepProb). */
  keepProb?: number;
  /** Prior precision τ; default 0.5. */
  tau?: number;
  /** Seeds the weight initialisers (for reproducible tests); default: random. */
  seed?: number;
}

/** The L2 weights of the dense layers: kernel keep_prob/(τ·N), bias 1/(τ·N). */
export function mcDropoutL2(options: Pick<McDropoutOptions, 'trainingSize' | 'keepProb' | 'tau'>): {
  kernel: number;
  bias: number;
} {
  const { trainingSize, keepProb = 0.5, tau = 0.5 } = options;
  if (!(Number.isInteger(trainingSize) && trainingSize > 0)) {
    throw new Error(`MC dropout: trainingSize must be a positive integer, got ${trainingSize}`);
  }
  return { kernel: keepProb / (tau * trainingSize), bias: 1 / (tau * trainingSize) };
}

/**
 * conv 32 → pool → conv 64 → pool → conv 128 (all 3×3 relu, valid; pools 2) → pool → flatten →
 * dense 128 relu → MC dropout → dense 64 relu → MC dropout → dense softmax. Not compiled.
 */
export function buildMcDropout(options: McDropoutOptions): tf.LayersModel {
  const { inputShape = SEED_INPUT_SHAPE, classes = SEED_CLASSES, keepProb = 0.5, seed } = options;
  const l2 = mcDropoutL2(options);
  const init = (offset: number) =>
    seed === undefined ? {} : { kernelInitializer: tf.initializers.glorotUniform({ seed: seed + offset }) };
  const regularized = {
    kernelRegularizer: tf.regularizers.l2({ l2: l2.kernel }),
    biasRegularizer: tf.regularizers.l2({ l2: l2.bias }),
  };
  const rate = 1 - keepProb;
  return tf.sequential({
    name: 'mcdropout',
    layers: [
      tf.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: 'relu', name: 'conv_1', ...init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_1' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv_2', ...init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_2' }),
      tf.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu', name: 'conv_3', ...init(3) }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_3' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 128, activation: 'relu', name: 'dense_1', ...regularized, ...init(4) }),
      new McDropout({ rate, name: 'mc_dropout_1' }),
      tf.layers.dense({ units: 64, activation: 'relu', name: 'dense_2', ...regularized, ...init(5) }),
      new McDropout({ rate, name: 'mc_dropout_2' }),
      tf.layers.dense({ units: classes, activation: 'softmax', name: 'probabilities', ...regularized, ...init(6) }),
    ],
  });
}
