// The seed's variational neural net (DESIGN.md §1): 230,787 parameters for 32×32×3 inputs, 3
// classes and 32 latent dimensions. Its `Sampling` layer draws z = μ + exp(log σ² / 2)·ε with ε
// of shape [batch, latent] (the seed drew one ε per example, shape [batch]: one of the seed's
// mistakes that Casebook fixes), at training and at prediction alike, and adds the KL term as a
// layer loss while training.
import { tf } from '../engine/backend';
import { SEED_CLASSES, SEED_INPUT_SHAPE, type ImageShape } from './common';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Shape = (number | null)[];

export interface SamplingArgs extends LayerArgs {
  /** Seeds ε: with a seed every call draws the same ε (for tests). Default: fresh noise. */
  seed?: number;
}

/** Draws ε of the given [batch, latent] shape; replaceable, e.g. with a fixed ε in tests. */
export type EpsilonSource = (shape: [number, number]) => tf.Tensor2D;

/**
 * KL(N(μ, σ²) ‖ N(0, 1)) as the seed computes it: for each example the mean over latent
 * dimensions of −½(1 + log σ² − μ² − σ²), then the mean over the batch.
 */
export function klDivergence(zMean: tf.Tensor, zLogVar: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perDim = tf.mul(-0.5, tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar)));
    return tf.mean(tf.mean(perDim, -1));
  });
}

/** Inputs [z_mean, z_log_var], both [batch, latent]; output z, [batch, latent]. */
export class Sampling extends tf.layers.Layer {
  static readonly className = 'Sampling';
  readonly seed: number | undefined;
  /** Where ε comes from; by default standard normal noise (seeded if `seed` is set). */
  epsilon: EpsilonSource;
  /**
   * The KL term of the last training call, kept (it must outlive the tidy scopes of the call)
   * and owned here: freed by the next training call or by `dispose`.
   */
  private kl: tf.Scalar | undefined;
  /** Whether `kl` has not yet been handed to a loss computation. */
  private klPending = false;

  constructor(args: SamplingArgs = {}) {
    super(args);
    this.seed = args.seed;
    this.epsilon = (shape) => tf.randomNormal(shape, 0, 1, 'float32', this.seed);
    this.addLoss(() => this.klLoss());
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const first = inputShape[0];
    if (!Array.isArray(first)) throw new Error('Sampling expects two inputs: [z_mean, z_log_var]');
    return first;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2)
      throw new Error('Sampling expects two inputs: [z_mean, z_log_var]');
    const [zMean, zLogVar] = inputs as [tf.Tensor, tf.Tensor];
    if (zMean.rank !== 2 || !tf.util.arraysEqual(zMean.shape, zLogVar.shape)) {
      throw new Error(`Sampling: z_mean [${zMean.shape}] and z_log_var [${zLogVar.shape}] must be equal 2-D shapes`);
    }
    if (kwargs['training'] === true) {
      this.kl?.dispose();
      this.kl = tf.keep(klDivergence(zMean, zLogVar));
      this.klPending = true;
    }
    return tf.tidy(() => {
      const shape = zMean.shape as [number, number];
      const eps = this.epsilon(shape);
      if (!tf.util.arraysEqual(eps.shape, shape)) {
        throw new Error(`Sampling: ε has shape [${eps.shape}], expected [${shape}]`);
      }
      return tf.add(zMean, tf.mul(tf.exp(tf.mul(zLogVar, 0.5)), eps));
    });
  }

  /** The KL term of the current training step, once (0 outside one). */
  private klLoss(): tf.Scalar {
    if (!this.klPending || this.kl === undefined || this.kl.isDisposed) return tf.scalar(0);
    this.klPending = false;
    return this.kl;
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.kl?.dispose();
      this.kl = undefined;
    }
    return result;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}
tf.serialization.registerClass(Sampling);

export interface VnnOptions {
  /** Default [32, 32, 3]. */
  inputShape?: ImageShape;
  /** Default 3. */
  classes?: number;
  /** Latent dimensions; default 32. */
  latent?: number;
  /** Seeds the weight initialisers (for reproducible tests); default: random. */
  seed?: number;
  /** Seeds ε, which is then the same at every call (for tests); default: fresh noise. */
  samplingSeed?: number;
}

/**
 * conv 32 3×3 relu (same) → maxpool 2 → conv 64 3×3 relu (valid) → maxpool 2 → flatten → dense 64
 * relu → dense 64 relu → z_mean, z_log_var (latent each) → Sampling → dense 64 relu → dense
 * softmax. The layer losses hold the KL term; compile with categorical cross-entropy. Not compiled.
 */
export function buildVnn(options: VnnOptions = {}): tf.LayersModel {
  const { inputShape = SEED_INPUT_SHAPE, classes = SEED_CLASSES, latent = 32, seed, samplingSeed } = options;
  const init = (offset: number) =>
    seed === undefined ? {} : { kernelInitializer: tf.initializers.glorotUniform({ seed: seed + offset }) };
  const input = tf.input({ shape: inputShape, name: 'image' });
  let h = tf.layers
    .conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same', name: 'conv_1', ...init(1) })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 64, kernelSize: 3, activation: 'relu', padding: 'valid', name: 'conv_2', ...init(2) })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool_2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, activation: 'relu', name: 'dense_1', ...init(3) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, activation: 'relu', name: 'dense_2', ...init(4) }).apply(h) as tf.SymbolicTensor;
  const zMean = tf.layers.dense({ units: latent, name: 'z_mean', ...init(5) }).apply(h) as tf.SymbolicTensor;
  const zLogVar = tf.layers.dense({ units: latent, name: 'z_log_var', ...init(6) }).apply(h) as tf.SymbolicTensor;
  const z = new Sampling({ name: 'z', ...(samplingSeed === undefined ? {} : { seed: samplingSeed }) }).apply([
    zMean,
    zLogVar,
  ]) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 64, activation: 'relu', name: 'dense_3', ...init(8) }).apply(z) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: classes, activation: 'softmax', name: 'probabilities', ...init(9) })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'vnn' });
}

/** The Sampling layer of a model built by `buildVnn`. */
export function samplingLayer(model: tf.LayersModel): Sampling {
  const layer = model.layers.find((l): l is Sampling => l instanceof Sampling);
  if (layer === undefined) throw new Error(`model '${model.name}' has no Sampling layer`);
  return layer;
}
