/**
 * A test reference, written apart from the engine's tfjs path: a dense NTK-parametrized MLP in plain
 * float64 JavaScript, trained full batch by the width-scaled Adam of docs/SCIENCE.md section 5, with
 * centering (g = f - f_init) and the MSE loss of section 4. It takes nothing from engine/ but the shape
 * of its inputs, so the engine's finite model (engine/train/finiteModels.ts, optimizers.ts) can be
 * checked against it from the same initial weights, step for step.
 *
 * Network (section 2), hidden widths n_1..n_L, n_0 = d, raw parameters as given:
 *   h_1 = (w_1/sqrt d) x W_1 + b_1 beta_1,  x_l = phi(h_l),  h_{l+1} = (w_{l+1}/sqrt n_l) x_l W_{l+1} + b_{l+1} beta_{l+1}
 *   f = h_{L+1}
 * Adam (section 5): each parameter P has a step size eta_P (eta/n hidden-to-hidden, eta/sqrt(n) for the
 * input and readout matrices and hidden biases, eta for the output bias). With s_P = eta / eta_P, the
 * moments are kept of the normalized gradient s_P dL/dP, and P <- P - eta_P m^/(sqrt(v^) + eps).
 */

export interface ReferenceLayer {
  fanIn: number;
  fanOut: number;
  wStd: number;
  /** 0: no bias. */
  bStd: number;
}

export interface ReferenceNetwork {
  layers: ReferenceLayer[];
  activation: 'relu' | 'tanh' | 'erf';
  /** Raw weights row-major [fanIn, fanOut] and biases [fanOut] (null without a bias): copied to float64. */
  weights: ArrayLike<number>[];
  biases: (ArrayLike<number> | null)[];
}

export interface ReferenceAdam {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** The step divisor s_P per tensor; default recipeScale (a test can pass a wrong one to see a check fail). */
  scale?: (layers: readonly ReferenceLayer[], index: number, what: 'weight' | 'bias') => number;
}

/**
 * The step-size divisor s_P of SCIENCE.md section 5, from the recipe's words: a weight matrix between
 * two hidden layers gets n (eta/n), the input matrix and the readout sqrt(n) (n: the hidden side's width),
 * a hidden bias sqrt(n), the output bias 1. A network with no hidden layer is plain Adam.
 */
export function recipeScale(layers: readonly ReferenceLayer[], index: number, what: 'weight' | 'bias'): number {
  const L = layers.length - 1;
  if (L === 0) return 1;
  const layer = layers[index];
  const isInput = index === 0;
  const isReadout = index === L;
  if (what === 'bias') return isReadout ? 1 : Math.sqrt(layer.fanOut);
  if (isInput) return Math.sqrt(layer.fanOut);
  if (isReadout) return Math.sqrt(layer.fanIn);
  if (layer.fanIn !== layer.fanOut) throw new RangeError('reference: hidden layers of unequal widths are not in the recipe');
  return layer.fanIn;
}

function phi(kind: ReferenceNetwork['activation'], h: number): number {
  if (kind === 'relu') return h > 0 ? h : 0;
  if (kind === 'tanh') return Math.tanh(h);
  return erf(h);
}

function dphi(kind: ReferenceNetwork['activation'], h: number): number {
  if (kind === 'relu') return h > 0 ? 1 : 0;
  if (kind === 'tanh') {
    const t = Math.tanh(h);
    return 1 - t * t;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-h * h);
}

/** erf to about 1e-7 (Abramowitz-Stegun 7.1.26 is 1e-7; fine for a reference compared in float32). */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * out[B, n] = a * x[B, m] W[m, n] (+ c * b broadcast), plain loops. Row i of W is the outer loop so that
 * each weight is read once per call (W is far larger than a batch of rows at the widths tested).
 */
function affine(x: Float64Array, rows: number, m: number, w: Float64Array, n: number, a: number, b: Float64Array | null, c: number): Float64Array {
  const out = new Float64Array(rows * n);
  for (let i = 0; i < m; i++) {
    const wi = w.subarray(i * n, (i + 1) * n);
    for (let r = 0; r < rows; r++) {
      const xi = x[r * m + i];
      if (xi === 0) continue;
      const o = r * n;
      for (let j = 0; j < n; j++) out[o + j] += xi * wi[j];
    }
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[r * n + j] = a * out[r * n + j] + (b ? c * b[j] : 0);
  return out;
}

export class ReferenceAdamMlp {
  private readonly w: Float64Array[];
  private readonly b: (Float64Array | null)[];
  private readonly mW: Float64Array[];
  private readonly vW: Float64Array[];
  private readonly mB: (Float64Array | null)[];
  private readonly vB: (Float64Array | null)[];
  private t = 0;
  private readonly fInitTrain: Float64Array;
  private readonly fInitTest: Float64Array;

  constructor(
    private readonly net: ReferenceNetwork,
    private readonly adam: ReferenceAdam,
    private readonly xTrain: Float64Array,
    private readonly yTrain: Float64Array,
    private readonly xTest: Float64Array,
    private readonly centering = true,
  ) {
    this.w = net.weights.map((w) => Float64Array.from(w));
    this.b = net.biases.map((b) => (b ? Float64Array.from(b) : null));
    this.mW = this.w.map((w) => new Float64Array(w.length));
    this.vW = this.w.map((w) => new Float64Array(w.length));
    this.mB = this.b.map((b) => (b ? new Float64Array(b.length) : null));
    this.vB = this.b.map((b) => (b ? new Float64Array(b.length) : null));
    this.fInitTrain = this.raw(xTrain).f;
    this.fInitTest = this.raw(xTest).f;
  }

  private get d(): number {
    return this.net.layers[0].fanIn;
  }

  private get k(): number {
    return this.net.layers[this.net.layers.length - 1].fanOut;
  }

  /** Forward pass on rows of x [B, d]: every layer's input x_{l-1} and pre-activation h_l; f = the last h. */
  private raw(x: Float64Array): { inputs: Float64Array[]; pre: Float64Array[]; f: Float64Array } {
    const rows = x.length / this.d;
    const layers = this.net.layers;
    const inputs: Float64Array[] = [x];
    const pre: Float64Array[] = [];
    for (let l = 0; l < layers.length; l++) {
      const { fanIn, fanOut, wStd, bStd } = layers[l];
      const h = affine(inputs[l], rows, fanIn, this.w[l], fanOut, wStd / Math.sqrt(fanIn), this.b[l], bStd);
      pre.push(h);
      if (l < layers.length - 1) inputs.push(h.map((v) => phi(this.net.activation, v)));
    }
    return { inputs, pre, f: pre[pre.length - 1] };
  }

  /** Centered outputs g = f - f_init (or f) on a split, row-major [rows, k]. */
  predict(split: 'train' | 'test'): Float64Array {
    const x = split === 'train' ? this.xTrain : this.xTest;
    const f = this.raw(x).f;
    if (!this.centering) return f;
    const init = split === 'train' ? this.fInitTrain : this.fInitTest;
    return f.map((v, i) => v - init[i]);
  }

  /** One full-batch Adam step on the MSE loss L = (1/(N k)) sum 1/2 (g - y)^2. */
  step(): void {
    const layers = this.net.layers;
    const N = this.xTrain.length / this.d;
    const k = this.k;
    const { inputs, pre, f } = this.raw(this.xTrain);
    let dh = new Float64Array(N * k);
    for (let i = 0; i < dh.length; i++) dh[i] = (f[i] - (this.centering ? this.fInitTrain[i] : 0) - this.yTrain[i]) / (N * k);
    const gradW: Float64Array[] = [];
    const gradB: (Float64Array | null)[] = [];
    for (let l = layers.length - 1; l >= 0; l--) {
      const { fanIn, fanOut, wStd, bStd } = layers[l];
      const a = wStd / Math.sqrt(fanIn);
      const x = inputs[l];
      // dL/dW[i, j] = a sum_r x[r, i] dh[r, j], one row i of the gradient at a time.
      const gw = new Float64Array(fanIn * fanOut);
      for (let i = 0; i < fanIn; i++) {
        const gi = gw.subarray(i * fanOut, (i + 1) * fanOut);
        for (let r = 0; r < N; r++) {
          const xi = a * x[r * fanIn + i];
          if (xi === 0) continue;
          const o = r * fanOut;
          for (let j = 0; j < fanOut; j++) gi[j] += xi * dh[o + j];
        }
      }
      gradW[l] = gw;
      if (this.b[l]) {
        const gb = new Float64Array(fanOut);
        for (let r = 0; r < N; r++) for (let j = 0; j < fanOut; j++) gb[j] += bStd * dh[r * fanOut + j];
        gradB[l] = gb;
      } else gradB[l] = null;
      if (l > 0) {
        // dL/dx_{l-1} = a dh W^T (the weights before this step's update), then times phi'(h_{l-1}).
        const below = new Float64Array(N * fanIn);
        const hBelow = pre[l - 1];
        for (let i = 0; i < fanIn; i++) {
          const wi = this.w[l].subarray(i * fanOut, (i + 1) * fanOut);
          for (let r = 0; r < N; r++) {
            const o = r * fanOut;
            let s = 0;
            for (let j = 0; j < fanOut; j++) s += wi[j] * dh[o + j];
            below[r * fanIn + i] = a * s * dphi(this.net.activation, hBelow[r * fanIn + i]);
          }
        }
        dh = below;
      }
    }
    this.t++;
    const scale = this.adam.scale ?? recipeScale;
    for (let l = 0; l < layers.length; l++) {
      this.adamUpdate(this.w[l], gradW[l], this.mW[l], this.vW[l], scale(layers, l, 'weight'));
      if (this.b[l]) this.adamUpdate(this.b[l]!, gradB[l]!, this.mB[l]!, this.vB[l]!, scale(layers, l, 'bias'));
    }
  }

  private adamUpdate(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, s: number): void {
    const { learningRate: eta, beta1, beta2, eps } = this.adam;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    const step = eta / s;
    for (let i = 0; i < p.length; i++) {
      const gn = s * g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gn;
      v[i] = beta2 * v[i] + (1 - beta2) * gn * gn;
      p[i] -= (step * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }
}
