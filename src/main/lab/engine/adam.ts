// The optimizer every run trains with: tfjs's Adam, whose update of each weight runs as one
// kernel (`CasebookAdam`, engine/wasm/adam.ts) on the wasm backend, giving the same numbers. It is
// an AdamOptimizer (same class name, configuration, and getWeights/setWeights order), so
// checkpoints save and restore it exactly as before; on other backends it is tfjs's own update.
import { getKernel } from '@tensorflow/tfjs';
import { tf } from './backend';
import { ADAM_KERNEL, type AdamAttrs } from './wasm/adam';

/** What the update uses of AdamOptimizer's state (private in its typings). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getBackend() !== 'wasm' || getKernel(ADAM_KERNEL, 'wasm') === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const f = Math.fround;
    const attrs: AdamAttrs = {
      beta1: state.beta1,
      beta2: state.beta2,
      epsilon: state.epsilon,
      learningRate: state.learningRate,
      // tfjs: sub(1, accBeta) in float32
      oneMinusAccBeta1: f(1 - (state.accBeta1.dataSync()[0] ?? Number.NaN)),
      oneMinusAccBeta2: f(1 - (state.accBeta2.dataSync()[0] ?? Number.NaN)),
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) throw new Error(`FusedAdam: no variable '${name}'`);
        // created as tfjs creates them: the same names, so the same checkpoints
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [w2, m2, v2] = tf
          .engine()
          .runKernel(ADAM_KERNEL, { w: value, m, v, g: gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2 as tf.Tensor);
        v.assign(v2 as tf.Tensor);
        value.assign(w2 as tf.Tensor);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    this.incrementIterations();
  }
}

/** Adam as `tf.train.adam(learningRate)` makes it (β1 0.9, β2 0.999, the backend's ε). */
export function adamOptimizer(learningRate: number, epsilon?: number): FusedAdam {
  return new FusedAdam(learningRate, 0.9, 0.999, epsilon);
}
